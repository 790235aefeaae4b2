import type { Alert } from '../domain/alert';
import type { VigilConfig } from '../domain/config';
import { planIncident, type IncidentPlan } from '../domain/incidentPlan';
import type { RunbookSpec } from '../domain/runbookSpec';

/** The plan as an activity, for runs whose start input carries none. */
export function createPlanActivities(deps: { config: VigilConfig; runbooks: readonly RunbookSpec[] }) {
  return {
    async planIncident(alert: Alert): Promise<IncidentPlan> {
      return planIncident(deps.config, deps.runbooks, alert);
    },
  };
}

export type PlanActivities = ReturnType<typeof createPlanActivities>;
