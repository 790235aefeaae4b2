/**
 * What one process has read of the SQL copy of closed incident runs (decision 64), kept parsed for
 * the KPIs (decision 80). A cache, not state: the copy only grows and a closed run never changes,
 * so every process builds the same from the copy, and a new one builds it again from there.
 *
 * Most incidents have one run. Their facts are made and parsed once, when the run is read; a
 * report then takes the entries whose run its period selects, with no merge and no parse. The few
 * incidents with several runs (continued as new) keep their runs, merged per request as before.
 */
import type { IncidentFacts } from '../../domain/kpis';
import { kpiEntryOf, type KpiEntry } from '../../domain/kpiPass';
import type { RunRecord } from '../records/closedIncidentRuns';

/** The facts of an incident from its runs: the newest run speaks for it, its earliest run's start is when it opened. */
export function factsOfRuns(runs: Iterable<RunRecord>): IncidentFacts[] {
  const newest = new Map<string, RunRecord>();
  const earliestStart = new Map<string, number>();
  for (const run of runs) {
    const latest = newest.get(run.incidentId);
    if (!latest) {
      newest.set(run.incidentId, run);
      continue;
    }
    // An incident that continued as new: only these need their earliest start kept.
    const known = earliestStart.get(run.incidentId) ?? latest.startMs;
    earliestStart.set(run.incidentId, Math.min(known, run.startMs));
    if (run.startMs > latest.startMs) newest.set(run.incidentId, run);
  }
  const facts: IncidentFacts[] = [];
  for (const run of newest.values()) facts.push(factsOfNewestRun(run, earliestStart.get(run.incidentId) ?? run.startMs));
  return facts;
}

/**
 * The run's own facts object when it says when it opened: the same object at every request, so
 * the report's parsed times of it (domain/kpiPass.ts) are reused rather than parsed again.
 */
function factsOfNewestRun(run: RunRecord, openedMs: number): IncidentFacts {
  return run.facts.openedAt !== undefined ? (run.facts as IncidentFacts) : { ...run.facts, openedAt: new Date(openedMs).toISOString() };
}

/** Which runs of the copy a request takes (as `incidentFacts` selects them). */
export interface RunSelection {
  startedBeforeMs: number;
  closedFromMs: number;
  closedBeforeMs: number;
  service?: string;
}

export const selects = (selection: RunSelection, run: RunRecord): boolean => {
  const closeMs = run.closeMs as number;
  return run.startMs < selection.startedBeforeMs && closeMs >= selection.closedFromMs && closeMs < selection.closedBeforeMs && (selection.service === undefined || run.facts.service === selection.service);
};

interface SoleRun {
  run: RunRecord;
  entry: KpiEntry;
  /** Runs of its key (shared by every run of that key). */
  ofKey: { runs: number };
  /** Set when a second run of its incident arrives: it is then merged per request. */
  merged: boolean;
}

export interface ClosedIncidentIndex {
  /** Every run read, in the order read. */
  readonly runs: RunRecord[];
  add(runs: RunRecord[]): void;
  /**
   * The entries of the incidents the selection takes, given the runs listed beside the copy (running
   * or closed outside it): an incident with one of those, or with several runs, is merged from
   * its selected runs as the plain path merges them.
   */
  entries(selection: RunSelection, listed: RunRecord[]): { entries: KpiEntry[]; mayShareKey: boolean[] };
}

export function createClosedIncidentIndex(): ClosedIncidentIndex {
  const runs: RunRecord[] = [];
  /** Ordered by close time once `sorted`: a short period (the 24 h of `/metrics`) reads only its slice. */
  const sole: SoleRun[] = [];
  let sorted = true;
  const byIncident = new Map<string, SoleRun>();
  /** Runs of incidents with several, by incident. */
  const several = new Map<string, RunRecord[]>();
  /** Runs by key (each run's own): one means no other incident shares it. Over-counting only costs a grouping. */
  const runsByKey = new Map<string, { runs: number }>();

  /** The first position in `sole` (sorted) whose run closed at or after `closedFromMs`. */
  function firstClosedFrom(closedFromMs: number): number {
    let low = 0;
    let high = sole.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sole[middle].run.closeMs as number) < closedFromMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  return {
    runs,
    add(added) {
      for (const run of added) {
        runs.push(run);
        let ofKey = runsByKey.get(run.facts.key);
        if (!ofKey) runsByKey.set(run.facts.key, (ofKey = { runs: 0 }));
        ofKey.runs += 1;
        const ofSeveral = several.get(run.incidentId);
        if (ofSeveral) {
          ofSeveral.push(run);
          continue;
        }
        const first = byIncident.get(run.incidentId);
        if (first) {
          first.merged = true;
          several.set(run.incidentId, [first.run, run]);
          continue;
        }
        const soleRun: SoleRun = { run, entry: kpiEntryOf(factsOfNewestRun(run, run.startMs)), ofKey, merged: false };
        if (sole.length > 0 && (sole[sole.length - 1].run.closeMs as number) > (run.closeMs as number)) sorted = false;
        sole.push(soleRun);
        byIncident.set(run.incidentId, soleRun);
      }
    },

    entries(selection, listed) {
      const listedIds = new Set(listed.map((run) => run.incidentId));
      // An incident of the copy shares its key with one listed only if a listed run has that key.
      const listedKeys = new Set(listed.map((run) => run.facts.key));
      const toMerge: RunRecord[] = [];
      const entries: KpiEntry[] = [];
      const mayShareKey: boolean[] = [];
      if (!sorted) {
        sole.sort((a, b) => (a.run.closeMs as number) - (b.run.closeMs as number));
        sorted = true;
      }
      for (let position = firstClosedFrom(selection.closedFromMs); position < sole.length; position++) {
        const { run, entry, ofKey, merged } = sole[position];
        if ((run.closeMs as number) >= selection.closedBeforeMs) break;
        if (merged || !selects(selection, run)) continue;
        if (listedIds.has(run.incidentId)) {
          toMerge.push(run);
          continue;
        }
        entries.push(entry);
        mayShareKey.push(ofKey.runs > 1 || (listedKeys.size > 0 && listedKeys.has(run.facts.key)));
      }
      for (const ofIncident of several.values()) for (const run of ofIncident) if (selects(selection, run)) toMerge.push(run);
      // The merged ones are few: each is grouped by key.
      for (const facts of factsOfRuns([...toMerge, ...listed])) {
        entries.push(kpiEntryOf(facts));
        mayShareKey.push(true);
      }
      return { entries, mayShareKey };
    },
  };
}
