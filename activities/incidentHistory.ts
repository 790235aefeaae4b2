/**
 * Earlier incidents of a fingerprint, read from Temporal visibility: every incident workflow
 * carries its fingerprint as a search attribute (VigilFingerprint), so recurrence is decided from
 * what Temporal already keeps, with no second record to drift.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { encodeIncidentId } from '../domain/incidentId';
import type { PastIncident } from '../domain/recurrence';
import { INCIDENT_WORKFLOW_TYPE, searchAttributes, type IncidentMemo } from '../domain/visibility';

export interface IncidentHistory {
  /** Incidents of this fingerprint that opened, or closed, at or after `sinceMs` (the asking one included). */
  incidentsSince(fingerprint: string, sinceMs: number): Promise<PastIncident[]>;
}

/** More runs than any sane recurrence window holds; past it the newest are enough for a verdict. */
const MAX_RUNS = 1_000;

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** What visibility (or a describe) tells of one run. */
export type RunFacts = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'memo' | 'startTime' | 'closeTime' | 'typedSearchAttributes'>;

/**
 * Runs grouped into incidents: a storm hands one incident over to several runs (their memo names
 * it), and an incident is resolved when its newest run says so (VigilStatus), at that run's close.
 */
export function incidentsOfRuns(runs: readonly RunFacts[], nowMs: number): PastIncident[] {
  const byIncident = new Map<string, RunFacts[]>();
  for (const run of runs) {
    const id = (run.memo as Partial<IncidentMemo> | undefined)?.incidentId ?? encodeIncidentId({ workflowId: run.workflowId, runId: run.runId });
    byIncident.set(id, [...(byIncident.get(id) ?? []), run]);
  }
  return [...byIncident].map(([id, incidentRuns]) => {
    const sorted = [...incidentRuns].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    const newest = sorted[sorted.length - 1];
    const resolved = newest.typedSearchAttributes.get(searchAttributes.status) === 'resolved';
    const summary = (sorted[0].memo as Partial<IncidentMemo> | undefined)?.summary;
    return {
      id,
      openedAtMs: sorted[0].startTime.getTime(),
      ...(summary ? { summary } : {}),
      // Resolved and still sending its last notices: resolved just now, as far as a reopening goes.
      ...(resolved ? { resolvedAtMs: newest.closeTime?.getTime() ?? nowMs } : {}),
    };
  });
}

export function visibilityIncidentHistory(client: Client): IncidentHistory {
  return {
    async incidentsSince(fingerprint, sinceMs) {
      const since = quote(new Date(sinceMs).toISOString());
      const query = [
        `WorkflowType = ${quote(INCIDENT_WORKFLOW_TYPE)}`,
        `${searchAttributes.fingerprint.name} = ${quote(fingerprint)}`,
        `(StartTime >= ${since} OR CloseTime >= ${since})`,
      ].join(' AND ');
      const runs: WorkflowExecutionInfo[] = [];
      for await (const run of client.workflow.list({ query, pageSize: 200 })) {
        runs.push(run);
        if (runs.length >= MAX_RUNS) break;
      }
      return incidentsOfRuns(runs, Date.now());
    },
  };
}
