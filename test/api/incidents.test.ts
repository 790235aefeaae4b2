import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, startTestApp, AUTH, METRICS_AUTH, RESPONDER_KEY } from '../../devkit/testApp';

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

function act(id: string, action: 'ack' | 'resolve', init: { key?: string; body?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.body) headers['content-type'] = 'application/json';
  return fetch(`${app.url}/v1/incidents/${encodeURIComponent(id)}/${action}`, { method: 'POST', headers, body: init.body });
}

describe('incidents API', () => {
  it('shows one incident and lists with filters passed through', async () => {
    const view = app.fake.open(makeAlert());
    const one = await fetch(`${app.url}/v1/incidents/${encodeURIComponent(view.id)}`, { headers: AUTH });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: view.id, code: view.code, status: 'triggered', service: 'checkout' });
    const list = await fetch(`${app.url}/v1/incidents?status=triggered&service=checkout&severity=critical&limit=5`, { headers: AUTH });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { incidents: unknown[] }).incidents.length).toBeGreaterThan(0);
    expect(app.fake.listed.at(-1)).toEqual({ status: 'triggered', service: 'checkout', severity: 'critical', limit: 5 });
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['status=sleeping', 'query.status'],
    ['colour=red', 'query'],
  ])('refuses the listing query %s naming %s', async (query, field) => {
    const response = await fetch(`${app.url}/v1/incidents?${query}`, { headers: AUTH });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details: Array<{ field: string }> };
    expect(body.details.map((detail) => detail.field)).toContain(field);
  });

  it('answers 404 for an unknown or undecodable incident id', async () => {
    for (const id of ['not-an-id', 'aW5jaWRlbnQvY2hlY2tvdXQva2V5.0f8fad5b-d9cb-469f-a165-70867728950e']) {
      const response = await fetch(`${app.url}/v1/incidents/${id}`, { headers: AUTH });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('id');
    }
    const ack = await act('not-an-id', 'ack', { key: API_KEY });
    expect(ack.status).toBe(404);
  });

  it('requires a known API key to acknowledge or resolve', async () => {
    const view = app.fake.open(makeAlert());
    const missing = await act(view.id, 'ack');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await missing.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('authorization');
    const wrong = await act(view.id, 'resolve', { key: 'guess' });
    expect(wrong.status).toBe(401);
    expect(app.fake.incidents.get(view.id)?.status).toBe('triggered');
  });

  it('acknowledges and resolves as the key user, then answers 409 with the current state', async () => {
    const view = app.fake.open(makeAlert());
    const acked = await act(view.id, 'ack', { key: API_KEY });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice (api)' });
    const resolved = await act(view.id, 'resolve', { key: API_KEY, body: JSON.stringify({ note: 'fixed' }) });
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: 'alice (api)' });
    const again = await act(view.id, 'ack', { key: API_KEY });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: expect.stringContaining('already resolved'), incident: { status: 'resolved' } });
  });

  it('answers a losing ack 200 with alreadyAcknowledged and who won when, and the winner with false (issue 12 point 5)', async () => {
    const view = app.fake.open(makeAlert());
    const won = await act(view.id, 'ack', { key: RESPONDER_KEY });
    expect(await won.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'bob (api)', alreadyAcknowledged: false });
    const lost = await act(view.id, 'ack', { key: API_KEY });
    expect(lost.status).toBe(200);
    const body = (await lost.json()) as { alreadyAcknowledged: boolean; acknowledgedBy: string; acknowledgedAt: string };
    expect(body).toMatchObject({ alreadyAcknowledged: true, acknowledgedBy: 'bob (api)' });
    expect(body.acknowledgedAt).toBe(app.fake.incidents.get(view.id)?.view().acknowledgedAt);
    // Bob retrying his own ack is not an error either: the same 200, flagged.
    expect(await (await act(view.id, 'ack', { key: RESPONDER_KEY })).json()).toMatchObject({ alreadyAcknowledged: true, acknowledgedBy: 'bob (api)' });
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, { post: { responses: Record<string, { content?: Record<string, { schema: { properties: Record<string, unknown> } }> }> } }> };
    expect(doc.paths['/v1/incidents/{id}/ack'].post.responses['200'].content?.['application/json'].schema.properties).toHaveProperty('alreadyAcknowledged');
  });

  it('refuses a resolve note of the wrong type', async () => {
    const view = app.fake.open(makeAlert());
    const response = await act(view.id, 'resolve', { key: API_KEY, body: JSON.stringify({ note: 5 }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('body.note');
  });
});

describe('escalate and reassign', () => {
  const post = (id: string, action: string, body: unknown, key = API_KEY) =>
    fetch(`${app.url}/v1/incidents/${encodeURIComponent(id)}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('escalates as the key user, and answers 409 once resolved', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `esc-${Math.random()}` }));
    expect((await post(view.id, 'escalate', {}, 'wrong')).status).toBe(401);
    const response = await post(view.id, 'escalate', {});
    expect(response.status).toBe(200);
    expect(app.fake.escalations.at(-1)).toEqual({ id: view.id, by: 'alice' });
    await act(view.id, 'resolve', { key: API_KEY });
    expect((await post(view.id, 'escalate', {})).status).toBe(409);
  });

  it('reassigns to a contact or a policy resolved from config, naming a bad target', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `re-${Math.random()}` }));
    expect((await post(view.id, 'reassign', { to: 'user:alice' })).status).toBe(200);
    expect(app.fake.reassignments.at(-1)?.input.to).toEqual({ responder: expect.objectContaining({ id: 'alice', email: 'alice@example.test' }) });
    expect((await post(view.id, 'reassign', { to: 'policy:p' })).status).toBe(200);
    expect(app.fake.reassignments.at(-1)?.input.to).toEqual({ policy: expect.objectContaining({ id: 'p', levels: expect.any(Array) }) });
    for (const [body, field] of [[{ to: 'user:ghost' }, 'body.to'], [{ to: 'policy:ghost' }, 'body.to'], [{ to: 'bob' }, 'body.to'], [{}, 'body.to']] as const) {
      const refused = await post(view.id, 'reassign', body);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { details: Array<{ field: string }> }).details[0].field).toBe(field);
    }
  });
});

describe('status updates', () => {
  it('posts an update as the key user, with an optional ETA, and names the field of a bad one', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `up-${Math.random()}` }));
    const post = (body: unknown, key = API_KEY) =>
      fetch(`${app.url}/v1/incidents/${encodeURIComponent(view.id)}/updates`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ text: 'x' }, 'wrong')).status).toBe(401);
    const posted = await post({ text: 'rolling back the deploy', eta: '2026-11-25T18:00:00+01:00' });
    expect(posted.status).toBe(201);
    expect(((await posted.json()) as { updates: unknown[] }).updates).toEqual([expect.objectContaining({ by: 'alice (api)', text: 'rolling back the deploy', eta: '2026-11-25T17:00:00.000Z' })]);
    for (const [body, field] of [[{ text: ' ' }, 'body.text'], [{ text: 'x', eta: 'tomorrow' }, 'body.eta'], [{}, 'body.text']] as const) {
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { details: Array<{ field: string }> }).details[0].field).toBe(field);
    }
  });
});

describe('health, metrics and the API description', () => {
  it('is live, and ready only while Temporal answers', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ temporal: 'up' });
    app.fake.state.available = false;
    try {
      const down = await fetch(`${app.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ temporal: 'down' });
    } finally {
      app.fake.state.available = true;
    }
  });

  it('counts requests by route pattern in Prometheus format', async () => {
    await fetch(`${app.url}/v1/alerts`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ service: 'checkout', summary: 'x', severity: 'info' }) });
    const text = await (await fetch(`${app.url}/metrics`, { headers: METRICS_AUTH })).text();
    expect(text).toMatch(/vigil_http_requests_total\{method="POST",route="\/v1\/alerts",status="202"\} \d+/);
    expect(text).toMatch(/vigil_alerts_accepted_total\{integration="api"\} [1-9]/);
    expect(text).toContain('vigil_http_request_duration_seconds_bucket');
  });

  it('publishes an OpenAPI document built from the validating schemas', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } } }>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/alerts', '/v1/incidents', '/v1/incidents/{id}/ack', '/v1/webhooks/twilio/sms']));
    const alertBody = doc.paths['/v1/alerts'].post?.requestBody?.content['application/json'].schema as unknown as { required: string[]; else: { required: string[] } };
    expect(alertBody.required).toEqual(['service', 'summary']);
    // severity is required unless the alert is resolved
    expect(alertBody.else.required).toEqual(['severity']);
  });
});
