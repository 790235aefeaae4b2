/**
 * PagerDuty Events v2 acknowledge and resolve carry only `routing_key`, `event_action` and
 * `dedup_key`: they must reach what their trigger made (an incident of the trigger's service, or
 * a recorded event) even when the integration names no service. Documented bodies, SQL store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from '../../api/records/eventLog';
import { createSenderTriggers } from '../../api/records/senderTriggers';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { adapterFixture } from '../support/fixtures';
import { API_KEY, startTestApp } from '../../devkit/testApp';

const ROUTING_KEY = 'R0UT1NGKEYNOSERVICE0000000000000';
const config = parseConfig(
  {
    services: {},
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
    // No service: the trigger's payload names it (component), its acknowledge and resolve do not.
    integrations: { pd: { source: 'pagerduty', tokenEnv: 'PD_KEY' } },
    eventPolicy: { rules: [{ name: 'info-events', match: { severity: 'info' }, action: 'event' }] },
  },
  'test',
);

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;

beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ config, env: { PD_KEY: ROUTING_KEY }, events: createEventLog(store), senderTriggers: createSenderTriggers(store) });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

function enqueue(event: unknown) {
  return fetch(`${app.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
}

/** A documented body of test/fixtures/pagerduty-<action>.json, for this key. */
function bare(action: 'acknowledge' | 'resolve', dedupKey: string) {
  return { ...(adapterFixture('pagerduty', action).payload as object), routing_key: ROUTING_KEY, dedup_key: dedupKey };
}

const trigger = (dedupKey: string, severity = 'critical') => {
  const payload = adapterFixture('pagerduty').payload as { payload: Record<string, unknown> };
  return { ...payload, routing_key: ROUTING_KEY, dedup_key: dedupKey, payload: { ...payload.payload, severity } };
};

describe('PagerDuty acknowledge and resolve without a payload', () => {
  it("reach the open incident of their dedup key in the trigger's service, though the integration names none", async () => {
    const opened = await enqueue(trigger('disk-datapipe03'));
    expect(opened.status).toBe(202);
    const alert = app.fake.submitted.at(-1)!;
    expect(alert.service).toBe('mysql');
    const [incidentId] = [...app.fake.incidents.entries()].find(([, incident]) => incident.view().workflowId === incidentWorkflowId(alert))!;

    const ack = await enqueue(bare('acknowledge', 'disk-datapipe03'));
    expect(ack.status).toBe(202);
    expect(await ack.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'disk-datapipe03' });
    expect(app.fake.incidents.get(incidentId)!.status).toBe('acknowledged');

    const resolve = await enqueue(bare('resolve', 'disk-datapipe03'));
    expect(resolve.status).toBe(202);
    expect(app.fake.sourceResolved.at(-1)).toMatchObject({ service: 'mysql', dedupKey: 'disk-datapipe03', summary: alert.summary });
    expect(app.fake.incidents.get(incidentId)!.view().alerts?.map((entry) => entry.status)).toEqual(['resolved']);
  });

  it('a resolve of a trigger the event policy recorded as an event is recorded as a resolved event', async () => {
    const before = app.fake.submitted.length;
    expect((await enqueue(trigger('cache-warmup', 'info'))).status).toBe(202);
    expect((await enqueue(bare('resolve', 'cache-warmup'))).status).toBe(202);
    expect(app.fake.submitted.length).toBe(before);
    const response = await fetch(`${app.url}/v1/events?dedupKey=cache-warmup`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const { events } = (await response.json()) as { events: Array<Record<string, unknown>> };
    expect(events.map((event) => `${event.status}/${event.disposition}/${event.service}`).sort()).toEqual(['firing/event/mysql', 'resolved/event/mysql']);
  });

  it("shows the trigger's links, images, client_url and custom_details on GET /v1/incidents/:id, per alert", async () => {
    const body = { ...trigger('links-shown'), links: [{ href: 'https://grafana.example.com/d/disk', text: 'Disk dashboard' }, { href: 'javascript:alert(1)', text: 'evil' }] };
    expect((await enqueue(body)).status).toBe(202);
    const alert = app.fake.submitted.at(-1)!;
    const [incidentId] = [...app.fake.incidents.entries()].find(([, incident]) => incident.view().workflowId === incidentWorkflowId(alert))!;
    const response = await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.status).toBe(200);
    const view = (await response.json()) as { alerts: Array<{ context?: { links: Array<{ label: string; url: string }>; fields: Array<{ name: string; value: string }> } }> };
    expect(view.alerts[0].context?.links).toEqual([
      { label: 'Disk dashboard', url: 'https://grafana.example.com/d/disk' },
      { label: 'Disk usage graph', url: 'https://monitoring.example.com/graphs/disk-prod-datapipe03' },
      { label: 'Sample Monitoring Service', url: 'https://monitoring.example.com' },
    ]);
    expect(view.alerts[0].context?.fields).toEqual([{ name: 'Custom details', value: '{"free space":"1%","ping_time":"1500ms"}' }]);
  });

  it('one whose trigger was never seen changes nothing and is not refused', async () => {
    const before = { resolved: app.fake.sourceResolved.length, submitted: app.fake.submitted.length };
    const response = await enqueue(bare('resolve', 'never-triggered'));
    expect(response.status).toBe(202);
    expect(((await response.json()) as { dedup_key: string }).dedup_key).toBe('never-triggered');
    expect(app.fake.sourceResolved.length).toBe(before.resolved);
    expect(app.fake.submitted.length).toBe(before.submitted);
  });
});
