import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import { Problem } from '../../domain/problem';
import { recurrencePolicyFor } from '../../domain/problemConfig';
import type { PastIncident, RecurrencePolicy } from '../../domain/recurrence';
import { assessRecurrence, incidentFingerprint, lookbackSeconds } from '../../domain/recurrence';

const HOUR = 3600_000;
const policy: RecurrencePolicy = { detect: true, count: 3, windowSeconds: 24 * 3600, reopenWithinSeconds: 3600 };
const now = Date.parse('2026-03-10T12:00:00Z');
const current = { id: 'new', openedAtMs: now };
const past = (id: string, openedAgoMs: number, resolvedAgoMs?: number): PastIncident => ({
  id,
  openedAtMs: now - openedAgoMs,
  ...(resolvedAgoMs !== undefined ? { resolvedAtMs: now - resolvedAgoMs } : {}),
});

describe('recurrence within a window', () => {
  it('makes a problem of the third incident within 24h, linking the two before it', () => {
    const verdict = assessRecurrence(policy, current, [past('a', 20 * HOUR, 19 * HOUR), past('b', 5 * HOUR, 4 * HOUR)]);
    expect(verdict).toMatchObject({ recurs: true, reason: 'recurrence', description: '3 incidents within 1d' });
    expect(verdict.recurs && verdict.earlier.map((incident) => incident.id)).toEqual(['a', 'b']);
  });

  it('counts an incident opened exactly at the start of the window, not one a millisecond before', () => {
    const atEdge = assessRecurrence(policy, current, [past('edge', 24 * HOUR, 23 * HOUR), past('b', 2 * HOUR, 90 * 60_000)]);
    expect(atEdge.recurs && atEdge.reason).toBe('recurrence');
    const outside = assessRecurrence(policy, current, [past('edge', 24 * HOUR + 1, 23 * HOUR), past('b', 2 * HOUR, 90 * 60_000)]);
    expect(outside).toEqual({ recurs: false });
  });

  it('needs the full count: two incidents are not three', () => {
    expect(assessRecurrence(policy, current, [past('a', 3 * HOUR, 2 * HOUR)])).toEqual({ recurs: false });
    expect(assessRecurrence(policy, current, [])).toEqual({ recurs: false });
  });

  it('ignores the incident itself and incidents opened after it', () => {
    const verdict = assessRecurrence(policy, current, [past('a', 3 * HOUR, 2 * HOUR), { id: 'new', openedAtMs: now }, { id: 'later', openedAtMs: now + 1000 }]);
    expect(verdict).toEqual({ recurs: false });
  });

  it('counts incidents still open', () => {
    expect(assessRecurrence(policy, current, [past('a', 3 * HOUR), past('b', 2 * HOUR)]).recurs).toBe(true);
  });

  it('links nothing when detection is off for the service', () => {
    expect(assessRecurrence({ ...policy, detect: false }, current, [past('a', HOUR, 1), past('b', HOUR, 1)])).toEqual({ recurs: false });
  });
});

describe('reopening', () => {
  it('is a new incident within reopenWithin of the previous one being resolved', () => {
    const verdict = assessRecurrence(policy, current, [past('a', 30 * HOUR, 10 * 60_000)]);
    expect(verdict).toMatchObject({ recurs: true, reason: 'reopened', description: 'reopened 10m after the previous incident was resolved' });
    expect(verdict.recurs && verdict.earlier.map((incident) => incident.id)).toEqual(['a']);
  });

  it('holds exactly at the reopen boundary and not a millisecond past it', () => {
    expect(assessRecurrence(policy, current, [past('a', 5 * HOUR, HOUR)]).recurs).toBe(true);
    expect(assessRecurrence(policy, current, [past('a', 5 * HOUR, HOUR + 1)])).toEqual({ recurs: false });
  });

  it('looks at the latest resolution, and not at an incident still open', () => {
    const verdict = assessRecurrence(policy, current, [past('old', 10 * HOUR, 3 * HOUR), past('recent', 2 * HOUR, 5 * 60_000)]);
    // Three in the window wins: it links more.
    expect(verdict.recurs && verdict.reason).toBe('recurrence');
    const single = assessRecurrence({ ...policy, count: 5 }, current, [past('old', 10 * HOUR, 3 * HOUR), past('recent', 2 * HOUR, 5 * 60_000)]);
    expect(single.recurs && single.earlier.map((incident) => incident.id)).toEqual(['recent']);
    expect(assessRecurrence({ ...policy, count: 5 }, current, [past('open', 10 * 60_000)])).toEqual({ recurs: false });
  });

  it('is off without reopenWithin', () => {
    const { reopenWithinSeconds: _off, ...noReopen } = policy;
    expect(assessRecurrence(noReopen, current, [past('a', 2 * HOUR, 60_000)])).toEqual({ recurs: false });
  });

  it('looks back as far as the longer of window and reopenWithin', () => {
    expect(lookbackSeconds(policy)).toBe(24 * 3600);
    expect(lookbackSeconds({ ...policy, windowSeconds: 60 })).toBe(3600);
  });
});

