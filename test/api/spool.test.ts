/**
 * Zero loss while Temporal is down, at the API's edge: alerts go to the spool and are answered
 * 202; the forwarder hands them to Temporal in order once it answers; neither answering is a 503.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertSpool, type AlertSpool } from '../../api/intake/alertSpool';
import { startForwarder, type Forwarder } from '../../api/intake/forwarder';
import { forwardToTemporal } from '../../api/intake/intakeItem';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startTestApp, AUTH, METRICS_AUTH } from '../../devkit/testApp';

const silent = pino({ level: 'silent' });
let store: SqlStore;
let spool: AlertSpool;
let app: Awaited<ReturnType<typeof startTestApp>>;
let forwarder: Forwarder | undefined;

beforeEach(async () => {
  store = await openSqlStore({});
  spool = await createAlertSpool(store);
  app = await startTestApp({ spool });
});
afterEach(async () => {
  await forwarder?.stop();
  forwarder = undefined;
  await app.close();
  await store.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH, ...headers }, body: JSON.stringify(body) });
}

const alert = (n: number) => ({ service: 'checkout', summary: `alert ${n}`, severity: 'critical', dedupKey: `key-${n % 3}` });

describe('the spool', () => {
  it('answers 202 while Temporal is down, and the forwarder delivers every alert once, in order per incident, when it is back', async () => {
    app.fake.state.available = false;
    for (let n = 0; n < 12; n++) {
      const response = await post('/v1/alerts', alert(n));
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ status: 'spooled', alertId: expect.any(String) });
    }
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ temporal: 'down', spool: { depth: 12, failed: 0 } });
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: METRICS_AUTH })).text();
    expect(metrics).toMatch(/^vigil_spool_depth 12$/m);
    expect(metrics).toMatch(/^vigil_alerts_spooled_total 12$/m);
    expect(app.fake.submitted).toHaveLength(0);

    app.fake.state.available = true;
    forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(app.fake.gateway, item), logger: silent, idleMs: 50 });
    await expect.poll(() => app.fake.submitted.length, { timeout: 5_000 }).toBe(12);
    // In order within each incident (incidents are delivered side by side).
    for (const key of ['key-0', 'key-1', 'key-2']) {
      const ofKey = app.fake.submitted.filter((submitted) => submitted.dedupKey === key).map((submitted) => Number(submitted.summary.split(' ')[1]));
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
      expect(ofKey).toHaveLength(4);
    }
    expect((await spool.stats()).depth).toBe(0);
    expect(await spool.waiting()).toBe(false);

    // Drained: alerts go straight to Temporal again and name their incident.
    const direct = await post('/v1/alerts', alert(99));
    expect(await direct.json()).toMatchObject({ status: 'accepted', incidentId: expect.any(String) });
  });

  it('keeps new alerts behind spooled ones even after Temporal is back, until the spool is drained', async () => {
    app.fake.state.available = false;
    await post('/v1/alerts', alert(1));
    app.fake.state.available = true;
    const second = await post('/v1/alerts', alert(2));
    expect(await second.json()).toMatchObject({ status: 'spooled' });
    expect(app.fake.submitted).toHaveLength(0);
    forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(app.fake.gateway, item), logger: silent, idleMs: 50 });
    await expect.poll(() => app.fake.submitted.map((submitted) => submitted.summary), { timeout: 5_000 }).toEqual(['alert 1', 'alert 2']);
  });

  it('spools the rest of a request in order when Temporal fails part-way through it', async () => {
    let calls = 0;
    const original = app.fake.gateway.submitAlert;
    app.fake.gateway.submitAlert = async (item) => {
      calls += 1;
      if (calls === 2) app.fake.state.available = false;
      return original(item);
    };
    const body = {
      version: '4',
      groupKey: 'g',
      status: 'firing',
      receiver: 'vigil',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://am',
      alerts: [1, 2, 3].map((n) => ({ status: 'firing', labels: { alertname: `A${n}`, service: 'checkout' }, annotations: { summary: `a${n}` }, startsAt: '2026-01-01T00:00:00Z', fingerprint: `f${n}` })),
    };
    const { url, fake, close } = await startTestApp({
      spool,
      gateway: app.fake.gateway,
      config: { ...(await import('../../devkit/testApp')).testConfig, integrations: { am: { source: 'alertmanager', tokenEnv: 'AM_TOKEN', groupBySender: false } } },
      env: { AM_TOKEN: 'secret' },
    });
    try {
      const response = await fetch(`${url}/v1/integrations/am`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer secret' }, body: JSON.stringify(body) });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ alerts: 3, incidentIds: [expect.any(String)], spooled: 2 });
      expect(fake.submitted).toHaveLength(0);
      const waiting = await spool.oldest(10);
      expect(waiting.map((row) => row.item.alert.summary)).toEqual(['a2', 'a3']);
    } finally {
      await close();
    }
  });

  it('answers 503, never 4xx, when neither Temporal nor the spool can hold the alert', async () => {
    app.fake.state.available = false;
    const broken = store;
    store = await openSqlStore({});
    await broken.close();
    const response = await post('/v1/alerts', alert(1));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.stringMatching(/spool/) });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
  });

  it('sets aside an item that keeps failing for a reason other than an outage, and goes on with the rest', async () => {
    app.fake.state.available = false;
    await post('/v1/alerts', alert(1));
    await post('/v1/alerts', alert(2));
    app.fake.state.available = true;
    const delivered: string[] = [];
    const failing = startForwarder({
      spool,
      logger: silent,
      idleMs: 20,
      maxBackoffMs: 20,
      deliver: async (item) => {
        if (item.alert.summary === 'alert 1') throw new Error('payload refused');
        delivered.push(item.alert.summary);
        return { reachedIncident: true };
      },
    });
    forwarder = failing;
    await expect.poll(() => delivered, { timeout: 5_000 }).toEqual(['alert 2']);
    // Set aside after its 5th failure; nothing else waits.
    await expect.poll(() => spool.stats(), { timeout: 5_000 }).toMatchObject({ depth: 0, failed: 1 });
  });

  it('keeps an alert carrying U+0000 (which PostgreSQL cannot store) with the character replaced, rather than refusing it', async () => {
    app.fake.state.available = false;
    const response = await post('/v1/alerts', { ...alert(1), summary: 'bad\u0000byte', labels: { 'k\u0000': 'v\u0000' } });
    expect(response.status).toBe(202);
    app.fake.state.available = true;
    forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(app.fake.gateway, item), logger: silent, idleMs: 50 });
    await expect.poll(() => app.fake.submitted.length, { timeout: 5_000 }).toBe(1);
    expect(app.fake.submitted[0].summary).toBe('bad\uFFFDbyte');
    expect(app.fake.submitted[0].labels).toEqual({ 'k\uFFFD': 'v\uFFFD' });
  });

  it('lets one forwarder at a time hold the lease', async () => {
    expect(await spool.tryLease('a', 60_000)).toBe(true);
    expect(await spool.tryLease('b', 60_000)).toBe(false);
    expect(await spool.tryLease('a', 60_000)).toBe(true);
    await spool.releaseLease('a');
    expect(await spool.tryLease('b', 60_000)).toBe(true);
  });
});
