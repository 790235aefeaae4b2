import { describe, expect, it } from 'vitest';
import type { Alert } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { planIncident } from '../../domain/incidentPlan';
import { RUNBOOK_SPECS } from '../../domain/runbookSpecs/index';
import { RUNBOOKS } from '../../runbooks/index';

// The API plans with RUNBOOK_SPECS, the worker runs RUNBOOKS: the two lists must name the same
// runbooks in the same order with the same schemas, or the two would pick different runbooks.
describe('runbook registry', () => {
  it('lists every spec with its steps, in the order the plan matches them', () => {
    expect(RUNBOOKS.map((runbook) => runbook.id)).toEqual(RUNBOOK_SPECS.map((spec) => spec.id));
    RUNBOOKS.forEach((runbook, index) => {
      expect(runbook.params).toBe(RUNBOOK_SPECS[index].params);
      expect(runbook.match).toEqual(RUNBOOK_SPECS[index].match);
    });
  });

  it('plans the same incident from the specs alone as from the runbooks', () => {
    const config = parseConfig(
      {
        services: {
          web: { escalationPolicy: 'p', runbooks: { 'http-health-restart': { url: 'http://127.0.0.1:9/health', restartCommand: ['true'] }, 'disk-cleanup': { path: '/tmp', cleanupDirs: ['/tmp/x'] } } },
        },
        defaultEscalationPolicy: 'p',
        contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
        escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
      },
      'test',
    );
    for (const check of ['http', 'disk', 'cpu']) {
      const alert: Alert = { id: `a-${check}`, service: 'web', summary: 'down', severity: 'critical', dedupKey: check, source: 'api', labels: { check }, details: {}, receivedAt: '2026-01-01T00:00:00.000Z' };
      const fromSpecs = planIncident(config, RUNBOOK_SPECS, alert);
      expect(fromSpecs).toEqual(planIncident(config, RUNBOOKS, alert));
      expect(fromSpecs.runbook?.id).toBe({ http: 'http-health-restart', disk: 'disk-cleanup', cpu: undefined }[check]);
    }
  });
});
