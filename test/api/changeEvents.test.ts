/**
 * PagerDuty Change Events: recorded without paging, answered as PagerDuty does, and shown on
 * incidents of the same service as recent changes.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChangeEvents } from '../../api/records/changeEvents';
import { createRequestDigests } from '../../api/records/requestDigests';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startTestApp, AUTH } from '../../devkit/testApp';

const KEY = 'CHANGEKEY000000000000000000000000';
/** PagerDuty's own example change event (Events API v2 documentation). */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/pagerduty-change-event.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
    integrations: { deploys: { source: 'pagerduty', service: 'checkout', tokenEnv: 'DEPLOY_KEY' } },
  },
  'test',
);

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeEach(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ config, env: { DEPLOY_KEY: KEY }, changes: createChangeEvents(store), requestDigests: createRequestDigests(store) });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

const change = (overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/v2/change/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...fixture, routing_key: KEY, ...overrides, payload: { ...(fixture.payload as object), ...payload } }),
  });

describe('PagerDuty Change Events', () => {
  it("answers as PagerDuty does and shows the change on the service's incident, in time order", async () => {
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const deploy = await change({}, { timestamp: minutesAgo(10), summary: 'deploy checkout v42' });
    expect(deploy.status).toBe(202);
    expect(await deploy.json()).toEqual({ status: 'success', message: 'Change event processed' });
    expect((await change({}, { timestamp: minutesAgo(180), summary: 'too old to matter' })).status).toBe(202);
    expect(app.fake.submitted).toHaveLength(0); // a change pages nobody

    const opened = await fetch(`${app.url}/v1/alerts`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ service: 'checkout', summary: 'errors up', severity: 'critical' }) });
    const { incidentId } = (await opened.json()) as { incidentId: string };
    const view = (await (await fetch(`${app.url}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers: AUTH })).json()) as IncidentView & { recentChanges: Array<Record<string, unknown>> };
    expect(view.recentChanges).toHaveLength(1);
    expect(view.recentChanges[0]).toMatchObject({ summary: 'deploy checkout v42', service: 'checkout', source: 'prod-build-agent-i-0b148d1040d565540', links: [{ href: 'https://github.com/PagerDuty/pd-cli/pull/3', text: 'View on GitHub' }] });
    expect(view.timeline.map((entry) => entry.kind)).toEqual(['change', 'alert']);
    expect(view.timeline[0].text).toBe('change from prod-build-agent-i-0b148d1040d565540: deploy checkout v42');
  });

  it("takes PagerDuty's own example as it is", async () => {
    expect((await change()).status).toBe(202);
    const [row] = await store.query<{ happened_at: Date }>('SELECT happened_at FROM change_events');
    expect(new Date(row.happened_at).toISOString()).toBe('2020-07-17T08:42:58.315Z');
  });

  it('refuses a wrong routing key with 401 and a bad event with 400 naming the field', async () => {
    expect((await change({ routing_key: 'nope' })).status).toBe(401);
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      [{}, { summary: '' }, 'body.payload.summary'],
      [{}, { timestamp: 'yesterday' }, 'body.payload.timestamp'],
      [{}, { timestamp: '9999-01-01T00:00:00Z' }, 'body.payload.timestamp'],
      [{ links: [{ href: 'javascript:alert(1)' }] }, {}, 'body.links.0.href'],
    ];
    for (const [overrides, payload, field] of cases) {
      const response = await change(overrides, payload);
      expect(response.status, field).toBe(400);
      expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe(field);
    }
  });

  it("records a sender's retry once: by its Idempotency-Key, else by the body within the retry window", async () => {
    const count = async () => (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM change_events'))[0].n;
    // The same deploy posted twice (the first answer lost): one change on every incident.
    expect((await change({}, { summary: 'deploy checkout v43' })).status).toBe(202);
    expect((await change({}, { summary: 'deploy checkout v43' })).status).toBe(202);
    expect(await count()).toBe(1);
    // Another body is another change.
    expect((await change({}, { summary: 'deploy checkout v44' })).status).toBe(202);
    expect(await count()).toBe(2);
    // With a key: the same key and body once; a new key is a new change, even with the same body.
    const keyed = (key: string) => change({}, { summary: 'flag checkout-v2 on' }, { 'idempotency-key': key });
    expect((await keyed('deploy-45')).status).toBe(202);
    expect((await keyed('deploy-45')).status).toBe(202);
    expect(await count()).toBe(3);
    expect((await keyed('deploy-46')).status).toBe(202);
    expect(await count()).toBe(4);
    const bad = await change({}, {}, { 'idempotency-key': 'k'.repeat(256) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('headers.idempotency-key');
  });
});
