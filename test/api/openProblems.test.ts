/**
 * The API's view of open problems (#17): it says "no open problem" only for a fingerprint it did
 * not see in a fresh look at the running problem workflows, or for a service whose problems are off;
 * otherwise it knows nothing and the first page waits for the check.
 */
import type { Client } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { watchOpenProblems, type OpenProblems } from '../../api/gateways/openProblems';
import { parseConfig } from '../../domain/config';
import { problemWorkflowId } from '../../domain/problem';
import { makeAlert } from '../../devkit/alerts';

const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' }, batch: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    problems: { services: { batch: { detect: false } } },
  },
  'open problems test',
);

/** A client whose visibility lists these running problem workflows (or fails), recording each query. */
function listing(state: { running: string[]; fail?: boolean; queries: string[] }): Client {
  return {
    workflow: {
      list: ({ query }: { query: string }) => {
        state.queries.push(query);
        return (async function* () {
          if (state.fail) throw new Error('visibility unavailable');
          for (const workflowId of state.running) yield { workflowId };
        })();
      },
    },
  } as unknown as Client;
}

let watcher: OpenProblems | undefined;
afterEach(() => watcher?.stop());
const quiet = { warn: () => undefined };

describe('open problems as the API sees them', () => {
  it('says none for a fingerprint no running problem tracks, and nothing for one that is tracked', async () => {
    const tracked = makeAlert({ service: 'checkout', dedupKey: 'pool' });
    const untracked = makeAlert({ service: 'checkout', dedupKey: 'disk' });
    const state = { running: [problemWorkflowId('checkout/pool')], queries: [] as string[] };
    watcher = watchOpenProblems({ client: listing(state), config, logger: quiet, refreshMs: 60_000 });
    await watcher.refresh();
    expect(state.queries[0]).toBe("WorkflowType = 'problemWorkflow' AND ExecutionStatus = 'Running'");
    expect(watcher.openProblemFor(untracked)).toBe(false);
    expect(watcher.openProblemFor(tracked)).toBeUndefined();
    // A problem opened since shows at the next look.
    state.running.push(problemWorkflowId('checkout/disk'));
    await watcher.refresh();
    expect(watcher.openProblemFor(untracked)).toBeUndefined();
  });

  it('knows nothing before its first look and once its last good look is stale; a service with problems off never waits', async () => {
    let nowMs = 1_000_000;
    const state = { running: [] as string[], fail: true, queries: [] as string[] };
    watcher = watchOpenProblems({ client: listing(state), config, logger: quiet, refreshMs: 60_000, freshForMs: 10_000, now: () => nowMs });
    await expect(watcher.refresh()).rejects.toThrow('visibility unavailable');
    expect(watcher.openProblemFor(makeAlert({ service: 'checkout' }))).toBeUndefined();
    expect(watcher.openProblemFor(makeAlert({ service: 'batch' }))).toBe(false);
    state.fail = false;
    await watcher.refresh();
    expect(watcher.openProblemFor(makeAlert({ service: 'checkout' }))).toBe(false);
    nowMs += 10_001;
    expect(watcher.openProblemFor(makeAlert({ service: 'checkout' }))).toBeUndefined();
  });
});
