import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { Alert } from '../../domain/alert';
import { incidentWorkflowId } from '../../domain/alert';
import { decodeIncidentId } from '../../domain/incidentId';
import { draftReview } from '../../domain/review';
import { acknowledgeUpdate, alertBatchSignal, alertSignal, INCIDENT_CONFLICT_FAILURE, incidentQuery, problemLinkedSignal, resolveUpdate, sourceResolvedSignal } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { carol, fakeWorkflowActivities, pagesOf, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';
import { waitFor } from '../../devkit/waitFor';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

type StepScript = Parameters<typeof fakeWorkflowActivities>[0]['steps'];

/**
 * Runs `body` with a worker whose activities are the given fakes. Workflows it started are
 * terminated afterwards, so a failed test leaves no pending activity that would stop the test
 * server from skipping time for the next one.
 */
async function withWorker<T>(
  plan: IncidentPlan,
  body: (fakes: ReturnType<typeof fakeWorkflowActivities>, taskQueue: string) => Promise<T>,
  steps?: StepScript,
  deliveryDelayMs?: number,
  resolve?: Parameters<typeof fakeWorkflowActivities>[0]['resolve'],
): Promise<T> {
  const fakes = fakeWorkflowActivities({ plan, steps, deliveryDelayMs, resolve });
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fakes.activities,
  });
  try {
    return await worker.runUntil(body(fakes, taskQueue));
  } finally {
    for (const workflowId of startedOn.get(taskQueue) ?? []) {
      await env.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    }
  }
}

const startedOn = new Map<string, string[]>();

function startIncident(alert: Alert, taskQueue: string) {
  const workflowId = incidentWorkflowId(alert);
  startedOn.set(taskQueue, [...(startedOn.get(taskQueue) ?? []), workflowId]);
  return env.client.workflow.signalWithStart(incidentWorkflow, {
    workflowId,
    taskQueue,
    args: [{ alert }],
    signal: alertSignal,
    signalArgs: [alert],
  });
}

function uniqueAlert(overrides: Partial<Alert> = {}): Alert {
  return makeAlert({ dedupKey: `key-${randomUUID()}`, ...overrides });
}


const noRunbook: IncidentPlan = { policy: twoLevelPolicy };

