/**
 * The dashboard row's facts in the incident's memo (decision 73) stay what the incident query
 * says as it changes: paged, escalated to the next level, a status update with an ETA,
 * acknowledged, escalated by hand, and carried to a new run by continue-as-new.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { IncidentPlan } from '../../domain/incidentPlan';
import { incidentWorkflowId } from '../../domain/alert';
import { incidentRowFacts, ROW_MEMO_KEY } from '../../domain/incidentRowFacts';
import { acknowledgeUpdate, alertSignal, escalateUpdate, incidentQuery, statusUpdateUpdate } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { fakeWorkflowActivities, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const plan: IncidentPlan = { policy: twoLevelPolicy };

async function withWorker(body: (taskQueue: string) => Promise<void>): Promise<void> {
  const taskQueue = `row-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakeWorkflowActivities({ plan }).activities });
  await worker.runUntil(body(taskQueue));
}

/** The memo's facts and the facts of the incident as its query shows it, of the workflow's current run. */
async function memoAndQuery(workflowId: string) {
  const handle = env.client.workflow.getHandle(workflowId);
  const view = await handle.query(incidentQuery);
  const memo = (await handle.describe()).memo as Record<string, unknown> | undefined;
  return { memo: memo?.[ROW_MEMO_KEY], query: incidentRowFacts(view), view };
}

describe('the row facts in the incident memo', () => {
  it('follow every change the dashboard shows, as the query shows it', async () => {
    await withWorker(async (taskQueue) => {
      const alert = makeAlert({ dedupKey: `row-${randomUUID()}` });
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert, plan }], signal: alertSignal, signalArgs: [alert] });
      const seen: unknown[] = [];
      const check = async () => {
        const { memo, query } = await memoAndQuery(handle.workflowId);
        expect(memo).toEqual(query);
        seen.push(memo);
      };
      await expect.poll(async () => (await memoAndQuery(handle.workflowId)).query.heldBy, { timeout: 20_000 }).toEqual(['Alice']);
      await check(); // level 1 paged
      await env.sleep('6m');
      await check(); // level 2, by the timer
      await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'bob', via: 'api', text: 'rolling back', eta: '2031-01-02T03:04:00.000Z' }] });
      await check(); // an action under way and an ETA
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      await check(); // held by whoever acknowledged
      await handle.executeUpdate(escalateUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await expect.poll(async () => (await memoAndQuery(handle.workflowId)).view.status, { timeout: 20_000 }).toBe('triggered');
      await check(); // escalated by hand
      expect(seen).toMatchObject([
        { level: 1, heldBy: ['Alice'] },
        { level: 2, heldBy: ['Bob'] },
        { level: 2, eta: '2031-01-02T03:04:00.000Z', action: { kind: 'update' } },
        { level: 2, heldBy: ['bob (sms)'] },
        {},
      ]);
      expect(new Set(seen.map((facts) => JSON.stringify(facts))).size).toBe(seen.length);
    });
  });

  it('is published again by the run a storm hands over to', async () => {
    await withWorker(async (taskQueue) => {
      const alert = makeAlert({ dedupKey: `row-storm-${randomUUID()}` });
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert, plan, historyLimit: 50 }], signal: alertSignal, signalArgs: [alert] });
      await env.sleep('1m');
      for (let index = 0; index < 60; index++) await handle.signal(alertSignal, makeAlert({ dedupKey: alert.dedupKey }));
      const latest = env.client.workflow.getHandle(handle.workflowId);
      await expect.poll(async () => (await latest.describe()).runId !== handle.signaledRunId, { timeout: 20_000 }).toBe(true);
      await expect.poll(async () => (await memoAndQuery(handle.workflowId)).memo, { timeout: 20_000 }).toBeDefined();
      const { memo, query } = await memoAndQuery(handle.workflowId);
      expect(memo).toEqual(query);
      expect(memo).toMatchObject({ level: 1, heldBy: ['Alice'] });
    });
  });
});
