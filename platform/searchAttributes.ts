import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { SEARCH_ATTRIBUTE_DEFINITIONS, type SearchAttributeTypeName } from '../domain/visibility';

const { temporal } = proto;

/** What registering and probing need of a connection: the client's and the worker's both have it. */
type TemporalServices = Pick<Connection, 'operatorService' | 'workflowService'>;

const INDEXED_TYPE = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

function grpcCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

async function existingAttributeNames(connection: TemporalServices, namespace: string): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (error) {
    // The Java time-skipping test server can add attributes but not list them.
    if (grpcCode(error) === grpcStatus.UNIMPLEMENTED) return new Set();
    throw error;
  }
}

/**
 * Registers Vigil's custom search attributes in a namespace, skipping those already there, and
 * returns the names it added. Idempotent, so every worker and API replica may call it at start.
 * On Temporal Cloud, where the operator API needs an admin key, the caller logs the failure: the
 * attributes can be added once in the Cloud UI or with `tcld`.
 */
export async function registerSearchAttributes(connection: TemporalServices, namespace: string): Promise<string[]> {
  const known = await existingAttributeNames(connection, namespace);
  const missing = SEARCH_ATTRIBUTE_DEFINITIONS.filter((definition) => !known.has(definition.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((definition) => [definition.name, INDEXED_TYPE[definition.type]])),
    });
  } catch (error) {
    // Another replica registered them between our list and our add.
    if (grpcCode(error) !== grpcStatus.ALREADY_EXISTS) throw error;
  }
  return missing.map((definition) => definition.name);
}

const PROBE_VALUE: Record<SearchAttributeTypeName, string> = {
  Keyword: `'vigil-probe'`,
  KeywordList: `'vigil-probe'`,
  Datetime: `'1970-01-01T00:00:00Z'`,
  Int: '-1',
};

/** A visibility query that names every attribute, so the server must know the mapping of each. */
export const SEARCH_ATTRIBUTE_PROBE_QUERY = SEARCH_ATTRIBUTE_DEFINITIONS.map((definition) => `${definition.name} = ${PROBE_VALUE[definition.type]}`).join(' AND ');

/**
 * A self-hosted server with SQL visibility keeps the alias → column mapping in the namespace
 * record, and each of its services (frontend, history, matching) reads namespaces from its own
 * cache, refreshed every `system.namespaceCacheRefreshInterval` (2 s by default). Attributes just
 * added are listed at once but refused as unknown until that refresh. After the frontend first
 * accepts them, one more refresh interval lets the history service (which validates a workflow
 * task's upserts) catch up.
 */
export const NAMESPACE_CACHE_REFRESH_MS = 2_500;

export interface SearchAttributeReadiness {
  /** False when the deadline passed with the attributes still refused. */
  usable: boolean;
  waitedMs: number;
  /** The last refusal, when there was one. */
  lastError?: string;
}

/**
 * Waits, up to `timeoutMs`, until a visibility count that names every Vigil attribute is
 * accepted, then lets the other services' namespace caches refresh if the attributes had just
 * become known (`settle`, or any refusal seen). A server without the count API (the time-skipping
 * test server) counts as usable.
 */
export async function waitUntilSearchAttributesUsable(
  connection: TemporalServices,
  namespace: string,
  options: { timeoutMs?: number; settle?: boolean; settleMs?: number; pollMs?: number } = {},
): Promise<SearchAttributeReadiness> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  let lastError: string | undefined;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query: SEARCH_ATTRIBUTE_PROBE_QUERY });
      break;
    } catch (error) {
      if (grpcCode(error) === grpcStatus.UNIMPLEMENTED) break;
      // INVALID_ARGUMENT ("no mapping defined"), or NOT_FOUND for a namespace just created.
      lastError = (error as Error).message;
      if (Date.now() >= deadline) return { usable: false, waitedMs: Date.now() - started, lastError };
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
  }
  if (options.settle || lastError !== undefined) await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? NAMESPACE_CACHE_REFRESH_MS));
  return { usable: true, waitedMs: Date.now() - started, lastError };
}

interface StartLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * What the API and the worker do at start: register the attributes, then wait until the server
 * accepts them, so the first incident's first workflow task is not failed with
 * `BadSearchAttributes` (the dev server hides this; a self-hosted server with SQL visibility does
 * not). Never throws: where registering is not allowed (Temporal Cloud without an admin key) or
 * Temporal does not answer yet, it logs and start goes on.
 */
export async function prepareSearchAttributes(connection: TemporalServices, namespace: string, logger: StartLogger): Promise<void> {
  let added: string[];
  try {
    added = await registerSearchAttributes(connection, namespace);
  } catch (error) {
    logger.warn({ err: error }, 'could not register search attributes; add them once by hand (see docs/deployment.md)');
    return;
  }
  const readiness = await waitUntilSearchAttributesUsable(connection, namespace, { settle: added.length > 0 });
  if (!readiness.usable) {
    logger.warn({ waitedMs: readiness.waitedMs, lastError: readiness.lastError }, 'search attributes still refused by Temporal; incidents may fail their first workflow task until they are known');
  } else if (added.length > 0 || readiness.lastError) {
    logger.info({ added, waitedMs: readiness.waitedMs }, 'search attributes usable');
  }
}
