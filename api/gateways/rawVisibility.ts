/**
 * Visibility listings decoded only as far as the caller reads them (decisions 81, 87). The SDK's
 * `workflow.list` decodes every memo field of every run one run at a time (a codec call per field,
 * each an AES-GCM decipher with Vigil's codec) and every search attribute twice: about 0.9 ms a
 * run on this machine, which a listing of hundreds of runs per request cannot afford. Here a page
 * comes from the raw `ListWorkflowExecutions` call; the caller names the memo fields it needs,
 * decoded through the client's own codecs in one call per page, and reads search attributes one
 * by one (they never pass through codecs: plain JSON payloads).
 */
import type { Client } from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';

export type RawExecution = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

/** A listed run with the memo fields asked for, decoded. */
export interface RawRun {
  execution: RawExecution;
  memo: Record<string, unknown>;
}

/**
 * Every page of runs matching `query`, each with `memoFields` decoded, until `limit` runs (all
 * by default). Pages are asked for one after another, as visibility gives them.
 */
export async function* listRawRuns(client: Client, query: string, memoFields: readonly string[], options: { pageSize?: number; limit?: number } = {}): AsyncGenerator<RawRun[]> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let found = 0;
  let nextPageToken: Uint8Array | undefined;
  do {
    const pageSize = Math.min(limit - found, options.pageSize ?? 1000);
    const response = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, nextPageToken });
    const executions = (response.executions ?? []).slice(0, limit - found);
    const memos = await decodeMemoFields(client.options.loadedDataConverter, executions, memoFields);
    found += executions.length;
    yield executions.map((execution, index) => ({ execution, memo: memos[index] }));
    nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
  } while (nextPageToken && found < limit);
}

/** Each run's named memo fields, decoded through the codecs in one call for all of them. */
export async function decodeMemoFields(converter: LoadedDataConverter, executions: RawExecution[], fields: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const where: Array<{ run: number; field: string }> = [];
  let payloads: Payload[] = [];
  executions.forEach((execution, run) => {
    const memo = execution.memo?.fields ?? {};
    for (const field of fields) {
      const payload = memo[field];
      if (payload) {
        where.push({ run, field });
        payloads.push(payload as Payload);
      }
    }
  });
  // Decoded through the last codec first, as the SDK does.
  if (payloads.length > 0) for (let index = converter.payloadCodecs.length - 1; index >= 0; index--) payloads = await converter.payloadCodecs[index].decode(payloads);
  const memos = executions.map((): Record<string, unknown> => ({}));
  payloads.forEach((payload, index) => {
    memos[where[index].run][where[index].field] = converter.payloadConverter.fromPayload(payload);
  });
  return memos;
}

function attributeValue(execution: RawExecution, name: string): unknown {
  const payload = execution.searchAttributes?.indexedFields?.[name];
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A keyword attribute (some servers give it as a one-element list). */
export function keywordAttribute(execution: RawExecution, name: string): string | undefined {
  const value = attributeValue(execution, name);
  const single = Array.isArray(value) ? value[0] : value;
  return typeof single === 'string' ? single : undefined;
}

/** A datetime attribute as a Date, as the SDK's typed attributes give it; undefined when absent or not a time. */
export function datetimeAttribute(execution: RawExecution, name: string): Date | undefined {
  const value = attributeValue(execution, name);
  const single = Array.isArray(value) ? value[0] : value;
  if (typeof single !== 'string') return undefined;
  const at = new Date(single);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** An int attribute; undefined when absent or not a number. */
export function intAttribute(execution: RawExecution, name: string): number | undefined {
  const value = attributeValue(execution, name);
  const single = Array.isArray(value) ? value[0] : value;
  return typeof single === 'number' && Number.isFinite(single) ? single : undefined;
}

/** A protobuf timestamp in ms since the epoch; undefined when the server sent none. */
export function timestampMs(timestamp: RawExecution['startTime']): number | undefined {
  if (!timestamp) return undefined;
  return Number(timestamp.seconds ?? 0) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
}