describe('incident workflow: escalation', () => {
  it('notifies each level at its time, to the second, repeats the policy, then marks it exhausted', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('40m');
      const pages = pagesOf(sent);
      // Pages of one level go out together, in no fixed order; compare (second, target) pairs.
      const startMs = pages[0].atMs;
      const timed = pages.map(({ atMs, request }) => {
        const seconds = Math.round((atMs - startMs) / 1000);
        return `${seconds}s ${request.responder.id}/${request.channel}/L${request.incident.level}`;
      });
      expect(timed.sort()).toEqual(
        ['0s alice/email/L1', '0s alice/sms/L1', '300s bob/sms/L2', '900s alice/email/L1', '900s alice/sms/L1', '1200s bob/sms/L2'].sort(),
      );
      // Every page is a distinct delivery: no two share an idempotency key.
      expect(new Set(pages.map((page) => page.request.idempotencyKey)).size).toBe(6);
      const view = await handle.query(incidentQuery);
      expect(view.status).toBe('triggered');
      expect(view.escalation).toMatchObject({ level: 2, cycle: 1, exhausted: true });
      expect(view.paged).toHaveLength(6);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'test' }] });
      await handle.result();
    });
  });

  it('shows when the next level fires while waiting', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('1m');
      const view = await handle.query(incidentQuery);
      expect(view.escalation.level).toBe(1);
      const firstPageMs = pagesOf(sent)[0].atMs;
      // The activity's scheduled stamp may trail the workflow clock by a few milliseconds.
      expect(Math.round((Date.parse(view.escalation.nextLevelAt as string) - firstPageMs) / 1000)).toBe(300);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'test' }] });
      await handle.result();
    });
  });

  it('stops escalating the moment someone acknowledges, and tells everyone paged', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('6m'); // level 2 has fired
      const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'api' }] });
      expect(acked.status).toBe('acknowledged');
      expect(acked.acknowledgedBy).toBe('bob (api)');
      expect(acked.escalation.nextLevelAt).toBeUndefined();
      await env.sleep('2h');
      expect(pagesOf(sent)).toHaveLength(3);
      const ackNotices = sent.filter((entry) => entry.request.kind === 'acknowledged');
      expect(ackNotices.map((entry) => `${entry.request.responder.id}/${entry.request.channel}`).sort()).toEqual([
        'alice/email',
        'alice/sms',
        'bob/sms',
      ]);
      expect(ackNotices.every((entry) => entry.request.incident.acknowledgedBy === 'bob (api)')).toBe(true);
      const resolved = await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api', note: 'rolled back' }] });
      expect(resolved.status).toBe('resolved');
      const final = await handle.result();
      expect(final.resolvedBy).toBe('bob (api)');
      expect(sent.filter((entry) => entry.request.kind === 'resolved')).toHaveLength(3);
      expect(final.timeline.map((entry) => entry.kind)).toContain('acknowledged');
    });
  });

  it('produces, on resolve, a review draft whose durations and pages come from its own timeline', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('6m'); // level 2 (bob) fired at 5 minutes
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      await env.sleep('30m');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api', note: 'rolled back' }] });
      const draft = draftReview(await handle.result());
      // Wall-clock milliseconds pass between the skipped steps: allow a second.
      expect(Math.abs((draft.timeToAcknowledgeSeconds ?? 0) - 360)).toBeLessThanOrEqual(1);
      expect(Math.abs(draft.timeToResolveSeconds - 2_160)).toBeLessThanOrEqual(1);
      expect(draft.impact.seconds).toBe(draft.timeToResolveSeconds);
      expect(draft.acknowledgements.map((ack) => ack.by)).toEqual(['bob (sms)']);
      expect(draft.resolvedBy).toBe('bob (api)');
      expect(draft.paged.map((page) => `L${page.level} ${page.responderId}/${page.channel}`).sort()).toEqual(
        pagesOf(sent).map((page) => `L${page.request.incident.level} ${page.request.responder.id}/${page.request.channel}`).sort(),
      );
      expect(new Set(draft.paged.map((page) => page.level))).toEqual(new Set([1, 2]));
    });
  });

  it('takes a problem it is linked to by hand onto its view and timeline, once', async () => {
    await withWorker(noRunbook, async (_fakes, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      const problem = { id: 'problem-1', title: 'Pool exhaustion', workaround: 'restart the pool' };
      await handle.signal(problemLinkedSignal, problem);
      await handle.signal(problemLinkedSignal, problem);
      await env.sleep('10s');
      const view = await handle.query(incidentQuery);
      expect(view.problem).toEqual(problem);
      expect(view.timeline.filter((entry) => entry.text === 'known workaround: restart the pool')).toHaveLength(1);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      expect(draftReview(await handle.result()).problem).toEqual(problem);
    });
  });

  it('refuses to acknowledge or resolve a resolved incident with a conflict', async () => {
    // Deliveries that take real time keep the resolved workflow open while it tells people,
    // so the updates below reach the validator rather than a closed workflow.
    await withWorker(
      noRunbook,
      async (_fakes, taskQueue) => {
        const handle = await startIncident(uniqueAlert(), taskQueue);
        await env.sleep('1m');
        await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
        for (const update of [acknowledgeUpdate, resolveUpdate]) {
          const error = await handle.executeUpdate(update, { args: [{ by: 'bob', via: 'sms' }] }).then(
            () => undefined,
            (reason: unknown) => reason,
          );
          expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
          expect(((error as WorkflowUpdateFailedError).cause as { type?: string }).type).toBe(INCIDENT_CONFLICT_FAILURE);
        }
        await handle.result();
      },
      undefined,
      1500,
    );
  });

  it('applies an acknowledgement and a resolution that race one at a time, each caller told the state it produced', async () => {
    await withWorker(noRunbook, async (_fakes, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      const [resolved, acked] = await Promise.allSettled([
        handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] }),
        handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] }),
      ]);
      expect(resolved.status === 'fulfilled' && resolved.value.status).toBe('resolved');
      const final = await handle.result();
      if (acked.status === 'fulfilled') {
        // The acknowledgement went first: its caller saw it, and resolution followed.
        expect(acked.value.status).toBe('acknowledged');
        expect(final.timeline.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['acknowledged', 'resolved']));
      } else {
        // Resolution went first: the acknowledgement was refused, or found the workflow closed.
        expect(acked.reason).toBeInstanceOf(Error);
        expect(final.acknowledgedBy).toBeUndefined();
      }
      expect(final.status).toBe('resolved');
    });
  });

  it('applies two simultaneous acknowledgements one at a time; both callers see the first acknowledger', async () => {
    await withWorker(noRunbook, async (_fakes, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      const results = await Promise.all([
        handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'api' }] }),
        handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] }),
      ]);
      expect(results.map((view) => view.status)).toEqual(['acknowledged', 'acknowledged']);
      expect(results[0].acknowledgedBy).toBe(results[1].acknowledgedBy);
      const view = await handle.query(incidentQuery);
      expect(view.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });

  it('rejects an update that does not say who acted', async () => {
    await withWorker(noRunbook, async (_fakes, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await expect(handle.executeUpdate(acknowledgeUpdate, { args: [{ by: ' ', via: 'api' }] })).rejects.toThrow(WorkflowUpdateFailedError);
      expect((await handle.query(incidentQuery)).status).toBe('triggered');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });
});

