/** What a notification says of its incident: the brief every message is rendered from. */
import { keyLinks } from './alertContext';
import type { IncidentView } from './incident';
import type { IncidentBrief } from './notification';

/** The brief of `view` for a notification of escalation level `level` (1-based; 0 outside the policy). */
export function incidentBrief(view: IncidentView, level: number): IncidentBrief {
  const links = keyLinks(view.alerts?.[0]?.context);
  return {
    id: view.id,
    code: view.code,
    service: view.service,
    severity: view.severity,
    summary: view.summary,
    status: view.status,
    alertCount: view.alertCount,
    level,
    acknowledgedBy: view.acknowledgedBy,
    resolvedBy: view.resolvedBy,
    runbookLines: (view.runbook?.steps ?? []).map((step) => `${step.step}: ${step.ok ? 'ok' : 'failed'}: ${step.summary}`),
    ...(view.updates?.length ? { latestUpdate: view.updates[view.updates.length - 1] } : {}),
    ...(view.problem ? { problem: { title: view.problem.title, ...(view.problem.workaround ? { workaround: view.problem.workaround } : {}) } } : {}),
    ...(links.length ? { links } : {}),
  };
}
