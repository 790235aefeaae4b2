/**
 * Since v18 (#17) an incident's search attributes and memo reach Temporal as at most one upsert
 * of each per workflow task, written when the task's code has settled. Every upsert is a command
 * the server applies, and a visibility write, before the task's other commands take effect: a new
 * incident's first task held seven attribute upserts and three memo writes before and around its
 * first page, where one of each says the same. Runs recorded before (no marker) write as they
 * always did, one command per call, so their histories replay unchanged. A run with this patch
 * also takes the KPI attributes and the problem link beside the page without asking their patches
 * (each asked patch is a marker and a TemporalChangeVersion upsert that Temporal's core adds).
 */
import type { SearchAttributeUpdatePair, TypedSearchAttributes } from '@temporalio/common';
import { condition, patched, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { ROW_MEMO_KEY, type IncidentRowFacts } from '../../domain/incidentRowFacts';
import type { Incident } from '../../domain/incident';

export const VISIBILITY_WRITES_PATCH = 'visibility-one-write-per-task';

export class VisibilityWrites {
  private readonly attributes = new Map<string, SearchAttributeUpdatePair>();
  private memo: Record<string, unknown> | undefined;
  /** The row facts last put in the memo (batched runs only: older ones keep `keepRowMemoFresh`). */
  private publishedRow = '';

  /** Decided once, when the run begins, before any write. */
  constructor(readonly batched: boolean = patched(VISIBILITY_WRITES_PATCH)) {}

  upsertSearchAttributes(pairs: SearchAttributeUpdatePair[]): void {
    if (!this.batched) return upsertSearchAttributes(pairs);
    for (const pair of pairs) this.attributes.set(pair.key.name, pair);
  }

  upsertMemo(memo: Record<string, unknown>): void {
    if (!this.batched) return upsertMemo(memo);
    this.memo = { ...this.memo, ...memo };
  }

  /** An attribute's value as it will stand once pending writes are made (undefined: unset). */
  current(key: Parameters<TypedSearchAttributes['get']>[0]): unknown {
    const pending = this.attributes.get(key.name);
    return pending ? (pending.value ?? undefined) : workflowInfo().typedSearchAttributes.get(key);
  }

  /** Writes what is pending, one upsert of each kind; before a run hands over or ends, too. */
  flush(incident: Incident): void {
    if (!this.batched) return;
    this.addRowFacts(incident);
    if (this.attributes.size > 0) {
      const pairs = [...this.attributes.values()];
      this.attributes.clear();
      upsertSearchAttributes(pairs);
    }
    if (this.memo) {
      const memo = this.memo;
      this.memo = undefined;
      upsertMemo(memo);
    }
  }

  /**
   * Writes at the end of every workflow task that changed something (the dashboard row's facts
   * included, as `keepRowMemoFresh` did for older runs), for the run's life. `condition` looks at
   * its function once when called, and then only once the task's code is blocked (the SDK unblocks
   * conditions after the microtasks have run): skipping that first look is what makes this the
   * end of the task rather than the workflow code's next `await`.
   */
  async keepFlushed(incident: Incident): Promise<void> {
    for (;;) {
      let looked = false;
      await condition(() => {
        if (!looked) {
          looked = true;
          return false;
        }
        return this.attributes.size > 0 || this.memo !== undefined || this.rowChanged(incident);
      });
      this.flush(incident);
    }
  }

  /** The row facts, while the incident is open (the dashboard lists open ones only). */
  private rowChanged(incident: Incident): boolean {
    return incident.isOpen && JSON.stringify(incident.rowFacts()) !== this.publishedRow;
  }

  private addRowFacts(incident: Incident): void {
    if (!incident.isOpen) return;
    const now = JSON.stringify(incident.rowFacts());
    if (now === this.publishedRow) return;
    this.publishedRow = now;
    this.memo = { ...this.memo, [ROW_MEMO_KEY]: JSON.parse(now) as IncidentRowFacts };
  }
}