describe('incident workflow: alerts', () => {
  it('joins repeats of the same dedup key to the open incident without paging again', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const alert = uniqueAlert();
      const first = await startIncident(alert, taskQueue);
      await env.sleep('30s');
      const repeat = { ...alert, id: randomUUID() };
      const second = await startIncident(repeat, taskQueue);
      // The same alert delivered again (a spool forwarder or a client retrying) counts once.
      await startIncident(repeat, taskQueue);
      await startIncident(alert, taskQueue);
      const third = await startIncident({ ...alert, id: randomUUID(), severity: 'critical' }, taskQueue);
      expect(second.signaledRunId).toBe(first.signaledRunId);
      expect(third.signaledRunId).toBe(first.signaledRunId);
      await env.sleep('1m');
      const view = await first.query(incidentQuery);
      expect(view.alertCount).toBe(3);
      expect(view.timeline.filter((entry) => entry.kind === 'repeat')).toHaveLength(1);
      expect(view.timeline.find((entry) => entry.kind === 'repeat')?.text).toContain('3 received');
      expect(pagesOf(sent)).toHaveLength(2); // level 1 only: alice by email and SMS
      await first.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await first.result();
    });
  });

  it('counts each alert of a batch of repeats once, including alerts it already counted', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const alert = uniqueAlert({ severity: 'warning' });
      const first = await startIncident(alert, taskQueue);
      const repeats = Array.from({ length: 5 }, () => ({ ...alert, id: randomUUID() }));
      const batch = [alert, ...repeats.slice(0, 3), { ...repeats[3], severity: 'critical' as const }, repeats[4]];
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, {
        workflowId: incidentWorkflowId(alert),
        taskQueue,
        args: [{ alert }],
        signal: alertBatchSignal,
        signalArgs: [batch],
      });
      // A batch that timed out in the API reaches the incident again, spooled one alert at a time.
      await startIncident(repeats[2], taskQueue);
      expect(handle.signaledRunId).toBe(first.signaledRunId);
      await env.sleep('1m');
      const view = await first.query(incidentQuery);
      expect(view.alertCount).toBe(6);
      expect(view.severity).toBe('critical');
      expect(pagesOf(sent)).toHaveLength(2);
      await first.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await first.result();
    });
  });

  it('hands an alert that lands after resolution, while notices still go out, to a new incident', async () => {
    await withWorker(
      noRunbook,
      async (_fakes, taskQueue) => {
        const alert = uniqueAlert();
        const first = await startIncident(alert, taskQueue);
        await env.sleep('1m'); // paged, so resolution notices take (real) time to send
        const resolved = await first.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
        const late = { ...alert, id: randomUUID(), summary: 'it is back' };
        const signalled = await startIncident(late, taskQueue);
        expect(signalled.signaledRunId).toBe(first.signaledRunId);
        await first.result().catch(() => undefined); // continued as new
        const latest = await env.client.workflow.getHandle(first.workflowId).describe();
        expect(latest.runId).not.toBe(first.signaledRunId);
        const next = await env.client.workflow.getHandle(first.workflowId, latest.runId).query(incidentQuery);
        expect(next.status).toBe('triggered');
        expect(next.summary).toBe('it is back');
        expect(next.id).not.toBe(resolved.id);
        expect(decodeIncidentId(next.id)).toEqual({ workflowId: first.workflowId, runId: latest.runId });
      },
      undefined,
      1500,
    );
  });

  it("notes a source's own resolution on the timeline and keeps the incident for a human", async () => {
    await withWorker(noRunbook, async (_fakes, taskQueue) => {
      const alert = uniqueAlert({ source: 'alertmanager' });
      const handle = await startIncident(alert, taskQueue);
      await handle.signal(sourceResolvedSignal, { ...alert, id: randomUUID() });
      const view = await handle.query(incidentQuery);
      expect(view.status).toBe('triggered');
      expect(view.timeline.at(-1)).toMatchObject({ kind: 'note', text: expect.stringContaining('alertmanager reports resolved') });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });

  it('opens a new incident for the same key once the last one is resolved', async () => {
    await withWorker(noRunbook, async (_fakes, taskQueue) => {
      const alert = uniqueAlert();
      const first = await startIncident(alert, taskQueue);
      const firstView = await first.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await first.result();
      const second = await startIncident({ ...alert, id: randomUUID() }, taskQueue);
      expect(second.signaledRunId).not.toBe(first.signaledRunId);
      const secondView = await env.client.workflow.getHandle(second.workflowId, second.signaledRunId).query(incidentQuery);
      expect(secondView.status).toBe('triggered');
      expect(secondView.alertCount).toBe(1);
      expect(secondView.id).not.toBe(firstView.id);
      expect(decodeIncidentId(secondView.id)).toEqual({ workflowId: second.workflowId, runId: second.signaledRunId });
      await second.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await second.result();
    });
  });
});

