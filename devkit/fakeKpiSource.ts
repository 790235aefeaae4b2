import type { KpiSource } from '../api/reporting/kpiReport';
import { BackendUnavailableError } from '../api/gateways/incidentGateway';
import type { IncidentFacts } from '../domain/kpis';

/** An in-memory stand-in for Temporal visibility's KPI facts, recording what was asked of it. */
export function createFakeKpiSource() {
  const state = { incidents: [] as IncidentFacts[], openProblems: 0, available: true };
  const asked: Array<{ from: Date; to: Date; service?: string }> = [];
  const source: KpiSource = {
    async incidentFacts(query) {
      if (!state.available) throw new BackendUnavailableError(new Error('connection refused'));
      asked.push(query);
      // Like the visibility query: opened before `to`, and filtered by service when asked.
      return state.incidents.filter((incident) => Date.parse(incident.openedAt) < query.to.getTime() && (!query.service || incident.service === query.service));
    },
    async openProblems() {
      if (!state.available) throw new BackendUnavailableError(new Error('connection refused'));
      return state.openProblems;
    },
  };
  return { source, state, asked };
}
