import type { IncidentView } from '../../domain/incident';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemView } from '../../domain/problem';
import { problemListAnswerSchema, problemViewSchema } from '../../api/routes/problemSchemas';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, PROBLEM_MANAGER_KEY, RESPONDER_KEY, startTestApp, AUTH } from '../../devkit/testApp';

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

function post(path: string, body: unknown, key: string | null = PROBLEM_MANAGER_KEY) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  return fetch(`${app.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function fields(response: Response): Promise<string[]> {
  return ((await response.json()) as { details: Array<{ field: string }> }).details.map((detail) => detail.field);
}

async function openProblem(body: Record<string, unknown> = {}): Promise<ProblemView> {
  const response = await post('/v1/problems', { title: 'checkout latency keeps coming back', ...body });
  expect(response.status).toBe(201);
  return (await response.json()) as ProblemView;
}

describe('problems API', () => {
  it('opens a problem by hand, linking incidents, keyed by the first incident’s fingerprint', async () => {
    const first = app.fake.open(makeAlert({ dedupKey: 'latency-a' }));
    const second = app.fake.open(makeAlert({ dedupKey: 'latency-a' }));
    const problem = await openProblem({ incidentIds: [first.id, second.id], workaround: 'restart the pool' });
    expect(problem).toMatchObject({ key: 'checkout/latency-a', service: 'checkout', status: 'open', incidentCount: 2, openedBy: 'priya', workaround: 'restart the pool' });
    expect(problem.incidents.map((incident) => incident.incidentId)).toEqual([first.id, second.id]);
    // The open incidents learn it: their view (and so their review) names the problem and its workaround.
    for (const incident of [first, second]) {
      const view = (await (await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incident.id)}`, { headers: AUTH })).json()) as IncidentView;
      expect(view.problem).toEqual({ id: problem.id, title: problem.title, workaround: 'restart the pool' });
      expect(view.timeline.map((entry) => entry.text)).toContain('known workaround: restart the pool');
    }

    const read = await fetch(`${app.url}/v1/problems/${encodeURIComponent(problem.id)}`, { headers: AUTH });
    expect(read.status).toBe(200);
    expect(((await read.json()) as ProblemView).id).toBe(problem.id);

    // One open problem per key.
    const again = await post('/v1/problems', { title: 'same again', incidentIds: [first.id] });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { problem: ProblemView }).problem.id).toBe(problem.id);
  });

  it('lists with filters', async () => {
    await openProblem({ service: 'search' });
    const all = (await (await fetch(`${app.url}/v1/problems`, { headers: AUTH })).json()) as { problems: Array<{ service?: string; status: string }> };
    expect(all.problems.length).toBeGreaterThan(0);
    const search = (await (await fetch(`${app.url}/v1/problems?service=search&status=open`, { headers: AUTH })).json()) as { problems: Array<{ service?: string }> };
    expect(search.problems.length).toBeGreaterThan(0);
    expect(search.problems.every((problem) => problem.service === 'search')).toBe(true);
    const closed = (await (await fetch(`${app.url}/v1/problems?status=closed&service=search`, { headers: AUTH })).json()) as { problems: unknown[] };
    expect(closed.problems).toEqual([]);
  });

  it('records the analysis, refuses to close without it, then closes and stays closed', async () => {
    const problem = await openProblem();
    const path = `/v1/problems/${encodeURIComponent(problem.id)}`;
    const early = await post(`${path}/close`, {});
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: string }).error).toMatch(/root cause/);

    const rca = await post(`${path}/rca`, {
      rootCause: 'connection pool sized for last year',
      contributingFactors: ['no load test since the sale'],
      correctiveActions: [{ action: 'size the pool from load', owner: 'bob', due: '2026-04-01' }],
      workaround: 'restart the pool',
    });
    expect(rca.status).toBe(200);
    expect(await rca.json()).toMatchObject({
      workaround: 'restart the pool',
      rca: { rootCause: 'connection pool sized for last year', contributingFactors: ['no load test since the sale'], correctiveActions: [{ owner: 'bob', due: '2026-04-01', done: false }], updatedBy: 'priya' },
    });

    const closed = await post(`${path}/close`, { note: 'pool resized' });
    expect(closed.status).toBe(200);
    const closedView = await closed.json();
    expect(closedView).toMatchObject({ status: 'closed', closedBy: 'priya', closeNote: 'pool resized' });
    // Answers match what /openapi.json documents (problemSchemas.ts), analysis and closure included.
    expect(problemViewSchema.safeParse(closedView).error?.issues ?? []).toEqual([]);
    expect(problemViewSchema.safeParse(await (await fetch(`${app.url}${path}`, { headers: AUTH })).json()).error?.issues ?? []).toEqual([]);
    expect(problemListAnswerSchema.safeParse(await (await fetch(`${app.url}/v1/problems?status=closed`, { headers: AUTH })).json()).error?.issues ?? []).toEqual([]);
    expect(problemViewSchema.safeParse({ ...closedView, incidents: undefined }).success).toBe(false);
    expect((await post(`${path}/rca`, { rootCause: 'too late' })).status).toBe(409);
    expect((await post(`${path}/close`, {})).status).toBe(409);
  });

  it.each([
    ['/v1/problems', {}, 'body.title'],
    ['/v1/problems', { title: 'x', incidentIds: ['no-such-incident'] }, 'body.incidentIds.0'],
    ['/v1/problems', { title: 'x', service: 'Not A Service' }, 'body.service'],
    ['/v1/problems', { title: 'x', colour: 'red' }, 'body'],
  ])('refuses POST %s %j naming %s', async (path, body, field) => {
    const response = await post(path, body);
    expect(response.status).toBe(400);
    expect(await fields(response)).toContain(field);
  });

  it('names the offending field of an analysis', async () => {
    const problem = await openProblem();
    const path = `/v1/problems/${encodeURIComponent(problem.id)}/rca`;
    expect(await fields(await post(path, {}))).toContain('body.rootCause');
    expect(await fields(await post(path, { correctiveActions: [{ action: 'x', owner: 'bob', due: 'next week' }] }))).toContain('body.correctiveActions.0.due');
    expect(await fields(await post(path, { correctiveActions: [{ action: 'x', due: '2026-04-01' }] }))).toContain('body.correctiveActions.0.owner');
    expect(await fields(await post(`${path.replace(/rca$/, 'close')}`, { note: 7 }))).toContain('body.note');
  });

  it('answers 404 for an unknown problem, on reads and writes', async () => {
    for (const id of ['not-an-id', 'cHJvYmxlbTpub25l.0f8fad5b-d9cb-469f-a165-70867728950e']) {
      const read = await fetch(`${app.url}/v1/problems/${id}`, { headers: AUTH });
      expect(read.status).toBe(404);
      expect(await fields(read)).toEqual(['id']);
      expect((await post(`/v1/problems/${id}/rca`, { rootCause: 'x' })).status).toBe(404);
      expect((await post(`/v1/problems/${id}/close`, {})).status).toBe(404);
    }
  });

  it('lets a problem manager or an operations manager write, nobody else', async () => {
    expect((await post('/v1/problems', { title: 'x' }, null)).status).toBe(401);
    const responder = await post('/v1/problems', { title: 'x' }, RESPONDER_KEY);
    expect(responder.status).toBe(403);
    expect((await post('/v1/problems', { title: 'by the operations manager' }, API_KEY)).status).toBe(201);
  });

  it('answers 503 when no problem store is configured', async () => {
    const bare = await startTestApp({ problems: undefined });
    try {
      expect((await fetch(`${bare.url}/v1/problems`, { headers: AUTH })).status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
