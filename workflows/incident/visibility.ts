/**
 * What Temporal visibility shows of the incident: search attributes (status, severity, paged
 * contacts, KPIs) and the memo, so the API lists and filters incidents without a query per run.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { IncidentView } from '../../domain/incident';
import type { KpiAttributeUpdate } from '../../domain/kpiAttributes';
import { kpiAttributeUpdates } from '../../domain/kpiAttributes';
import { searchAttributes } from '../../contracts/incident';
import type { IncidentRun } from './run';

/** Gates the KPI search attributes (see publishKpis): older histories replay without them. */
const KPI_PATCH = 'kpi-search-attributes';

/** The attributes and memo of a run's start: service and code, status, and the memo. */
export function publishOpening(run: IncidentRun): void {
  upsertSearchAttributes([
    { key: searchAttributes.service, value: run.input.alert.service },
    { key: searchAttributes.code, value: run.incident.view().code },
  ]);
  publishStatus(run);
  upsertMemo({ ...run.memo });
}

export function publishStatus(run: IncidentRun): void {
  const view = run.incident.view();
  upsertSearchAttributes([
    { key: searchAttributes.status, value: view.status },
    { key: searchAttributes.severity, value: view.severity },
  ]);
  publishKpis(view);
}

/** Everyone paged so far, so a bare SMS "ACK" finds the sender's incident. */
export function publishPaged(run: IncidentRun): void {
  upsertSearchAttributes([{ key: searchAttributes.paged, value: [...run.pagedContactIds] }]);
}

/**
 * The KPI search attributes (docs/kpis.md, `domain/kpiAttributes.ts`), and (`final`, once notices
 * have settled) pages delivered. Only what changed is upserted, judged from the attributes the run
 * already has; behind a patch, so histories from before it replay unchanged.
 */
export function publishKpis(view: IncidentView, final = false): void {
  const current = workflowInfo().typedSearchAttributes;
  const updates = kpiAttributeUpdates(
    view,
    {
      openedAt: current.get(searchAttributes.openedAt),
      acknowledgedAt: current.get(searchAttributes.acknowledgedAt),
      resolvedAt: current.get(searchAttributes.resolvedAt),
      resolvedBy: current.get(searchAttributes.resolvedBy),
      pages: current.get(searchAttributes.pages),
    },
    final,
  );
  if (updates.length > 0 && patched(KPI_PATCH)) upsertSearchAttributes(updates.map(toPair));
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
