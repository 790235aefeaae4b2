/**
 * The incident reads' answers match what `/openapi.json` documents for them
 * (api/routes/incidentSchemas.ts): an incident with an acknowledgement, a status update, roles,
 * a page and a problem, read the way a client reads it. The real workflow's view is held to the same
 * schema in test/e2e/incidentLifecycle.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, AUTH, startTestApp } from '../../devkit/testApp';
import { incidentListAnswerSchema, incidentViewSchema } from '../../api/routes/incidentSchemas';

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const write = (id: string, action: string, body: unknown, method = 'POST') =>
  fetch(`${app.url}/v1/incidents/${encodeURIComponent(id)}/${action}`, { method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** zod's issues, so a failure names the field that drifted. */
const issuesOf = (result: { success: boolean; error?: { issues: unknown[] } }) => result.error?.issues ?? [];

describe('incident read answers', () => {
  it('GET /v1/incidents/{id} answers what the document says, with every optional part filled', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `answers-${Math.random()}` }));
    expect((await write(view.id, 'ack', {})).status).toBe(200);
    expect((await write(view.id, 'updates', { text: 'rolling back', eta: '2026-12-01T18:00:00Z' })).status).toBe(201);
    expect((await write(view.id, 'roles', { commander: 'alice' }, 'PUT')).status).toBe(200);
    const incident = app.fake.incidents.get(view.id);
    incident?.linkProblem({ id: 'problem-1', title: 'checkout pool', workaround: 'restart the pool' }, 'linked by hand', new Date());
    incident?.recordPage({ id: 'alice', name: 'Alice', email: 'alice@example.test' }, 'email', { cycle: 0, levelIndex: 0 }, new Date(), 'sent via smtp');

    const answer = (await (await fetch(`${app.url}/v1/incidents/${encodeURIComponent(view.id)}`, { headers: AUTH })).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ status: 'acknowledged', roles: { commander: { id: 'alice' } }, problem: { id: 'problem-1' } });
    expect(answer.updates).toHaveLength(1);
    expect(answer.paged).toHaveLength(1);
    expect(issuesOf(incidentViewSchema.safeParse(answer))).toEqual([]);
    // The schema does hold the answer to something: a view without its timeline is refused.
    expect(incidentViewSchema.safeParse({ ...answer, timeline: undefined }).success).toBe(false);
  });

  it('GET /v1/incidents answers what the document says', async () => {
    app.fake.open(makeAlert({ dedupKey: `answers-list-${Math.random()}` }));
    const answer = await (await fetch(`${app.url}/v1/incidents`, { headers: AUTH })).json();
    expect((answer as { incidents: unknown[] }).incidents.length).toBeGreaterThan(0);
    expect(issuesOf(incidentListAnswerSchema.safeParse(answer))).toEqual([]);
  });

  it('publishes both schemas in /openapi.json', async () => {
    const document = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, { schema?: { properties?: object } }> }> } }> };
    for (const [path, field] of [['/v1/incidents', 'incidents'], ['/v1/incidents/{id}', 'timeline']] as const) {
      const properties = document.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema?.properties ?? {};
      expect(Object.keys(properties)).toContain(field);
    }
  });
});
