/**
 * Which KPI search attributes (docs/kpis.md) an incident must change, judged from the view and the
 * attributes its run already has, so the workflow needs no state of its own to publish them.
 */
import type { IncidentView } from './incident';
import { deliveredPages, resolverKind } from './kpis';

/** The KPI attributes as the run holds them now (Temporal visibility's typed values). */
export interface KpiAttributes {
  openedAt?: Date;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  resolvedBy?: string;
  pages?: number;
}

/** One change, in the order it is upserted; `null` removes the attribute. */
export type KpiAttributeUpdate =
  | { name: 'openedAt' | 'acknowledgedAt' | 'resolvedAt'; value: Date | null }
  | { name: 'resolvedBy'; value: string | null }
  | { name: 'pages'; value: number | null };

/**
 * The changes that bring `current` in line with `view`: opened, first acknowledged, resolved and
 * by what, and (`final`, once notices have settled) pages delivered. Attributes inherited from the
 * incident before (a late alert's continue-as-new: another opening time) are cleared first.
 */
export function kpiAttributeUpdates(view: IncidentView, current: KpiAttributes, final = false): KpiAttributeUpdate[] {
  const updates: KpiAttributeUpdate[] = [];
  const openedAt = current.openedAt;
  const stale = openedAt !== undefined && openedAt.getTime() !== Date.parse(view.createdAt);
  if (openedAt === undefined || stale) updates.push({ name: 'openedAt', value: new Date(view.createdAt) });
  if (stale) {
    for (const name of ['acknowledgedAt', 'resolvedAt'] as const) if (current[name]) updates.push({ name, value: null });
    if (current.resolvedBy) updates.push({ name: 'resolvedBy', value: null });
    if (current.pages !== undefined) updates.push({ name: 'pages', value: null });
  }
  if (view.acknowledgedAt && (stale || !current.acknowledgedAt)) updates.push({ name: 'acknowledgedAt', value: new Date(view.acknowledgedAt) });
  if (view.resolvedAt && (stale || !current.resolvedAt)) {
    updates.push({ name: 'resolvedAt', value: new Date(view.resolvedAt) });
    updates.push({ name: 'resolvedBy', value: resolverKind(view.resolvedBy ?? '') });
  }
  if (final) updates.push({ name: 'pages', value: deliveredPages(view.paged) });
  return updates;
}
