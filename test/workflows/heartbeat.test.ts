/**
 * Heartbeats on the time-skipping test server: a job that stops pinging opens one incident (by the
 * real signal-with-start of the incident workflow), its next ping resolves it, pings on time never
 * open one, and a run that continues as new keeps what it knew.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createHeartbeatActivities, type HeartbeatActivityDeps } from '../../activities/heartbeatIncidents';
import type { MaintenanceWindow } from '../../domain/maintenance';
import type { IncidentPlan } from '../../domain/incidentPlan';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig, type VigilConfig } from '../../domain/config';
import { heartbeatDedupKey, heartbeatSettingsOf, heartbeatWorkflowId, type HeartbeatView } from '../../domain/heartbeat';
import type { IncidentView } from '../../domain/incident';
import { createTemporalHeartbeatGateway } from '../../api/gateways/temporalHeartbeatGateway';
import { incidentQuery } from '../../contracts/incident';
import { heartbeatWorkflow } from '../../workflows/heartbeat';
import { heartbeatPingSignal, heartbeatQuery } from '../../contracts/heartbeat';
import { fakeWorkflowActivities, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;

/**
 * Each test gets its own time-skipping server. On a shared one, a workflow of an earlier test can
 * hold time still for good: the server keeps an activity its stopping worker dropped as started,
 * even once the workflow is terminated, and it skips no time while one is (seen under CI load).
 */
function onItsOwnServer(name: string, test: () => Promise<void>): void {
  describe('on a server of its own', () => {
    useTimeSkippingEnv((created) => (env = created));
    it(name, test, 120_000);
  });
}

function configWith(heartbeatId: string, interval = '24h', grace = '1h'): VigilConfig {
  return parseConfig(
    {
      services: { storage: { escalationPolicy: 'p' } },
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
      heartbeats: { [heartbeatId]: { service: 'storage', interval, grace, tokenEnv: 'HEARTBEAT_TOKEN', summary: 'nightly backup did not run' } },
    },
    'test config',
  );
}

const plan: IncidentPlan = { policy: twoLevelPolicy };

/** A worker running heartbeats and the real incident workflow (fake notifications) on one queue. */
async function heartbeatWorker(config: VigilConfig, maintenance?: HeartbeatActivityDeps['maintenance']) {
  const taskQueue = `heartbeat-${randomUUID()}`;
  const fakes = fakeWorkflowActivities({ plan });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...fakes.activities, ...createHeartbeatActivities({ config, plan: () => plan, client: () => env.client, maintenance }) },
  });
  const gateway = createTemporalHeartbeatGateway({ client: env.client, taskQueue });
  return { worker, gateway, taskQueue };
}

const incidentIdOf = (heartbeatId: string) => incidentWorkflowId({ service: 'storage', dedupKey: heartbeatDedupKey(heartbeatId) });

/** The run of the heartbeat incident opened so far, if any (the test server lists none: describe it). */
async function incidentRuns(heartbeatId: string): Promise<string[]> {
  try {
    const first = await env.client.workflow.getHandle(incidentIdOf(heartbeatId)).describe();
    return [first.runId];
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return [];
    throw error;
  }
}

async function incident(heartbeatId: string): Promise<IncidentView> {
  return env.client.workflow.getHandle(incidentIdOf(heartbeatId)).query(incidentQuery);
}

async function heartbeat(heartbeatId: string): Promise<HeartbeatView> {
  return env.client.workflow.getHandle(heartbeatWorkflowId(heartbeatId)).query(heartbeatQuery);
}

/**
 * Waits until the workflow has no activity or task in flight and its history has stopped growing.
 * The time-skipping test server loses a signal that arrives while a run hands over (it fails the
 * task as an unhandled command, yet carries out the continue-as-new of the failed attempt); the real
 * server redelivers it. Pings sent one at a time at rest keep this test about Vigil, not that bug.
 */
