import { describe, expect, it } from 'vitest';
import { Incident, MAX_LISTED_ALERTS } from '../../domain/incident';
import { makeAlert } from '../../devkit/alerts';

const t0 = new Date('2026-11-25T10:00:00Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function open(dedupKey = 'a') {
  return new Incident({ id: 'i', code: 'ABC123', workflowId: 'incident/x/a', alert: makeAlert({ dedupKey, summary: `alert ${dedupKey}` }), now: t0 });
}

describe('an incident listing its alerts', () => {
  it('lists each distinct alert once, counts repeats, and says when another alert joins', () => {
    const incident = open();
    incident.recordRepeat(makeAlert({ dedupKey: 'a', summary: 'alert a' }), later(1));
    incident.recordRepeat(makeAlert({ dedupKey: 'b', summary: 'alert b', source: 'alertmanager' }), later(2));
    const view = incident.view();
    expect(view.alertCount).toBe(3);
    expect(view.alerts?.map((alert) => `${alert.dedupKey}:${alert.count}:${alert.status}`)).toEqual(['a:2:firing', 'b:1:firing']);
    expect(view.timeline.some((entry) => entry.text.startsWith('alert joined:') && entry.text.includes('alert b'))).toBe(true);
  });

  it('knows when every alert is resolved, and when a resolved one fires again', () => {
    const incident = open();
    incident.recordRepeat(makeAlert({ dedupKey: 'b' }), later(1));
    incident.recordSourceResolved(makeAlert({ dedupKey: 'a' }), later(2));
    expect(incident.allAlertsResolved).toBe(false);
    expect(incident.view().timeline.at(-1)?.text).toContain('1 of 2 alerts still firing');
    incident.recordSourceResolved(makeAlert({ dedupKey: 'b' }), later(3));
    expect(incident.allAlertsResolved).toBe(true);
    incident.recordRepeat(makeAlert({ dedupKey: 'a', summary: 'alert a' }), later(4));
    expect(incident.allAlertsResolved).toBe(false);
    expect(incident.view().timeline.map((entry) => entry.text)).toContain('fires again: alert a');
    // The source's word alone never resolves: that is the workflow's call, by policy.
    expect(incident.status).toBe('triggered');
  });

  it('ignores a resolution for an alert it does not hold', () => {
    const incident = open();
    incident.recordSourceResolved(makeAlert({ dedupKey: 'unknown' }), later(1));
    expect(incident.allAlertsResolved).toBe(false);
  });

  it('lists a bounded number of alerts and counts the rest, which then keep it from counting as all resolved', () => {
    const incident = open();
    for (let n = 1; n <= MAX_LISTED_ALERTS + 5; n++) incident.recordRepeat(makeAlert({ dedupKey: `k${n}` }), later(n));
    const view = incident.view();
    expect(view.alerts).toHaveLength(MAX_LISTED_ALERTS);
    expect(view.alertsUnlisted).toBe(6);
    for (const alert of view.alerts ?? []) incident.recordSourceResolved(makeAlert({ dedupKey: alert.dedupKey }), later(500));
    expect(incident.allAlertsResolved).toBe(false);
  });

  it('takes its opening alert as its only member when carried over from a view older than the list', () => {
    const older = open().view();
    delete older.alerts;
    delete older.alertsUnlisted;
    const carried = Incident.fromView(older);
    carried.recordSourceResolved(makeAlert({ dedupKey: 'a' }), later(1));
    expect(carried.allAlertsResolved).toBe(true);
    expect(carried.view().alerts).toHaveLength(1);
  });
});
