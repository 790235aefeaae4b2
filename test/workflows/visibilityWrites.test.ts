/**
 * Since v18 an incident writes its search attributes and memo once per workflow task (#17,
 * workflows/incident/visibilityWrites.ts): the first task, which schedules the first page, holds
 * one patch marker, one upsert of Vigil's attributes and one memo write, with the same values the
 * separate writes had.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
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

describe("an incident's visibility writes", () => {
  it('are one attribute upsert and one memo write in the task that schedules the first page', async () => {
    const plan: IncidentPlan = { policy: twoLevelPolicy };
    const fakes = fakeWorkflowActivities({ plan });
    const taskQueue = `visibility-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
    const alert = makeAlert({ dedupKey: `visibility-${randomUUID()}` });
    const { history, description, view } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, {
        workflowId: incidentWorkflowId(alert),
        taskQueue,
        args: [{ alert, plan, openProblem: false }],
        signal: alertSignal,
        signalArgs: [alert],
      });
      await waitFor('the first page', async () => pagesOf(fakes.sent).length > 0, 30_000);
      const result = { history: await handle.fetchHistory(), description: await handle.describe(), view: await handle.query(incidentQuery) };
      await handle.terminate('test over');
      return result;
    });

    const events = history.events ?? [];
    const firstTaskDone = events.findIndex((event) => event.workflowTaskCompletedEventAttributes);
    const nextTask = events.findIndex((event, index) => index > firstTaskDone && event.workflowTaskScheduledEventAttributes);
    const firstTask = events.slice(firstTaskDone + 1, nextTask === -1 ? undefined : nextTask);
    const upserts = firstTask.flatMap((event) => {
      const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
      // Temporal's core adds its own TemporalChangeVersion upsert beside each patch marker.
      return fields.length > 0 && !fields.includes('TemporalChangeVersion') ? [fields.sort()] : [];
    });
    expect(upserts).toEqual([['VigilCode', 'VigilOpenedAt', 'VigilPaged', 'VigilService', 'VigilSeverity', 'VigilStatus']]);
    expect(firstTask.filter((event) => event.workflowPropertiesModifiedEventAttributes)).toHaveLength(1);
    expect(firstTask.filter((event) => event.markerRecordedEventAttributes)).toHaveLength(1);
    expect(firstTask.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverNotification')).toBe(true);

    // What visibility holds is what the separate writes held.
    const attributes = description.typedSearchAttributes;
    const value = (name: string) => attributes.getAll().find((pair) => pair.key.name === name)?.value;
    expect(value('VigilService')).toBe(alert.service);
    expect(value('VigilCode')).toBe(view.code);
    expect(value('VigilStatus')).toBe('triggered');
    expect(value('VigilSeverity')).toBe(alert.severity);
    expect(value('VigilPaged')).toEqual(['alice']);
    expect((value('VigilOpenedAt') as Date).toISOString()).toBe(view.createdAt);
    expect(description.memo).toMatchObject({ incidentId: view.id, summary: alert.summary, row: expect.any(Object) });
  }, 60_000);
});