async function atRest(workflowId: string): Promise<void> {
  let lastLength = -1;
  await until(
    async () => {
      const { historyLength, raw } = await env.client.workflow.getHandle(workflowId).describe();
      const quiet = (raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask && historyLength === lastLength;
      lastLength = historyLength;
      return quiet;
    },
    (quiet) => quiet,
  );
}

/** Waits (real time, so the server skips none) until the check holds; bounded. */
async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && holds(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition never held');
}

describe('heartbeat workflow', () => {
  onItsOwnServer('opens one incident when no ping comes within interval + grace, and the next ping resolves it', async () => {
    const id = `backup-${randomUUID().slice(0, 8)}`;
    const config = configWith(id);
    const settings = heartbeatSettingsOf(id, config.heartbeats[id]);
    const { worker, gateway } = await heartbeatWorker(config);
    await worker.runUntil(async () => {
      await gateway.ensureWatching(settings);
      // Started twice (a second API replica): still one workflow.
      await gateway.ensureWatching(settings);
      await env.sleep('24h');
      expect(await incidentRuns(id)).toEqual([]);
      expect((await heartbeat(id)).state).toBe('ok');
      await env.sleep('90m');
      const opened = await until(() => incident(id), (view) => view.status === 'triggered');
      expect(opened).toMatchObject({ service: 'storage', summary: 'nightly backup did not run', alertCount: 1 });
      expect((await heartbeat(id)).state).toBe('late');
      const runs = await incidentRuns(id);

      // Still missing for days: the same incident, not a new page per interval.
      await env.sleep('72h');
      expect(await incidentRuns(id)).toEqual(runs);
      expect((await incident(id)).alertCount).toBe(1);

      await gateway.ping(settings);
      const resolved = await until(() => incident(id), (view) => view.status === 'resolved');
      expect(resolved.resolvedBy).toBe(`heartbeat ${id} (heartbeat)`);
      expect(resolved.timeline.map((entry) => entry.text)).toContain(`heartbeat reports resolved: heartbeat ${id} pinged again`);
      const after = await until(() => heartbeat(id), (view) => view.state === 'ok');
      expect(after.pings).toBe(1);
      expect(Date.parse(after.nextDeadlineAt) - Date.parse(after.lastPingAt ?? '')).toBe(25 * 3600 * 1000);
    });
  });

  onItsOwnServer('never opens an incident while pings come on time (the first ping starts the workflow)', async () => {
    const id = `hourly-${randomUUID().slice(0, 8)}`;
    const config = configWith(id, '1h', '10m');
    const settings = heartbeatSettingsOf(id, config.heartbeats[id]);
    const { worker, gateway } = await heartbeatWorker(config);
    await worker.runUntil(async () => {
      for (let run = 0; run < 12; run++) {
        await gateway.ping(settings);
        await until(() => heartbeat(id), (view) => view.pings === run + 1);
        await env.sleep('65m');
      }
      expect(await incidentRuns(id)).toEqual([]);
      expect(await heartbeat(id)).toMatchObject({ state: 'ok', pings: 12 });
    });
  });

  onItsOwnServer('continues as new before its history grows, keeping pings, last ping and a late state', async () => {
    const id = `often-${randomUUID().slice(0, 8)}`;
    const config = configWith(id, '1m', '30s');
    const settings = heartbeatSettingsOf(id, config.heartbeats[id]);
    const { worker, taskQueue } = await heartbeatWorker(config);
    const workflowId = heartbeatWorkflowId(id);
    await worker.runUntil(async () => {
      const started = await env.client.workflow.start(heartbeatWorkflow, { workflowId, taskQueue, args: [{ settings, historyLimit: 40 }] });
      for (let ping = 1; ping <= 30; ping++) {
        await started.signal(heartbeatPingSignal, {});
        await until(() => heartbeat(id), (view) => view.pings === ping);
        await atRest(workflowId);
      }
      const current = await env.client.workflow.getHandle(workflowId).describe();
      expect(current.runId).not.toBe(started.firstExecutionRunId);
      expect(current.historyLength).toBeLessThan(60);
      const carried = await heartbeat(id);
      expect(carried).toMatchObject({ pings: 30, state: 'ok' });
      expect(Date.parse(carried.watchingSince)).toBeLessThan(Date.parse(carried.lastPingAt ?? ''));

      // Late, through several hand-overs: still the one incident; a ping in a later run resolves it.
      await env.sleep('2m');
      await until(() => incident(id), (view) => view.status === 'triggered');
      const lateRun = (await env.client.workflow.getHandle(workflowId).describe()).runId;
      await env.sleep('1h');
      const laterRun = (await env.client.workflow.getHandle(workflowId).describe()).runId;
      expect(laterRun).not.toBe(lateRun);
      expect(await heartbeat(id)).toMatchObject({ state: 'late', pings: 30 });
      expect((await incident(id)).alertCount).toBe(1);
      await env.client.workflow.getHandle(workflowId).signal(heartbeatPingSignal, {});
      await until(() => incident(id), (view) => view.status === 'resolved');
      expect(await until(() => heartbeat(id), (view) => view.state === 'ok')).toMatchObject({ pings: 31 });
    });
  });

  onItsOwnServer('pages nobody for a miss a maintenance window covers; pages when it ends if the job is still silent', async () => {
    const id = `maint-${randomUUID().slice(0, 8)}`;
    const config = configWith(id);
    const settings = heartbeatSettingsOf(id, config.heartbeats[id]);
    let windows: MaintenanceWindow[] = [];
    const { worker, gateway } = await heartbeatWorker(config, { current: async () => windows });
    await worker.runUntil(async () => {
      await gateway.ensureWatching(settings);
      const since = Date.parse((await until(() => heartbeat(id), () => true)).watchingSince);
      const at = (hours: number) => new Date(since + hours * 3600_000).toISOString();
      const window = (startHours: number, endHours: number): MaintenanceWindow => ({
        id: `w-${startHours}`, service: 'storage', matchers: {}, startsAt: at(startHours), endsAt: at(endHours), reason: 'storage migration', createdBy: 'ops', createdAt: at(0),
      });
      // The deadline (25 h) falls in the window: late, but nobody is paged while it lasts.
      windows = [window(20, 30)];
      await env.sleep('26h');
      expect(await until(() => heartbeat(id), (view) => view.state === 'late')).toMatchObject({ maintenanceUntil: at(30) });
      await env.sleep('2h');
      expect(await incidentRuns(id)).toEqual([]);
      // The window is over and the job still silent: the incident opens then.
      await env.sleep('3h');
      await until(() => incident(id), (view) => view.status === 'triggered');
      expect((await heartbeat(id)).maintenanceUntil).toBeUndefined();
      await gateway.ping(settings);
      await until(() => incident(id), (view) => view.status === 'resolved');
      const runs = await incidentRuns(id);
      const alerts = (await incident(id)).alertCount;

      // A late job that pings while the window still covers it ends the miss quietly: no page at all.
      const pinged = await until(() => heartbeat(id), (view) => view.state === 'ok');
      const nextDeadline = (Date.parse(pinged.nextDeadlineAt) - since) / 3600_000;
      windows = [window(nextDeadline - 2, nextDeadline + 10)];
      await env.sleep('27h');
      expect(await until(() => heartbeat(id), (view) => view.state === 'late')).toMatchObject({ maintenanceUntil: at(nextDeadline + 10) });
      await gateway.ping(settings);
      const quiet = await until(() => heartbeat(id), (view) => view.state === 'ok');
      expect(quiet.maintenanceUntil).toBeUndefined();
      await env.sleep('12h');
      expect(await incidentRuns(id)).toEqual(runs);
      expect(await incident(id)).toMatchObject({ status: 'resolved', alertCount: alerts });
    });
  });

  onItsOwnServer('takes a changed interval from a ping, and stops quietly at its deadline once removed from the config', async () => {
    const id = `retired-${randomUUID().slice(0, 8)}`;
    const config = configWith(id, '1h', '0s');
    const settings = heartbeatSettingsOf(id, config.heartbeats[id]);
    const { worker, gateway } = await heartbeatWorker(config);
    await worker.runUntil(async () => {
      await gateway.ping({ ...settings, intervalSeconds: 6 * 3600 });
      await until(() => heartbeat(id), (view) => view.pings === 1);
      expect((await heartbeat(id)).intervalSeconds).toBe(6 * 3600);
      await env.sleep('2h');
      expect(await incidentRuns(id)).toEqual([]);

      delete (config.heartbeats as Record<string, unknown>)[id];
      await env.sleep('5h');
      const outcome = await env.client.workflow.getHandle(heartbeatWorkflowId(id)).result();
      expect(outcome).toMatchObject({ retired: true });
      expect(await incidentRuns(id)).toEqual([]);
    });
  });
});
