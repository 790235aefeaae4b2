/**
 * The wait at start for search attributes a self-hosted server does not accept yet (its namespace
 * cache refreshes every 2 s), against a stand-in for the two calls it makes. The real server case
 * is test/e2e/multiHost.test.ts.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_PROBE_QUERY, prepareSearchAttributes, waitUntilSearchAttributesUsable } from '../../platform/searchAttributes';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../domain/visibility';

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(`${code} ${message}`), { code });
}

/** A server that lists attributes as soon as they are added but refuses them in queries `refusals` times. */
function fakeServer(refusals: number) {
  const calls = { added: [] as string[], counts: [] as string[] };
  let known = new Set<string>();
  let refused = 0;
  const connection = {
    operatorService: {
      listSearchAttributes: async () => ({ customAttributes: Object.fromEntries([...known].map((name) => [name, 1])) }),
      addSearchAttributes: async ({ searchAttributes }: { searchAttributes: Record<string, number> }) => {
        calls.added.push(...Object.keys(searchAttributes));
        known = new Set([...known, ...Object.keys(searchAttributes)]);
        return {};
      },
    },
    workflowService: {
      countWorkflowExecutions: async ({ query }: { query: string }) => {
        calls.counts.push(query);
        if (refused < refusals) {
          refused += 1;
          throw grpcError(grpcStatus.INVALID_ARGUMENT, 'Namespace default has no mapping defined for search attribute VigilCode');
        }
        return { count: 0 };
      },
    },
  };
  return { connection: connection as unknown as Parameters<typeof waitUntilSearchAttributesUsable>[0], calls };
}

const silent = { info: () => undefined, warn: () => undefined };

describe('waiting for search attributes at start', () => {
  it('names every attribute in its probe', () => {
    for (const { name } of SEARCH_ATTRIBUTE_DEFINITIONS) expect(SEARCH_ATTRIBUTE_PROBE_QUERY).toContain(`${name} `);
  });

  it('probes until the server accepts them, then waits one more cache refresh', async () => {
    const { connection, calls } = fakeServer(3);
    const started = Date.now();
    const readiness = await waitUntilSearchAttributesUsable(connection, 'default', { pollMs: 10, settleMs: 200 });
    expect(readiness).toMatchObject({ usable: true });
    expect(readiness.lastError).toContain('no mapping defined');
    expect(calls.counts).toHaveLength(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('does not wait when the server accepts them at once and nothing was just added', async () => {
    const { connection, calls } = fakeServer(0);
    const readiness = await waitUntilSearchAttributesUsable(connection, 'default', { settleMs: 10_000 });
    expect(readiness).toMatchObject({ usable: true, lastError: undefined });
    expect(readiness.waitedMs).toBeLessThan(1_000);
    expect(calls.counts).toHaveLength(1);
  });

  it('gives up after its bound and says so', async () => {
    const { connection } = fakeServer(Number.POSITIVE_INFINITY);
    const readiness = await waitUntilSearchAttributesUsable(connection, 'default', { timeoutMs: 100, pollMs: 10 });
    expect(readiness.usable).toBe(false);
    expect(readiness.lastError).toContain('VigilCode');
  });

  it('registers what is missing and waits before start goes on', async () => {
    const { connection, calls } = fakeServer(1);
    const warnings: string[] = [];
    await prepareSearchAttributes(connection, 'default', { ...silent, warn: (_object, message) => warnings.push(message) });
    expect(calls.added.sort()).toEqual(SEARCH_ATTRIBUTE_DEFINITIONS.map(({ name }) => name).sort());
    expect(calls.counts.length).toBeGreaterThanOrEqual(2);
    expect(warnings).toEqual([]);
  });
});