describe('incident workflow: storms of repeats', () => {
  it('hands over to a new run when its history grows long, keeping the incident, its count and its escalation timing', async () => {
    await withWorker(noRunbook, async ({ sent }, taskQueue) => {
      const alert = uniqueAlert();
      startedOn.set(taskQueue, [incidentWorkflowId(alert)]);
      const first = await env.client.workflow.signalWithStart(incidentWorkflow, {
        workflowId: incidentWorkflowId(alert),
        taskQueue,
        args: [{ alert, historyLimit: 80 }],
        signal: alertSignal,
        signalArgs: [alert],
      });
      await env.sleep('1m');
      const opened = await first.query(incidentQuery);
      const repeats = Array.from({ length: 150 }, () => ({ ...alert, id: randomUUID() }));
      for (const repeat of repeats) await first.signal(alertSignal, repeat);
      const latest = env.client.workflow.getHandle(first.workflowId);
      const description = await waitFor('the hand-over to a new run', async () => {
        const current = await latest.describe();
        return current.runId !== first.signaledRunId && current;
      });
      expect(description.historyLength).toBeLessThan(120);
      // A re-delivery of the last alert reaches the new run, which still knows its id.
      await latest.signal(alertSignal, repeats[repeats.length - 1]);
      const carried = await latest.query(incidentQuery);
      expect(carried.id).toBe(opened.id);
      expect(carried.alertCount).toBe(151);
      expect(carried.escalation.level).toBe(1);

      await env.sleep('5m'); // level 2 was due 300 s after level 1, across the hand-over
      const pages = pagesOf(sent);
      expect(pages.map((page) => `${page.request.responder.id}/${page.request.channel}`).sort()).toEqual(['alice/email', 'alice/sms', 'bob/sms']);
      const bobPage = pages.find((page) => page.request.responder.id === 'bob') as (typeof pages)[number];
      expect(Math.round((bobPage.atMs - pages[0].atMs) / 1000)).toBe(300);

      const acked = await latest.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'api' }] });
      expect(acked).toMatchObject({ id: opened.id, status: 'acknowledged', alertCount: 151 });
      await latest.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      const final = await latest.result();
      expect(final.status).toBe('resolved');
      expect(new Set(pagesOf(sent).map((page) => page.request.idempotencyKey)).size).toBe(pagesOf(sent).length);
    });
  });
});

