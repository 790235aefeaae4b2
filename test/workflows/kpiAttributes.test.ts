/**
 * The KPI search attributes an incident keeps in Temporal visibility (docs/kpis.md): opened,
 * first acknowledged, resolved and by what kind of resolver, and pages delivered.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { Alert } from '../../domain/alert';
import { incidentWorkflowId } from '../../domain/alert';
import { acknowledgeUpdate, alertSignal, escalateUpdate, incidentQuery, resolveUpdate, searchAttributes } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { fakeWorkflowActivities, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

async function withWorker(plan: IncidentPlan, body: (taskQueue: string) => Promise<void>, deliveryDelayMs?: number): Promise<void> {
  const fakes = fakeWorkflowActivities({ plan, steps: { verify: { ok: true, summary: 'recovered', findings: {} } }, deliveryDelayMs });
  const taskQueue = `kpi-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
  await worker.runUntil(body(taskQueue));
}

function start(alert: Alert, taskQueue: string, plan: IncidentPlan) {
  return env.client.workflow.signalWithStart(incidentWorkflow, {
    workflowId: incidentWorkflowId(alert),
    taskQueue,
    args: [{ alert, plan }],
    signal: alertSignal,
    signalArgs: [alert],
  });
}

async function kpiAttributes(workflowId: string, runId?: string) {
  const attributes = (await env.client.workflow.getHandle(workflowId, runId).describe()).typedSearchAttributes;
  return {
    openedAt: attributes.get(searchAttributes.openedAt)?.toISOString(),
    acknowledgedAt: attributes.get(searchAttributes.acknowledgedAt)?.toISOString(),
    resolvedAt: attributes.get(searchAttributes.resolvedAt)?.toISOString(),
    resolvedBy: attributes.get(searchAttributes.resolvedBy),
    pages: attributes.get(searchAttributes.pages),
  };
}

const plain: IncidentPlan = { policy: twoLevelPolicy };

describe('KPI search attributes of an incident', () => {
  it('keeps the first acknowledgement through a re-trigger, and records resolution, resolver and pages', async () => {
    await withWorker(plain, async (taskQueue) => {
      const alert = makeAlert({ dedupKey: `kpi-${randomUUID()}` });
      const handle = await start(alert, taskQueue, plain);
      await env.sleep('6m'); // level 1 (Alice: email, SMS), then level 2 (Bob: SMS)
      const firstAck = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      const open = await kpiAttributes(handle.workflowId);
      expect(open).toEqual({ openedAt: firstAck.createdAt, acknowledgedAt: firstAck.acknowledgedAt, resolvedAt: undefined, resolvedBy: undefined, pages: undefined });
      await env.sleep('1m');
      await handle.executeUpdate(escalateUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await env.sleep('1m');
      const secondAck = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'api' }] });
      expect(secondAck.acknowledgedAt).not.toBe(firstAck.acknowledgedAt);
      const resolved = await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      const final = await handle.result();
      expect(await kpiAttributes(handle.workflowId)).toEqual({
        openedAt: final.createdAt,
        acknowledgedAt: firstAck.acknowledgedAt,
        resolvedAt: resolved.resolvedAt,
        resolvedBy: 'human',
        pages: final.paged.length,
      });
      expect(final.paged.length).toBeGreaterThanOrEqual(3);
    });
  });

  it('says a runbook resolved it, with no acknowledgement and no page', async () => {
    const withRunbook: IncidentPlan = { policy: twoLevelPolicy, runbook: { id: 'http-health-restart', params: {}, stepTimeoutSeconds: 60 } };
    await withWorker(withRunbook, async (taskQueue) => {
      const handle = await start(makeAlert({ dedupKey: `kpi-${randomUUID()}` }), taskQueue, withRunbook);
      const final = await handle.result();
      expect(final.resolvedBy).toBe('runbook http-health-restart');
      expect(await kpiAttributes(handle.workflowId)).toEqual({ openedAt: final.createdAt, acknowledgedAt: undefined, resolvedAt: final.resolvedAt, resolvedBy: 'runbook', pages: 0 });
    });
  });

  it("gives the key's next incident (a late alert's continue-as-new) its own figures, not the last one's", async () => {
    await withWorker(
      plain,
      async (taskQueue) => {
        const alert = makeAlert({ dedupKey: `kpi-${randomUUID()}` });
        const first = await start(alert, taskQueue, plain);
        await env.sleep('1m');
        await first.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'api' }] });
        const resolved = await first.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
        await start({ ...alert, id: randomUUID(), summary: 'it is back' }, taskQueue, plain);
        await first.result().catch(() => undefined); // continued as new
        expect((await kpiAttributes(first.workflowId, first.signaledRunId)).resolvedAt).toBe(resolved.resolvedAt);
        const latest = env.client.workflow.getHandle(first.workflowId);
        const next = await latest.query(incidentQuery);
        expect(next.id).not.toBe(resolved.id);
        expect(await kpiAttributes(first.workflowId)).toEqual({ openedAt: next.createdAt, acknowledgedAt: undefined, resolvedAt: undefined, resolvedBy: undefined, pages: undefined });
        // Its figures are checked; end it (the test server may already have timed the idle run out).
        await latest.terminate('test over').catch(() => undefined);
      },
      1500,
    );
  });
});
