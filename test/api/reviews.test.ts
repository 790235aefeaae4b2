import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentWorkflowId } from '../../domain/alert';
import { Incident } from '../../domain/incident';
import { encodeIncidentId, incidentCode } from '../../domain/incidentId';
import type { Severity } from '../../domain/severity';
import { createIncidentReviews } from '../../api/records/incidentReviews';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, PROBLEM_MANAGER_KEY, RESPONDER_KEY, startTestApp, AUTH } from '../../devkit/testApp';

const DAY_MS = 86_400_000;

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ reviews: createIncidentReviews(store) });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** An incident of the fake gateway opened and resolved `daysAgo` days ago (an hour apart). */
function resolvedDaysAgo(daysAgo: number, severity: Severity): string {
  const alert = makeAlert({ severity, dedupKey: `old-${randomUUID()}` });
  const ref = { workflowId: incidentWorkflowId(alert), runId: randomUUID() };
  const id = encodeIncidentId(ref);
  const openedAt = new Date(Date.now() - daysAgo * DAY_MS);
  const incident = new Incident({ id, code: incidentCode(ref), workflowId: ref.workflowId, alert, now: openedAt });
  incident.resolve('alice (api)', new Date(openedAt.getTime() + 3_600_000));
  app.fake.incidents.set(id, incident);
  return id;
}

const reviewUrl = (id: string) => `${app.url}/v1/incidents/${encodeURIComponent(id)}/review`;

function put(id: string, body: unknown, key = RESPONDER_KEY) {
  return fetch(reviewUrl(id), { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('GET /v1/incidents/:id/review', () => {
  it('answers 409 for an incident not resolved yet, and 404 for none', async () => {
    const open = app.fake.open(makeAlert({ dedupKey: `open-${randomUUID()}` }));
    const response = await fetch(reviewUrl(open.id), { headers: AUTH });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining('is triggered, not resolved'), incidentStatus: 'triggered', details: [{ field: 'id' }] });
    expect((await fetch(reviewUrl('not-an-incident'), { headers: AUTH })).status).toBe(404);
  });

  it('drafts the review of a resolved incident as JSON, and as Markdown on request', async () => {
    const opened = app.fake.open(makeAlert({ dedupKey: `draft-${randomUUID()}` }));
    await fetch(`${app.url}/v1/incidents/${encodeURIComponent(opened.id)}/ack`, { method: 'POST', headers: { authorization: `Bearer ${RESPONDER_KEY}` } });
    await fetch(`${app.url}/v1/incidents/${encodeURIComponent(opened.id)}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${RESPONDER_KEY}` } });

    const json = await fetch(reviewUrl(opened.id), { headers: AUTH });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const review = (await json.json()) as Record<string, unknown>;
    expect(review).toMatchObject({
      incidentId: opened.id,
      severity: 'critical',
      sevLevel: 'SEV1',
      resolvedBy: 'bob (api)',
      acknowledgements: [{ by: 'bob (api)' }],
      status: 'draft',
      required: true,
      overdue: false,
      wentWell: [],
      wentBadly: [],
      actionItems: [],
    });
    expect(review.timeToAcknowledgeSeconds).toEqual(expect.any(Number));

    const markdown = await fetch(reviewUrl(opened.id), { headers: { ...AUTH, accept: 'text/markdown' } });
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = await markdown.text();
    expect(text).toMatch(/^# Post-incident review: checkout p99 latency above 2s/);
    expect(text).toContain('## What went well');
    expect(text).toContain('| Acknowledged by | bob (api) |');
  });
});