describe("incident workflow: the source's own resolution", () => {
  const autoResolving: IncidentPlan = { policy: twoLevelPolicy, resolution: { autoResolve: true } };

  it('resolves once every alert of the incident is reported resolved, and tells everyone paged', async () => {
    await withWorker(autoResolving, async ({ sent }, taskQueue) => {
      const first = uniqueAlert({ source: 'alertmanager' });
      const handle = await startIncident(first, taskQueue);
      const second = { ...first, id: randomUUID(), dedupKey: `${first.dedupKey}-b`, summary: 'second alert of the group' };
      await handle.signal(alertSignal, second);
      await env.sleep('10s');
      await handle.signal(sourceResolvedSignal, { ...first, id: randomUUID() });
      const halfway = await handle.query(incidentQuery);
      expect(halfway.status).toBe('triggered');
      expect(halfway.alerts?.map((alert) => `${alert.summary}:${alert.status}`)).toEqual([`${first.summary}:resolved`, 'second alert of the group:firing']);
      expect(halfway.timeline.at(-1)?.text).toContain('1 of 2 alerts still firing');

      await handle.signal(sourceResolvedSignal, { ...second, id: randomUUID() });
      const final = await handle.result();
      expect(final).toMatchObject({ status: 'resolved', resolvedBy: 'source' });
      const told = sent.filter((entry) => entry.request.kind === 'resolved').map((entry) => `${entry.request.responder.id}/${entry.request.channel}`);
      expect(told.sort()).toEqual(['alice/email', 'alice/sms']);
    });
  });

  it('waits out the flap pause before runbook and page; an alert resolved meanwhile closes having paged nobody', async () => {
    const pausing: IncidentPlan = { policy: twoLevelPolicy, runbook: { id: 'http-health-restart', params: { url: 'http://x' }, stepTimeoutSeconds: 60 }, resolution: { autoResolve: false, flapPauseSeconds: 120 } };
    await withWorker(pausing, async ({ sent, stepsRun }, taskQueue) => {
      const alert = uniqueAlert();
      const handle = await startIncident(alert, taskQueue);
      await env.sleep('60s');
      expect(sent).toHaveLength(0);
      await handle.signal(sourceResolvedSignal, { ...alert, id: randomUUID() });
      const final = await handle.result();
      expect(final).toMatchObject({ status: 'resolved', resolvedBy: 'flap filter' });
      expect(final.timeline.at(-1)?.text).toContain('nobody was paged');
      expect(sent).toHaveLength(0);
      expect(stepsRun).toHaveLength(0);
    });
  });

  it('pages when the flap pause ends with the alert still firing', async () => {
    const pausing: IncidentPlan = { policy: twoLevelPolicy, resolution: { autoResolve: false, flapPauseSeconds: 120 } };
    await withWorker(pausing, async ({ sent }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      const startedAtMs = Date.parse((await handle.query(incidentQuery)).createdAt);
      await env.sleep('3m');
      const pages = pagesOf(sent);
      expect(pages.map((page) => `${page.request.responder.id}/${page.request.channel}`).sort()).toEqual(['alice/email', 'alice/sms']);
      expect(Math.round((pages[0].atMs - startedAtMs) / 1000)).toBe(120);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });
});

describe('incident workflow: planning', () => {
  it('uses the plan frozen into its start input, without the planning activity', async () => {
    await withWorker(noRunbook, async ({ sent, planned }, taskQueue) => {
      const alert = uniqueAlert();
      const frozen: IncidentPlan = { policy: { id: 'frozen', repeat: 0, levels: [{ targets: [carol], channels: ['email'], timeoutSeconds: 60 }] } };
      startedOn.set(taskQueue, [incidentWorkflowId(alert)]);
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, {
        workflowId: incidentWorkflowId(alert),
        taskQueue,
        args: [{ alert, plan: frozen }],
        signal: alertSignal,
        signalArgs: [alert],
      });
      await env.sleep('10s');
      expect(planned).toEqual([]);
      expect(pagesOf(sent).map((page) => `${page.request.responder.id}/${page.request.channel}`)).toEqual(['carol/email']);
      expect((await handle.query(incidentQuery)).escalation.policyId).toBe('frozen');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'carol', via: 'api' }] });
      await handle.result();
    });
  });
});

