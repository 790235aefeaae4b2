/**
 * One visibility page of open incident runs, decoded for the dashboard only (decision 81). The
 * SDK's `workflow.list` decodes every memo field of every run one run at a time (a codec call per
 * field, each an AES-GCM decipher here) and every search attribute twice (untyped and typed): a
 * profile of `GET /v1/dashboard/rows` showed that decoding cost as much as the listing itself.
 * Here the page is asked for with the raw `ListWorkflowExecutions` call and only what a row shows
 * is decoded: three memo fields, through the client's own codecs in one call for the whole page,
 * and five search attributes.
 */
import type { Client } from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import { encodeIncidentId } from '../../domain/incidentId';
import type { IncidentStatus } from '../../domain/incident';
import { isIncidentRowFacts, ROW_MEMO_KEY } from '../../domain/incidentRowFacts';
import type { Severity } from '../../domain/severity';
import { searchAttributes } from '../../domain/visibility';
import type { ListedRun } from './openRows';

type RawExecution = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

/** The memo fields a row needs (`IncidentMemo` and the row facts); a run's other memo fields stay encoded. */
const MEMO_FIELDS = ['incidentId', 'summary', ROW_MEMO_KEY] as const;

/** Lists up to `limit` runs matching `query`, in visibility's order, with their rows (one call unless visibility pages shorter). */
export async function listOpenRunsPage(client: Client, query: string, limit: number): Promise<ListedRun[]> {
  const found: ListedRun[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const response = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize: Math.min(limit - found.length, 1000), nextPageToken });
    const executions = (response.executions ?? []).slice(0, limit - found.length);
    const memos = await decodeMemos(client.options.loadedDataConverter, executions);
    found.push(...executions.map((execution, index) => listedRun(execution, memos[index])));
    nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
  } while (nextPageToken && found.length < limit);
  return found;
}

/** Every run's needed memo fields, decoded through the codecs in one call for the page. */
async function decodeMemos(converter: LoadedDataConverter, executions: RawExecution[]): Promise<Array<Record<string, unknown>>> {
  const where: Array<{ run: number; field: string }> = [];
  let payloads: Payload[] = [];
  executions.forEach((execution, run) => {
    const fields = execution.memo?.fields ?? {};
    for (const field of MEMO_FIELDS) {
      const payload = fields[field];
      if (payload) {
        where.push({ run, field });
        payloads.push(payload as Payload);
      }
    }
  });
  // Decoded through the last codec first, as the SDK does.
  for (let index = converter.payloadCodecs.length - 1; index >= 0; index--) payloads = await converter.payloadCodecs[index].decode(payloads);
  const memos = executions.map((): Record<string, unknown> => ({}));
  payloads.forEach((payload, index) => {
    memos[where[index].run][where[index].field] = converter.payloadConverter.fromPayload(payload);
  });
  return memos;
}

function attribute(execution: RawExecution, name: string, converter: (value: unknown) => string | undefined = asString): string | undefined {
  const payload = execution.searchAttributes?.indexedFields?.[name];
  if (!payload?.data) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
  return converter(value);
}

function asString(value: unknown): string | undefined {
  // A keyword attribute may come as a one-element list from older servers.
  if (Array.isArray(value)) return asString(value[0]);
  return typeof value === 'string' ? value : undefined;
}

function timeMs(timestamp: RawExecution['startTime']): number {
  return Number(timestamp?.seconds ?? 0) * 1000 + Math.floor((timestamp?.nanos ?? 0) / 1e6);
}

/** The run as `summaryOf` in the gateway reads it from the SDK's decoded listing, field for field. */
function listedRun(execution: RawExecution, memo: Record<string, unknown>): ListedRun {
  const workflowId = execution.execution?.workflowId ?? '';
  const runId = execution.execution?.runId ?? '';
  const startMs = timeMs(execution.startTime);
  // When the incident opened (the KPI attribute, carried across runs), not when this run started.
  const openedAt = attribute(execution, searchAttributes.openedAt.name);
  const openedMs = openedAt === undefined ? Number.NaN : Date.parse(openedAt);
  const facts = memo[ROW_MEMO_KEY];
  return {
    runId,
    startMs,
    row: {
      summary: {
        id: typeof memo.incidentId === 'string' ? memo.incidentId : encodeIncidentId({ workflowId, runId }),
        code: attribute(execution, searchAttributes.code.name) ?? '',
        status: (attribute(execution, searchAttributes.status.name) ?? 'triggered') as IncidentStatus,
        severity: (attribute(execution, searchAttributes.severity.name) ?? 'critical') as Severity,
        service: attribute(execution, searchAttributes.service.name) ?? '',
        summary: typeof memo.summary === 'string' ? memo.summary : '',
        createdAt: new Date(Number.isNaN(openedMs) ? startMs : openedMs).toISOString(),
      },
      workflowId,
      ...(isIncidentRowFacts(facts) ? { facts } : {}),
    },
  };
}
