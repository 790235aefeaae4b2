import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../workflows/definitions';

const { temporal } = proto;

const INDEXED_TYPE = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

async function existingAttributeNames(connection: Connection, namespace: string): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (error) {
    // The Java time-skipping test server can add attributes but not list them.
    if ((error as { code?: number }).code === grpcStatus.UNIMPLEMENTED) return new Set();
    throw error;
  }
}

/**
 * Registers Vigil's custom search attributes in a namespace, skipping those already there.
 * Idempotent, so every worker and API replica may call it at start. On Temporal Cloud, where
 * the operator API needs an admin key, the caller logs the failure: the attributes can be added
 * once in the Cloud UI or with `tcld`.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const known = await existingAttributeNames(connection, namespace);
  const missing = SEARCH_ATTRIBUTE_DEFINITIONS.filter((definition) => !known.has(definition.name));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((definition) => [definition.name, INDEXED_TYPE[definition.type]])),
    });
  } catch (error) {
    // Another replica registered them between our list and our add.
    if ((error as { code?: number }).code !== grpcStatus.ALREADY_EXISTS) throw error;
  }
}
