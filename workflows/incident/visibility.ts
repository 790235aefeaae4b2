/**
 * What Temporal visibility shows of the incident: search attributes (status, severity, paged
 * contacts, KPIs) and the memo, so the API lists and filters incidents without a query per run.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched } from '@temporalio/workflow';
import type { KpiAttributeUpdate } from '../../domain/kpiAttributes';
import { kpiAttributeUpdates } from '../../domain/kpiAttributes';
import { searchAttributes } from '../../contracts/incident';
import type { IncidentRun } from './run';

/** Gates the KPI search attributes (see publishKpis): older histories replay without them. */
const KPI_PATCH = 'kpi-search-attributes';

/** The attributes and memo of a run's start: service and code, status, and the memo. */
export function publishOpening(run: IncidentRun): void {
  run.visibility.upsertSearchAttributes([
    { key: searchAttributes.service, value: run.input.alert.service },
    { key: searchAttributes.code, value: run.incident.view().code },
  ]);
  publishStatus(run);
  run.visibility.upsertMemo({ ...run.memo });
}

export function publishStatus(run: IncidentRun): void {
  const view = run.incident.view();
  run.visibility.upsertSearchAttributes([
    { key: searchAttributes.status, value: view.status },
    { key: searchAttributes.severity, value: view.severity },
  ]);
  publishKpis(run);
}

/** Everyone paged so far, so a bare SMS "ACK" finds the sender's incident. */
export function publishPaged(run: IncidentRun): void {
  run.visibility.upsertSearchAttributes([{ key: searchAttributes.paged, value: [...run.pagedContactIds] }]);
}

/**
 * The KPI search attributes (docs/kpis.md, `domain/kpiAttributes.ts`), and (`final`, once notices
 * have settled) pages delivered. Only what changed is upserted, judged from the attributes the run
 * already has; behind a patch, so histories from before it replay unchanged.
 */
export function publishKpis(run: IncidentRun, final = false): void {
  const { visibility } = run;
  const updates = kpiAttributeUpdates(
    run.incident.view(),
    {
      openedAt: visibility.current(searchAttributes.openedAt) as Date | undefined,
      acknowledgedAt: visibility.current(searchAttributes.acknowledgedAt) as Date | undefined,
      resolvedAt: visibility.current(searchAttributes.resolvedAt) as Date | undefined,
      resolvedBy: visibility.current(searchAttributes.resolvedBy) as string | undefined,
      pages: visibility.current(searchAttributes.pages) as number | undefined,
    },
    final,
  );
  // Runs since v18 (one write per task) ask no older patch: each is another marker and another
  // search attribute write (Temporal's own TemporalChangeVersion) in the incident's first task.
  if (updates.length > 0 && (visibility.batched || patched(KPI_PATCH))) visibility.upsertSearchAttributes(updates.map(toPair));
}

function toPair(update: KpiAttributeUpdate): SearchAttributeUpdatePair {
  switch (update.name) {
    case 'resolvedBy':
      return { key: searchAttributes.resolvedBy, value: update.value };
    case 'pages':
      return { key: searchAttributes.pages, value: update.value };
    default:
      return { key: searchAttributes[update.name], value: update.value };
  }
}