describe('incident workflow: runbooks', () => {
  const withRunbook: IncidentPlan = { policy: twoLevelPolicy, runbook: { id: 'http-health-restart', params: { url: 'http://x' }, stepTimeoutSeconds: 60 } };

  it('resolves itself when verify confirms recovery, paging nobody and telling level 1 by email', async () => {
    await withWorker(withRunbook, async ({ sent, stepsRun }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      const final = await handle.result();
      expect(stepsRun.map((step) => step.step)).toEqual(['diagnose', 'remediate', 'verify']);
      expect(stepsRun[1].findings).toEqual({ healthy: false });
      expect(final.status).toBe('resolved');
      expect(final.resolvedBy).toBe('runbook http-health-restart');
      expect(final.runbook?.steps.map((step) => `${step.step}:${step.ok}`)).toEqual(['diagnose:true', 'remediate:true', 'verify:true']);
      expect(pagesOf(sent)).toHaveLength(0);
      expect(sent.map((entry) => `${entry.request.kind}/${entry.request.responder.id}/${entry.request.channel}`)).toEqual(['auto-resolved/alice/email']);
      expect(sent[0].request.incident.runbookLines).toHaveLength(3);
    }, {
      diagnose: { ok: true, summary: 'unhealthy: 503', findings: { healthy: false } },
      verify: { ok: true, summary: 'recovered', findings: {} },
    });
  });

  it('escalates when a step reports failure, with the step results in the page', async () => {
    await withWorker(withRunbook, async ({ sent, stepsRun }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('1m');
      expect(stepsRun.map((step) => step.step)).toEqual(['diagnose', 'remediate']);
      const pages = pagesOf(sent);
      expect(pages).toHaveLength(2);
      expect(pages[0].request.incident.runbookLines.join('\n')).toContain('remediate: failed: restart command failed');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    }, { remediate: { ok: false, summary: 'restart command failed (1)', findings: {} } });
  });

  it('escalates when verify finds the service still down', async () => {
    await withWorker(withRunbook, async ({ sent }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('1m');
      const view = await handle.query(incidentQuery);
      expect(view.runbook?.steps.at(-1)).toMatchObject({ step: 'verify', ok: false });
      expect(pagesOf(sent)).toHaveLength(2);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    }, { verify: { ok: false, summary: 'still 503', findings: {} } });
  });

  it('escalates when a step keeps throwing after its retries', async () => {
    await withWorker(withRunbook, async ({ sent, stepsRun }, taskQueue) => {
      const handle = await startIncident(uniqueAlert(), taskQueue);
      await env.sleep('2m');
      expect(stepsRun.filter((step) => step.step === 'diagnose')).toHaveLength(3); // 3 attempts
      const view = await handle.query(incidentQuery);
      expect(view.runbook?.steps).toEqual([expect.objectContaining({ step: 'diagnose', ok: false, summary: expect.stringContaining('probe exploded') })]);
      expect(pagesOf(sent)).toHaveLength(2);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    }, { diagnose: new Error('probe exploded') });
  });
});

