/**
 * Every registered adapter, on the real payload of its fixture `test/fixtures/<id>.json` (a new
 * source needs no new test file, but it fails here until it has a fixture).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, type AdapterId } from '../api/adapters/index';
import { AdapterInputError } from '../api/adapters/types';
import { adapterFixture } from './support/fixtures';

describe.each(Object.values(ADAPTERS))('adapter $id', (adapter) => {
  it('turns the payload of its fixture into the expected alerts', () => {
    // Throws (and so fails) when test/fixtures/<id>.json is missing: no adapter ships without one.
    const fixture = adapterFixture(adapter.id as AdapterId);
    expect(adapter.parse(fixture.payload, fixture.context)).toEqual(fixture.expected);
  });

  it.each([null, 'text', 42, [], {}])('refuses %j with the offending field', (body) => {
    let thrown: unknown;
    try {
      adapter.parse(body, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AdapterInputError);
    expect((thrown as AdapterInputError).field).toMatch(/^body/);
  });
});

/**
 * Further real payloads of a sender (`<id>-<variant>.json`: a recovery, an acknowledge, a custom
 * template), those that say what the adapter makes of them (`expected`; a change event has its own reader).
 */
const fixtureDir = new URL('./fixtures/', import.meta.url);
const variants = readdirSync(fixtureDir)
  .map((file) => /^([a-z]+)-([a-z0-9-]+)\.json$/.exec(file))
  .filter((match): match is RegExpExecArray => match !== null && match[1] in ADAPTERS)
  .filter((match) => 'expected' in (JSON.parse(readFileSync(new URL(match[0], fixtureDir), 'utf8')) as object))
  .map((match) => ({ id: match[1] as AdapterId, variant: match[2] }));

describe.each(variants)('adapter $id on fixture variant $variant', ({ id, variant }) => {
  it('turns the payload into the expected alerts', () => {
    const fixture = adapterFixture(id, variant);
    expect(ADAPTERS[id].parse(fixture.payload, fixture.context)).toEqual(fixture.expected);
  });
});

describe('alertmanager adapter specifics', () => {
  const { parse } = ADAPTERS.alertmanager;
  const fixture = adapterFixture('alertmanager');
  const payload = fixture.payload as { alerts: Array<Record<string, unknown>>; version: string };

  it('ignores fields added by newer releases', () => {
    const newer = { ...payload, someFutureField: { x: 1 }, alerts: payload.alerts.map((alert) => ({ ...alert, newField: true })) };
    expect(parse(newer, {})).toEqual(fixture.expected);
  });

  it('refuses another payload version, naming it', () => {
    expect(() => parse({ ...payload, version: '5' }, {})).toThrow(/version "5"/);
  });

  it('pairs alerts without a fingerprint (Alertmanager before 0.19) by their label set, not their place in the batch', () => {
    const down = (instance: string, status: 'firing' | 'resolved' = 'firing') => ({ status, labels: { alertname: 'InstanceDown', job: 'node', service: 'db', instance }, annotations: {}, startsAt: '2026-12-01T04:00:00Z' });
    const first = parse({ ...payload, alerts: [down('a:9100'), down('b:9100')] }, {});
    const next = parse({ ...payload, alerts: [down('b:9100', 'resolved'), down('a:9100')] }, {});
    expect(new Set(first.map((alert) => alert.dedupKey)).size).toBe(2);
    expect(next.map((alert) => alert.dedupKey)).toEqual([first[1].dedupKey, first[0].dedupKey]);
    // The same label set in another key order is the same alert.
    const reordered = parse({ ...payload, alerts: [{ ...down('a:9100'), labels: { instance: 'a:9100', service: 'db', job: 'node', alertname: 'InstanceDown' } }] }, {});
    expect(reordered[0].dedupKey).toBe(first[0].dedupKey);
    // A sender's retry of one notification counts once.
    expect(parse({ ...payload, alerts: [down('a:9100')] }, {})[0].senderId).toBe(first[0].senderId);
  });

  it('takes the integration service when the alert names none, and refuses an alert with no service at all', () => {
    const bare = { ...payload, alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations: {} }] };
    expect(parse(bare, { defaultService: 'Payments API' })[0].service).toBe('payments-api');
    expect(() => parse(bare, {})).toThrow(AdapterInputError);
  });
});

describe('datadog adapter specifics', () => {
  const { parse } = ADAPTERS.datadog;

  it('pairs a recovery with its trigger under one dedup key', () => {
    const [triggered] = parse({ title: '[Triggered] High CPU on web-3' }, { defaultService: 'web' });
    const [recovered] = parse({ title: '[Recovered] High CPU on web-3' }, { defaultService: 'web' });
    expect(triggered.status).toBe('firing');
    expect(recovered.status).toBe('resolved');
    expect(recovered.dedupKey).toBe(triggered.dedupKey);
    expect(parse({ title: '[Warn] Disk filling on db-1' }, { defaultService: 'web' })[0].severity).toBe('warning');
  });

  it('needs a service from the integration or a service tag', () => {
    expect(() => parse({ title: '[Triggered] x' }, {})).toThrow(/no service/);
    expect(parse({ title: '[Triggered] x', tags: 'service:Checkout,env:prod' }, {})[0].service).toBe('checkout');
  });

  it('reads the transition from any leading tag, the payload field first, and maps the priority', () => {
    const read = (body: Record<string, unknown>) => parse(body, { defaultService: 'web' })[0];
    expect(read({ title: '[P3] [Re-Triggered] x' })).toMatchObject({ status: 'firing', severity: 'warning', labels: { priority: 'P3' } });
    expect(read({ title: '[P1] [Warn on {host:a}] x' })).toMatchObject({ status: 'firing', severity: 'warning', labels: { scope: 'host:a' } });
    expect(read({ title: '[P5] [No Data] x' }).severity).toBe('info');
    expect(read({ title: '[Renotify] x' }).status).toBe('firing');
    expect(read({ title: '[P2] [Recovered] x' }).status).toBe('resolved');
    expect(read({ title: '[P2] x', alert_transition: 'Recovered' }).status).toBe('resolved');
    expect(read({ title: '[Triggered] x', alert_transition: 'Recovered', alert_priority: 'P4' })).toMatchObject({ status: 'resolved', labels: { priority: 'P4' } });
    expect(read({ title: '[Triggered] x', alert_priority: 'P4' }).severity).toBe('info');
  });

  it('pairs by monitor id and scope whatever the title, scope order aside', () => {
    const key = (title: string, scope: string) => parse({ title, alert_id: 77, alert_scope: scope }, { defaultService: 'web' })[0].dedupKey;
    expect(key('[Triggered] CPU on a', 'role:db, host:a')).toBe(key('[Recovered] CPU on ', 'host:a,role:db'));
    expect(key('[Triggered] CPU on a', 'host:a')).not.toBe(key('[Triggered] CPU on a', 'host:b'));
  });
});

describe('grafana adapter specifics', () => {
  it('keeps non-empty dashboard links and reads a resolved alert', () => {
    const payload = adapterFixture('grafana').payload as { alerts: Array<Record<string, unknown>> };
    payload.alerts[0] = { ...payload.alerts[0], status: 'resolved', dashboardURL: 'https://grafana.example.com/d/abc' };
    const [alert] = ADAPTERS.grafana.parse(payload, { defaultService: 'platform' });
    expect(alert.status).toBe('resolved');
    expect(alert.details.dashboardURL).toBe('https://grafana.example.com/d/abc');
  });
});
