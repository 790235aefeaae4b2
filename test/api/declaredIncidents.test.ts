import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planIncident } from '../../domain/incidentPlan';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, AUTH, RESPONDER_KEY, startTestApp, testConfigWith } from '../../devkit/testApp';

const VIEWER_KEY = 'test-key-vera';
const SENDER_KEY = 'test-key-sam';
const config = testConfigWith({
  contacts: {
    alice: { name: 'Alice', email: 'alice@example.test', phone: '+15550100001' },
    carol: { name: 'Carol', email: 'carol@example.test' },
  },
});

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp({
    config,
    apiKeys: new Map([
      [API_KEY, { user: 'alice', role: 'operations-manager' }],
      [RESPONDER_KEY, { user: 'bob', role: 'responder' }],
      [VIEWER_KEY, { user: 'vera', role: 'viewer' }],
      [SENDER_KEY, { user: 'sam', role: 'sender' }],
    ]),
  });
});
afterAll(async () => {
  await app.close();
});

function declare(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${RESPONDER_KEY}` }) {
  return fetch(`${app.url}/v1/incidents`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const BODY = { service: 'checkout', severity: 'critical', summary: 'Checkout is failing for EU customers' };

describe('POST /v1/incidents (declare by hand)', () => {
  it('declares an incident: 201 with its id and URL, recorded as declared by the key holder', async () => {
    const response = await declare({ ...BODY, commander: 'carol' });
    expect(response.status).toBe(201);
    const answer = (await response.json()) as { incidentId: string; url: string; status: string };
    expect(answer.status).toBe('declared');
    expect(answer.url).toBe(`/v1/incidents/${encodeURIComponent(answer.incidentId)}`);
    expect(response.headers.get('location')).toBe(answer.url);
    const alert = app.fake.submitted.at(-1);
    expect(alert).toMatchObject({ service: 'checkout', severity: 'critical', source: 'declared', declared: { by: 'bob', via: 'api', page: true, commander: 'carol' } });
    expect(alert?.dedupKey).toBe(`declared-${alert?.id}`);
    const incident = (await (await fetch(`${app.url}${answer.url}`, { headers: AUTH })).json()) as { declaredBy: string; timeline: Array<{ text: string; by?: string }> };
    expect(incident.declaredBy).toBe('bob (api)');
    expect(incident.timeline[0]).toMatchObject({ text: 'declared by bob (api): critical: Checkout is failing for EU customers', by: 'bob (api)' });
  });

  it('plans the same as an alert, except that page: false plans no level and a commander comes along', async () => {
    await declare({ ...BODY, page: false, commander: 'carol' });
    const unpaged = app.fake.submitted.at(-1);
    expect(unpaged?.declared?.page).toBe(false);
    const plan = planIncident(config, [], unpaged!);
    expect(plan.policy).toEqual({ id: 'p', levels: [], repeat: 0 });
    expect(plan.commander).toMatchObject({ id: 'carol', name: 'Carol', email: 'carol@example.test' });
    await declare(BODY);
    const paged = app.fake.submitted.at(-1);
    expect(paged?.declared?.page).toBe(true);
    const pagedPlan = planIncident(config, [], paged!);
    expect(pagedPlan.policy.levels.map((level) => level.targets.map((target) => target.id))).toEqual([['alice']]);
    expect(pagedPlan.commander).toBeUndefined();
    // An alert-born incident's plan is untouched by any of this.
    const { declared: _declared, ...alert } = paged!;
    expect(planIncident(config, [], alert)).toEqual(pagedPlan);
  });

  it('makes the same alert on a retry with the same Idempotency-Key, a new one without', async () => {
    const headers = { authorization: `Bearer ${RESPONDER_KEY}`, 'idempotency-key': 'declare-42' };
    const first = await declare(BODY, headers);
    const second = await declare(BODY, headers);
    expect([first.status, second.status]).toEqual([201, 201]);
    const [a, b] = app.fake.submitted.slice(-2);
    // The same alert id and so the same workflow id: Temporal's signalWithStart joins the incident and counts it once.
    expect(b.id).toBe(a.id);
    expect(b.dedupKey).toBe(a.dedupKey);
    await declare(BODY);
    await declare(BODY);
    const [c, d] = app.fake.submitted.slice(-2);
    expect(c.id).not.toBe(d.id);
    expect(c.id).not.toBe(a.id);
    const otherUser = await declare(BODY, { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'declare-42' });
    expect(otherUser.status).toBe(201);
    expect(app.fake.submitted.at(-1)?.id).not.toBe(a.id);
  });

  it.each([
    [{ ...BODY, service: 'nowhere' }, 'body.service'],
    [{ ...BODY, service: 'Bad Service' }, 'body.service'],
    [{ ...BODY, severity: 'apocalyptic' }, 'body.severity'],
    [{ ...BODY, summary: '   ' }, 'body.summary'],
    [{ service: 'checkout', severity: 'critical' }, 'body.summary'],
    [{ ...BODY, commander: 'zed' }, 'body.commander'],
    [{ ...BODY, page: 'yes' }, 'body.page'],
    [{ ...BODY, colour: 'red' }, 'body'],
  ])('refuses %j naming %s', async (body, field) => {
    const before = app.fake.submitted.length;
    const response = await declare(body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; details: Array<{ field: string }> };
    expect(answer.details.map((detail) => detail.field)).toContain(field);
    expect(app.fake.submitted.length).toBe(before);
  });

  it('refuses a bad Idempotency-Key naming the header', async () => {
    const response = await declare(BODY, { authorization: `Bearer ${RESPONDER_KEY}`, 'idempotency-key': '""' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('headers.idempotency-key');
  });

  it('needs a responder key: 401 without one, 403 for a viewer or a sender', async () => {
    const before = app.fake.submitted.length;
    const anonymous = await declare(BODY, {});
    expect(anonymous.status).toBe(401);
    for (const key of [VIEWER_KEY, SENDER_KEY]) {
      const refused = await declare(BODY, { authorization: `Bearer ${key}` });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('authorization');
    }
    expect(app.fake.submitted.length).toBe(before);
  });

  it('answers 503 while Temporal is down and no spool can hold it', async () => {
    app.fake.state.available = false;
    try {
      const response = await declare(BODY);
      expect(response.status).toBe(503);
    } finally {
      app.fake.state.available = true;
    }
  });
});

describe('PUT /v1/incidents/:id/roles', () => {
  function putRoles(id: string, body: unknown, key = RESPONDER_KEY) {
    return fetch(`${app.url}/v1/incidents/${encodeURIComponent(id)}/roles`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
  }

  it('assigns and reassigns roles, resolving contacts to the people the workflow holds, shown on the incident', async () => {
    const view = app.fake.open(makeAlert());
    const first = await putRoles(view.id, { commander: 'alice', communicationsLead: 'carol', scribe: 'carol', responders: ['alice', 'carol'] });
    expect(first.status).toBe(200);
    expect(app.fake.roleAssignments.at(-1)?.input).toMatchObject({ by: 'bob', via: 'api', roles: { commander: { id: 'alice', email: 'alice@example.test' } } });
    const second = await putRoles(view.id, { commander: 'carol', scribe: null });
    expect(second.status).toBe(200);
    const shown = (await (await fetch(`${app.url}/v1/incidents/${encodeURIComponent(view.id)}`, { headers: AUTH })).json()) as { roles: unknown; timeline: Array<{ kind: string; text: string }> };
    expect(shown.roles).toEqual({
      commander: { id: 'carol', name: 'Carol' },
      communicationsLead: { id: 'carol', name: 'Carol' },
      responders: [{ id: 'alice', name: 'Alice' }, { id: 'carol', name: 'Carol' }],
    });
    expect(shown.timeline.filter((entry) => entry.kind === 'role').map((entry) => entry.text)).toContain('commander: Carol (was Alice), assigned by bob (api)');
  });

  it.each([
    [{ commander: 'zed' }, 'body.commander'],
    [{ responders: ['alice', 'zed'] }, 'body.responders[1]'],
    [{ captain: 'alice' }, 'body'],
    [{}, 'body'],
    [{ scribe: 'Not An Id' }, 'body.scribe'],
  ])('refuses %j naming %s', async (body, field) => {
    const view = app.fake.open(makeAlert());
    const before = app.fake.roleAssignments.length;
    const response = await putRoles(view.id, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details.map((detail) => detail.field)).toContain(field);
    expect(app.fake.roleAssignments.length).toBe(before);
  });

  it('needs a responder key, and answers 404 and 409 as other incident actions do', async () => {
    const view = app.fake.open(makeAlert());
    expect((await putRoles(view.id, { commander: 'alice' }, VIEWER_KEY)).status).toBe(403);
    expect((await fetch(`${app.url}/v1/incidents/${encodeURIComponent(view.id)}/roles`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"commander":"alice"}' })).status).toBe(401);
    expect((await putRoles('not-an-id', { commander: 'alice' })).status).toBe(404);
    app.fake.incidents.get(view.id)?.resolve('test', new Date());
    expect((await putRoles(view.id, { commander: 'alice' })).status).toBe(409);
  });
});
