/**
 * One visibility page of open incident runs, decoded for the dashboard only (decision 81). The
 * SDK's `workflow.list` decodes every memo field of every run one run at a time (a codec call per
 * field, each an AES-GCM decipher here) and every search attribute twice (untyped and typed): a
 * profile of `GET /v1/dashboard/rows` showed that decoding cost as much as the listing itself.
 * Here the page is asked for with the raw `ListWorkflowExecutions` call (`rawVisibility.ts`) and
 * only what a row shows is decoded: three memo fields, through the client's own codecs in one call
 * for the whole page, and five search attributes.
 */
import type { Client } from '@temporalio/client';
import { encodeIncidentId } from '../../domain/incidentId';
import type { IncidentStatus } from '../../domain/incident';
import { isIncidentRowFacts, ROW_MEMO_KEY } from '../../domain/incidentRowFacts';
import type { Severity } from '../../domain/severity';
import { searchAttributes } from '../../domain/visibility';
import type { ListedRun } from './openRows';
import { datetimeAttribute, keywordAttribute, listRawRuns, timestampMs, type RawRun } from './rawVisibility';

/** The memo fields a row needs (`IncidentMemo` and the row facts); a run's other memo fields stay encoded. */
const MEMO_FIELDS = ['incidentId', 'summary', ROW_MEMO_KEY] as const;

/** Lists up to `limit` runs matching `query`, in visibility's order, with their rows (one call unless visibility pages shorter). */
export async function listOpenRunsPage(client: Client, query: string, limit: number): Promise<ListedRun[]> {
  const found: ListedRun[] = [];
  for await (const page of listRawRuns(client, query, MEMO_FIELDS, { limit })) found.push(...page.map(listedRun));
  return found;
}

/** The run as `summaryOf` in the gateway reads it from the SDK's decoded listing, field for field. */
function listedRun({ execution, memo }: RawRun): ListedRun {
  const workflowId = execution.execution?.workflowId ?? '';
  const runId = execution.execution?.runId ?? '';
  const startMs = timestampMs(execution.startTime) ?? 0;
  // When the incident opened (the KPI attribute, carried across runs), not when this run started.
  const openedMs = datetimeAttribute(execution, searchAttributes.openedAt.name)?.getTime() ?? Number.NaN;
  const facts = memo[ROW_MEMO_KEY];
  return {
    runId,
    startMs,
    row: {
      summary: {
        id: typeof memo.incidentId === 'string' ? memo.incidentId : encodeIncidentId({ workflowId, runId }),
        code: keywordAttribute(execution, searchAttributes.code.name) ?? '',
        status: (keywordAttribute(execution, searchAttributes.status.name) ?? 'triggered') as IncidentStatus,
        severity: (keywordAttribute(execution, searchAttributes.severity.name) ?? 'critical') as Severity,
        service: keywordAttribute(execution, searchAttributes.service.name) ?? '',
        summary: typeof memo.summary === 'string' ? memo.summary : '',
        createdAt: new Date(Number.isNaN(openedMs) ? startMs : openedMs).toISOString(),
      },
      workflowId,
      ...(isIncidentRowFacts(facts) ? { facts } : {}),
    },
  };
}