describe('fingerprints', () => {
  const incident = { service: 'checkout', dedupKey: 'latency-i-1', source: 'alertmanager', labels: { alertname: 'HighLatency', instance: 'i-1' } };

  it('are service and dedup key (or alert group) by default', () => {
    expect(incidentFingerprint({}, incident)).toBe('checkout/latency-i-1');
    expect(incidentFingerprint({}, { ...incident, groupKey: 'group-x' })).toBe('checkout/group-x');
  });

  it('follow a template over labels, so instances of one alert are one fingerprint', () => {
    const template = { fingerprintTemplate: '{service}/{alertname}' };
    expect(incidentFingerprint(template, incident)).toBe('checkout/HighLatency');
    expect(incidentFingerprint(template, { ...incident, dedupKey: 'latency-i-2', labels: { ...incident.labels, instance: 'i-2' } })).toBe('checkout/HighLatency');
    expect(incidentFingerprint({ fingerprintTemplate: '{source}:{dedupKey}:{missing}' }, incident)).toBe('alertmanager:latency-i-1:');
  });
});

describe('the problems config', () => {
  const base = {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
  };

  it('defaults to 3 within 24h and reopenings within 1h', () => {
    const config = parseConfig(base, 'test');
    expect(recurrencePolicyFor(config.problems, 'checkout')).toEqual({ detect: true, count: 3, windowSeconds: 86_400, reopenWithinSeconds: 3600 });
  });

  it('takes per-service overrides over the defaults', () => {
    const config = parseConfig(
      { ...base, problems: { recurrence: { count: 4, window: '12h' }, fingerprint: '{service}/{alertname}', services: { checkout: { recurrence: { count: 2 }, reopenWithin: false } } } },
      'test',
    );
    expect(recurrencePolicyFor(config.problems, 'checkout')).toEqual({ detect: true, count: 2, windowSeconds: 43_200, fingerprintTemplate: '{service}/{alertname}' });
    expect(recurrencePolicyFor(config.problems, 'search')).toMatchObject({ count: 4, windowSeconds: 43_200, reopenWithinSeconds: 3600 });
  });

  it('names the offending field', () => {
    expect(() => parseConfig({ ...base, problems: { recurrence: { count: 1, window: '24h' } } }, 'test')).toThrow(/problems\.recurrence\.count/);
    expect(() => parseConfig({ ...base, problems: { reopenWithin: 'soon' } }, 'test')).toThrow(/problems\.reopenWithin/);
    expect(() => parseConfig({ ...base, problems: { fingerprint: 'no placeholders' } }, 'test')).toThrow(/problems\.fingerprint/);
  });
});

describe('a problem', () => {
  const make = () => new Problem({ id: 'p1', key: 'checkout/latency', workflowId: 'problem:checkout/latency', title: 'checkout latency', reason: '3 incidents within 1d', openedBy: 'recurrence detection', now: new Date(now) });
  const link = (i: number) => ({ incidentId: `i${i}`, service: 'checkout', summary: 'slow', openedAt: new Date(now + i).toISOString() });

  it('lists the newest 100 incidents and counts all, a repeated link once', () => {
    const problem = make();
    for (let i = 0; i < 250; i++) problem.link(link(i), new Date(now));
    expect(problem.link(link(249), new Date(now))).toBe(false);
    const view = problem.view();
    expect(view.incidentCount).toBe(250);
    expect(view.incidents).toHaveLength(100);
    expect(view.incidents[0].incidentId).toBe('i150');
  });

  it('closes only with a root cause and a corrective action, and stays closed', () => {
    const problem = make();
    expect(problem.checkClose()?.code).toBe('analysis-incomplete');
    problem.recordAnalysis({ by: 'priya', rootCause: 'connection pool too small', workaround: 'restart the pool' }, new Date(now));
    expect(problem.checkClose()?.code).toBe('analysis-incomplete');
    problem.recordAnalysis({ by: 'priya', correctiveActions: [{ action: 'size the pool from load', owner: 'bob', due: '2026-04-01' }] }, new Date(now));
    expect(problem.view().rca).toMatchObject({ rootCause: 'connection pool too small', contributingFactors: [], updatedBy: 'priya' });
    expect(problem.brief()).toEqual({ id: 'p1', title: 'checkout latency', workaround: 'restart the pool' });
    expect(problem.close('priya', new Date(now), 'fixed for good')).toBe(true);
    expect(problem.checkChange()?.code).toBe('closed');
    expect(problem.view()).toMatchObject({ status: 'closed', closedBy: 'priya', closeNote: 'fixed for good' });
  });
});
