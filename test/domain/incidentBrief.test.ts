import { describe, expect, it } from 'vitest';
import { Incident } from '../../domain/incident';
import { incidentBrief } from '../../domain/incidentBrief';
import { makeAlert } from '../../devkit/alerts';

const t0 = new Date('2026-11-02T10:00:00Z');

describe('incidentBrief', () => {
  it('says what a message needs of the incident, and leaves out what it does not have', () => {
    const incident = new Incident({ id: 'i', code: 'ABC123', workflowId: 'incident/x/a', alert: makeAlert({ summary: 'checkout down' }), now: t0 });
    expect(incidentBrief(incident.view(), 1)).toEqual({
      id: 'i',
      code: 'ABC123',
      service: 'checkout',
      severity: 'critical',
      summary: 'checkout down',
      status: 'triggered',
      alertCount: 1,
      level: 1,
      acknowledgedBy: undefined,
      resolvedBy: undefined,
      runbookLines: [],
    });
  });

  it('carries runbook lines, the latest update, the problem with its workaround and the key links', () => {
    const links = [{ label: 'runbook', url: 'https://runbooks.example.test/checkout' }];
    const incident = new Incident({ id: 'i', code: 'ABC123', workflowId: 'incident/x/a', alert: makeAlert(), now: t0 });
    incident.startRunbook('restart', t0);
    incident.recordRunbookStep({ step: 'diagnose', ok: true, summary: 'pool exhausted', at: t0.toISOString() });
    incident.recordStatusUpdate({ at: t0.toISOString(), by: 'bob (api)', text: 'first' });
    incident.recordStatusUpdate({ at: t0.toISOString(), by: 'bob (api)', text: 'restarting the pool' });
    incident.linkProblem({ id: 'p', title: 'pool', workaround: 'restart it' }, 'recurs', t0);
    const view = incident.view();
    // The opening alert's context (from its details, domain/alertContext.ts) as the view holds it.
    view.alerts = view.alerts?.map((alert, index) => (index === 0 ? { ...alert, context: { links, fields: [] } } : alert));
    const brief = incidentBrief(view, 2);
    expect(brief.runbookLines).toEqual(['diagnose: ok: pool exhausted']);
    expect(brief.latestUpdate).toEqual({ at: t0.toISOString(), by: 'bob (api)', text: 'restarting the pool' });
    expect(brief.problem).toEqual({ title: 'pool', workaround: 'restart it' });
    expect(brief.links).toEqual(links);
  });
});
