import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, AUTH, API_KEY } from '../../devkit/testApp';
import { adapterFixture } from '../support/fixtures';

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

function post(body: string, contentType = 'application/json') {
  return fetch(`${app.url}/v1/alerts`, { method: 'POST', headers: { ...AUTH, 'content-type': contentType }, body });
}

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as { error: string; details: Array<{ field: string; message: string }> };
}

describe('POST /v1/alerts', () => {
  it('answers 202 with the incident and a Location once the gateway holds the alert, defaults applied', async () => {
    const response = await post(JSON.stringify({ service: 'checkout', summary: 'down', severity: 'SEV1', labels: { region: 'eu' } }));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { incidentId: string; status: string };
    expect(body.status).toBe('accepted');
    expect(response.headers.get('location')).toBe(`/v1/incidents/${encodeURIComponent(body.incidentId)}`);
    const alert = app.fake.submitted.at(-1);
    expect(alert).toMatchObject({ service: 'checkout', severity: 'critical', source: 'api', labels: { region: 'eu' }, details: {} });
    expect(alert?.dedupKey).toMatch(/^auto-/);
    expect(alert?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ends an alert with status "resolved": the open incident of its key hears of it, no new incident opens', async () => {
    const { payload } = adapterFixture('generic', 'resolved');
    const send = (body: unknown) =>
      fetch(`${app.url}/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(body) });
    const opened = await send({ service: 'checkout', summary: 'nightly invoice run failed', severity: 'error', dedupKey: 'invoice-run' });
    expect(opened.status).toBe(202);
    const submittedBefore = app.fake.submitted.length;
    const ended = await send({ ...(payload as object), service: 'checkout' });
    expect(ended.status).toBe(202);
    expect(await ended.json()).toMatchObject({ status: 'resolved', incidentUpdated: true, spooled: false });
    expect(app.fake.submitted.length).toBe(submittedBefore);
    expect(app.fake.sourceResolved.at(-1)).toMatchObject({ service: 'checkout', dedupKey: 'invoice-run' });
    const firingWithoutSeverity = await send({ service: 'checkout', summary: 'x' });
    expect(firingWithoutSeverity.status).toBe(400);
    expect((await errorOf(firingWithoutSeverity)).details.map((detail) => detail.field)).toContain('body.severity');
    expect((await send({ service: 'checkout', summary: 'x', status: 'over' })).status).toBe(400);
  });

  it('keeps a given dedup key', async () => {
    await post(JSON.stringify({ service: 'checkout', summary: 'down', severity: 'warning', dedupKey: 'k1' }));
    expect(app.fake.submitted.at(-1)?.dedupKey).toBe('k1');
  });

  it('answers 503, never 2xx, when Temporal cannot take the alert', async () => {
    app.fake.state.available = false;
    try {
      const before = app.fake.submitted.length;
      const response = await post(JSON.stringify({ service: 'checkout', summary: 'down', severity: 'critical' }));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect((await errorOf(response)).error).toContain('Temporal');
      expect(app.fake.submitted.length).toBe(before);
    } finally {
      app.fake.state.available = true;
    }
  });

  it.each([
    ['malformed JSON', '{"service": "checkout",', 400, 'body'],
    ['a missing service', JSON.stringify({ summary: 'x', severity: 'critical' }), 400, 'body.service'],
    ['a summary of the wrong type', JSON.stringify({ service: 'checkout', summary: 42, severity: 'critical' }), 400, 'body.summary'],
    ['an unknown severity', JSON.stringify({ service: 'checkout', summary: 'x', severity: 'apocalyptic' }), 400, 'body.severity'],
    ['a service id with spaces', JSON.stringify({ service: 'Check Out', summary: 'x', severity: 'critical' }), 400, 'body.service'],
    ['an unknown field', JSON.stringify({ service: 'checkout', summary: 'x', severity: 'critical', sevrity: 'x' }), 400, 'body'],
    ['a label that is not a string', JSON.stringify({ service: 'checkout', summary: 'x', severity: 'critical', labels: { a: 1 } }), 400, 'body.labels.a'],
    ['a JSON array', '[]', 400, 'body'],
  ])('refuses %s with a JSON error naming the field', async (_name, body, status, field) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    const error = await errorOf(response);
    expect(error.details.map((detail) => detail.field)).toContain(field);
  });

  it('names the accepted severities when one is unknown', async () => {
    const error = await errorOf(await post(JSON.stringify({ service: 'checkout', summary: 'x', severity: 'meh' })));
    expect(error.details[0].message).toContain('critical');
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await post(JSON.stringify({ service: 'checkout', summary: 'x', severity: 'critical', details: { blob: 'x'.repeat(300_000) } }));
    expect(response.status).toBe(413);
    expect((await errorOf(response)).details[0].field).toBe('body');
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await post('service=checkout', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect((await errorOf(response)).details[0].field).toBe('content-type');
  });

  it('answers JSON 404 for an unknown route', async () => {
    const response = await fetch(`${app.url}/v1/nothing`, { headers: AUTH });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).error).toContain('/v1/nothing');
  });
});
