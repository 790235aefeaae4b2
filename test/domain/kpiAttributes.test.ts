import { describe, expect, it } from 'vitest';
import { Incident } from '../../domain/incident';
import { kpiAttributeUpdates } from '../../domain/kpiAttributes';
import { makeAlert } from '../../devkit/alerts';

const t0 = new Date('2026-11-02T10:00:00Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const alice = { id: 'alice', name: 'Alice', phone: '+15550000001' };
const open = () => new Incident({ id: 'i', code: 'ABC123', workflowId: 'incident/x/a', alert: makeAlert(), now: t0 });

describe('kpiAttributeUpdates', () => {
  it('sets the opening time once, then nothing while nothing changes', () => {
    const incident = open();
    expect(kpiAttributeUpdates(incident.view(), {})).toEqual([{ name: 'openedAt', value: t0 }]);
    expect(kpiAttributeUpdates(incident.view(), { openedAt: t0 })).toEqual([]);
  });

  it('sets the first acknowledgement and the resolution with the kind of resolver, and pages only when final', () => {
    const incident = open();
    incident.recordPage(alice, 'sms', { cycle: 0, levelIndex: 0 }, later(1), 'sent');
    incident.recordPage(alice, 'email', { cycle: 0, levelIndex: 0 }, later(1), 'failed: no address');
    incident.acknowledge('alice (sms)', later(2));
    expect(kpiAttributeUpdates(incident.view(), { openedAt: t0 })).toEqual([{ name: 'acknowledgedAt', value: later(2) }]);
    incident.resolve('runbook restart', later(3));
    const current = { openedAt: t0, acknowledgedAt: later(2) };
    expect(kpiAttributeUpdates(incident.view(), current)).toEqual([
      { name: 'resolvedAt', value: later(3) },
      { name: 'resolvedBy', value: 'runbook' },
    ]);
    expect(kpiAttributeUpdates(incident.view(), { ...current, resolvedAt: later(3), resolvedBy: 'runbook' }, true)).toEqual([{ name: 'pages', value: 1 }]);
  });

  it('clears what the incident before left (another opening time) before setting its own', () => {
    const incident = open();
    const inherited = { openedAt: later(-60), acknowledgedAt: later(-50), resolvedAt: later(-40), resolvedBy: 'human', pages: 2 };
    expect(kpiAttributeUpdates(incident.view(), inherited)).toEqual([
      { name: 'openedAt', value: t0 },
      { name: 'acknowledgedAt', value: null },
      { name: 'resolvedAt', value: null },
      { name: 'resolvedBy', value: null },
      { name: 'pages', value: null },
    ]);
  });
});
