/** The API calls end-to-end tests make of a stack (`devkit/stack.ts`) as its operator. */
import type { IncidentView } from '../domain/incident';
import { STACK_AUTH, type Stack } from './stack';

/** Posts an alert as JSON; fails unless the API took it (202). @returns its incident's id. */
export async function postStackAlert(stack: Pick<Stack, 'apiUrl'>, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/v1/alerts`, { method: 'POST', headers: { ...STACK_AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 202) throw new Error(`POST /v1/alerts answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { incidentId: string }).incidentId;
}

/** The incident as `GET /v1/incidents/:id` shows it; fails unless the API found it (200). */
export async function stackIncident(stack: Pick<Stack, 'apiUrl'>, id: string): Promise<IncidentView> {
  const response = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(id)}`, { headers: STACK_AUTH });
  if (response.status !== 200) throw new Error(`GET /v1/incidents/${id} answered ${response.status}`);
  return (await response.json()) as IncidentView;
}
