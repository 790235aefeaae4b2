/**
 * When the API saw no open problem for a new incident (`openProblem: false` in the start input),
 * the first page waits for no problem check; the incident is still linked beside the page, so a
 * problem opened since is joined (#17). Without the hint the first page waits, as before.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { LinkCandidate, ProblemLinkOutcome } from '../../activities/problemLinking';
import { alertSignal, incidentQuery } from '../../contracts/incident';
import { incidentWorkflowId } from '../../domain/alert';
import type { IncidentPlan } from '../../domain/incidentPlan';
import { makeAlert } from '../../devkit/alerts';
import { fakeWorkflowActivities, pagesOf, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { waitFor } from '../../devkit/waitFor';
import { incidentWorkflow } from '../../workflows/incident';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const PROBLEM = { id: 'problem-1', title: 'checkout: pool exhausted', workaround: 'restart the pool' };

/** Linking that takes `linkMs` of real time and joins PROBLEM; records which check ran and when the first page went. */
async function run(openProblem: false | undefined, linkMs: number) {
  const plan: IncidentPlan = { policy: twoLevelPolicy };
  const fakes = fakeWorkflowActivities({ plan });
  const calls: string[] = [];
  const slowLink = async (name: string, candidate: LinkCandidate): Promise<ProblemLinkOutcome & { settled: boolean }> => {
    calls.push(name);
    await new Promise((resolve) => setTimeout(resolve, linkMs));
    calls.push(`${name} done`);
    return { fingerprint: `${candidate.service}/${candidate.dedupKey}`, problem: PROBLEM, reason: 'an open problem tracks this fingerprint', settled: true };
  };
  const taskQueue = `beside-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...fakes.activities,
      joinOpenProblem: (candidate: LinkCandidate) => slowLink('joinOpenProblem', candidate),
      linkIncidentToProblem: (candidate: LinkCandidate) => slowLink('linkIncidentToProblem', candidate),
      async deliverNotification(request: Parameters<typeof fakes.activities.deliverNotification>[0]) {
        calls.push('page');
        return fakes.activities.deliverNotification(request);
      },
    },
  });
  const alert = makeAlert({ dedupKey: `beside-${randomUUID()}` });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.signalWithStart(incidentWorkflow, {
      workflowId: incidentWorkflowId(alert),
      taskQueue,
      args: [{ alert, plan, ...(openProblem === false ? { openProblem } : {}) }],
      signal: alertSignal,
      signalArgs: [alert],
    });
    await waitFor('the first page and the link', async () => calls.includes('page') && (await handle.query(incidentQuery)).problem !== undefined, 30_000);
    const view = await handle.query(incidentQuery);
    await handle.terminate('test over');
    return { calls, view, pages: pagesOf(fakes.sent) };
  });
}

describe('the first page and the problem check', () => {
  it('pages at once when the API saw no open problem, and links the incident beside the page', async () => {
    const { calls, view, pages } = await run(false, 1_500);
    expect(calls).not.toContain('joinOpenProblem');
    expect(calls.indexOf('page')).toBeLessThan(calls.indexOf('linkIncidentToProblem done'));
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(view.problem).toEqual(PROBLEM);
    expect(view.timeline.map((entry) => entry.text)).toContain('known workaround: restart the pool');
  }, 60_000);

  it('gives the link beside the page time for a slow visibility store (6 s) rather than failing it', async () => {
    const { calls, view } = await run(false, 6_000);
    expect(calls.filter((call) => call === 'linkIncidentToProblem')).toHaveLength(1);
    expect(view.problem).toEqual(PROBLEM);
    expect(view.timeline.map((entry) => entry.text).join('\n')).not.toContain('recurrence check failed');
  }, 60_000);

  it('waits for the quick check without the hint, so the first page carries the workaround', async () => {
    const { calls, pages } = await run(undefined, 500);
    expect(calls.indexOf('joinOpenProblem done')).toBeLessThan(calls.indexOf('page'));
    expect(pages[0]?.request.incident.problem?.workaround).toBe('restart the pool');
  }, 60_000);
});