describe('PUT /v1/incidents/:id/review', () => {
  it('lets a responder fill in and complete the human sections, kept in the store', async () => {
    const id = resolvedDaysAgo(1, 'error');
    const draft = await put(id, { wentWell: ['paged within a minute'], actionItems: [{ what: 'add a rollback step', owner: 'bob', due: '2026-04-01' }] });
    expect(draft.status).toBe(200);
    expect(await draft.json()).toMatchObject({ status: 'draft', updatedBy: 'bob', actionItems: [{ what: 'add a rollback step', owner: 'bob', due: '2026-04-01', done: false }] });

    const done = await put(id, { wentWell: ['paged within a minute'], wentBadly: ['no rollback step'], completed: true });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ status: 'completed', completedBy: 'bob', wentBadly: ['no rollback step'], actionItems: [] });

    const read = (await (await fetch(reviewUrl(id), { headers: AUTH })).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ status: 'completed', completedBy: 'bob', wentWell: ['paged within a minute'] });
    // An operations manager may edit it too; the first completion stays on record.
    const edited = await put(id, { wentWell: ['paged within a minute'], wentBadly: ['no rollback step', 'stale dashboard'], completed: true }, API_KEY);
    expect(await edited.json()).toMatchObject({ completedBy: 'bob', completedAt: read.completedAt, updatedBy: 'alice' });
  });

  it('names the offending field of a bad body', async () => {
    const id = resolvedDaysAgo(1, 'critical');
    for (const [body, field] of [
      [{ completed: true }, 'body.completed'],
      [{ actionItems: [{ what: 'x', owner: 'bob', due: 'next week' }] }, 'body.actionItems.0.due'],
      [{ wentWell: [' '] }, 'body.wentWell.0'],
      [{ verdict: 'fine' }, 'body'],
    ] as const) {
      const response = await put(id, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { details: Array<{ field: string }> }).details.map((detail) => detail.field)).toContain(field);
    }
  });

  it('needs a responder or operations manager key, and a resolved incident', async () => {
    const id = resolvedDaysAgo(1, 'critical');
    const anonymous = await fetch(reviewUrl(id), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    const problemManager = await put(id, { wentWell: ['x'] }, PROBLEM_MANAGER_KEY);
    expect(problemManager.status).toBe(403);
    expect(await problemManager.json()).toMatchObject({ error: expect.stringContaining('responder'), requiredRole: 'responder', role: 'problem-manager' });
    const open = app.fake.open(makeAlert({ dedupKey: `open-${randomUUID()}` }));
    expect((await put(open.id, { wentWell: ['x'] })).status).toBe(409);
  });
});

describe('GET /v1/reviews', () => {
  it('lists required reviews not completed; overdue=true only those past due', async () => {
    const overdue = resolvedDaysAgo(8, 'critical');
    const recent = resolvedDaysAgo(2, 'error');
    const optional = resolvedDaysAgo(8, 'warning');
    const completed = resolvedDaysAgo(9, 'critical');
    expect((await put(completed, { wentBadly: ['slow to page'], completed: true })).status).toBe(200);

    const response = await fetch(`${app.url}/v1/reviews?overdue=true`, { headers: AUTH });
    expect(response.status).toBe(200);
    const listed = ((await response.json()) as { reviews: Array<{ incidentId: string; overdue: boolean; dueAt: string; sevLevel: string }> }).reviews;
    const ids = listed.map((review) => review.incidentId);
    expect(ids).toContain(overdue);
    expect(ids).not.toContain(recent);
    expect(ids).not.toContain(optional);
    expect(ids).not.toContain(completed);
    const entry = listed.find((review) => review.incidentId === overdue);
    expect(entry).toMatchObject({ overdue: true, sevLevel: 'SEV1', status: 'draft' });
    expect(Date.parse(entry?.dueAt ?? '')).toBeLessThan(Date.now());

    const all = ((await (await fetch(`${app.url}/v1/reviews`, { headers: AUTH })).json()) as { reviews: Array<{ incidentId: string; overdue: boolean }> }).reviews;
    expect(all.find((review) => review.incidentId === recent)).toMatchObject({ overdue: false });
    expect(all.find((review) => review.incidentId === overdue)).toMatchObject({ overdue: true });
    expect(all.map((review) => review.incidentId)).not.toContain(optional);

    const bad = await fetch(`${app.url}/v1/reviews?overdue=yes`, { headers: AUTH });
    expect(bad.status).toBe(400);
  });
});

describe('reviews without a review store', () => {
  it('still drafts a review, but cannot keep what people write', async () => {
    const bare = await startTestApp();
    try {
      const opened = bare.fake.open(makeAlert({ dedupKey: `bare-${randomUUID()}` }));
      await bare.fake.gateway.resolve(opened.id, { by: 'bob', via: 'api' });
      expect((await fetch(`${bare.url}/v1/incidents/${encodeURIComponent(opened.id)}/review`, { headers: AUTH })).status).toBe(200);
      const refused = await fetch(`${bare.url}/v1/incidents/${encodeURIComponent(opened.id)}/review`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${RESPONDER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ wentWell: ['x'] }),
      });
      expect(refused.status).toBe(503);
      expect((await fetch(`${bare.url}/v1/reviews`, { headers: AUTH })).status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
