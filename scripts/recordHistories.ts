/**
 * Records histories of the incident, heartbeat and problem workflows for the replay test (`test/workflows/replay.test.ts`).
 * Run it when a workflow change is released: `npx tsx scripts/recordHistories.ts <suffix> [name,...]`
 * (names limit it to those scenarios, e.g. the ones a release adds). Keep old files; replaying them
 * all against current code proves old running incidents still replay.
 */
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import proto from '@temporalio/proto';
import type { WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { IncidentWorkflowInput } from '../contracts/incident';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { IncidentPlan } from '../domain/incidentPlan';
import { incidentWorkflowId, type Alert } from '../domain/alert';
import { acknowledgeUpdate, assignRolesUpdate, alertSignal, incidentQuery, escalateUpdate, reassignUpdate, resolveUpdate, sourceResolvedSignal, statusUpdateUpdate } from '../contracts/incident';
import { incidentWorkflow } from '../workflows/incident';
import { makeAlert } from '../devkit/alerts';
import { alice, bob, carol, fakeWorkflowActivities, twoLevelPolicy } from '../devkit/fakeWorkflowActivities';
import { createTimeSkippingEnv, workflowBundle } from '../devkit/timeSkippingServer';
import { createProblemLinkingActivities } from '../activities/problemLinking';
import { createHeartbeatActivities } from '../activities/heartbeatIncidents';
import { heartbeatDedupKey, heartbeatSettingsOf, heartbeatWorkflowId } from '../domain/heartbeat';
import type { MaintenanceWindow } from '../domain/maintenance';
import { heartbeatWorkflow } from '../workflows/heartbeat';
import { heartbeatPingSignal, heartbeatQuery } from '../contracts/heartbeat';
import { problemWorkflowId } from '../domain/problem';
import { problemWorkflow } from '../workflows/problem';
import { closeProblemUpdate, linkIncidentSignal, recordAnalysisUpdate } from '../contracts/problem';
import { parseConfig } from '../domain/config';
import { WEBHOOK_EVENT_TYPES, webhookDeliveryWorkflowId } from '../domain/webhooks';
import type { PastIncident } from '../domain/recurrence';
import { parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import { RECORDING_PAYLOAD_KEYS } from '../devkit/recordingKeys';
import { chatPlatformsOf } from '../activities/chat';
import { createIncidentChatActivities } from '../activities/chat/incidentChat';
import { chatReviewCompletedSignal, chatRoomRequestSignal } from '../contracts/incidentChat';
import { incidentChatWorkflowId } from '../domain/chat/chatEvents';
import { recordingChatPlatform } from '../devkit/recordingChatPlatform';
import { createChatRecords } from '../platform/chatRecords';
import { openSqlStore } from '../platform/sqlStore';

const suffix = process.argv[2] ?? 'v1';
const only = process.argv[3]?.split(',');
const env = await createTimeSkippingEnv();
/** Client and worker encrypt payloads in recordings made with `encrypted` (the fixture key). */
const encryption = payloadEncryptionWith(parsePayloadKeys(RECORDING_PAYLOAD_KEYS));
let encryptedEnv: TestWorkflowEnvironment | undefined;

/** The recurrence policy of the recordings: the defaults (3 within 24h, reopened within 1h). */
const recordConfig = parseConfig(
  { services: {}, defaultEscalationPolicy: 'p', contacts: { alice: { name: 'Alice', email: 'alice@example.test' } }, escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } } },
  'recording config',
);
let earlierIncidents: PastIncident[] = [];
/** The chat side of the 'chat' scenario: a recording Slack, the rooms and cards in an in-memory store. */
const chatStore = await openSqlStore({});
const chatConfig = parseConfig(
  {
    ...recordConfig,
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test', chat: { slack: 'U0ALICE', direct: true } },
      bob: { name: 'Bob', email: 'bob@example.test', chat: { slack: 'U0BOB' } },
      carol: { name: 'Carol', email: 'carol@example.test', chat: { slack: 'U0CAROL' } },
    },
    chatChannels: { ops: { platform: 'slack', channel: 'C0OPS' } },
  },
  'recording chat config',
);

type StartIncident = () => Promise<WorkflowHandleWithSignaledRunId<typeof incidentWorkflow>>;

async function record(
  name: string,
  plan: IncidentPlan,
  scenario: (start: StartIncident, env: TestWorkflowEnvironment) => Promise<void>,
  planInInput = false,
  historyLimit?: number,
  dataConverter?: DataConverter,
  alertFields: Partial<Alert> = {},
  inputFields: Pick<IncidentWorkflowInput, 'openProblem'> = {},
) {
  if (only && !only.includes(name)) return;
  const recordEnv = dataConverter ? (encryptedEnv ??= await createTimeSkippingEnv({ dataConverter })) : env;
  await recordIn(recordEnv, name, plan, scenario, planInInput, historyLimit, dataConverter, alertFields, inputFields);
}

async function recordIn(
  env: TestWorkflowEnvironment,
  name: string,
  plan: IncidentPlan,
  scenario: (start: StartIncident, env: TestWorkflowEnvironment) => Promise<void>,
  planInInput: boolean,
  historyLimit: number | undefined,
  dataConverter: DataConverter | undefined,
  alertFields: Partial<Alert>,
  inputFields: Pick<IncidentWorkflowInput, 'openProblem'>,
) {
  const taskQueue = `record-${randomUUID()}`;
  const alert = makeAlert({ dedupKey: `record-${name}`, ...alertFields });
  const startIncident = () =>
    env.client.workflow.signalWithStart(incidentWorkflow, {
      workflowId: incidentWorkflowId(alert),
      taskQueue,
      args: [planInInput ? { alert, plan, historyLimit, ...inputFields } : { alert, historyLimit, ...inputFields }],
      signal: alertSignal,
      signalArgs: [alert],
    });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    ...(dataConverter ? { dataConverter } : {}),
    activities: {
      ...fakeWorkflowActivities({ plan, steps: { verify: { ok: true, summary: 'recovered', findings: {} } } }).activities,
      // Earlier incidents as a scenario sets them (the test server has no visibility to list them).
      ...createProblemLinkingActivities({ config: recordConfig, history: () => ({ incidentsSince: async () => earlierIncidents }) }),
      // Webhook deliveries (the 'webhooks' scenario) reach a receiver that takes everything.
      async deliverWebhookEvent() {
        return 'delivered (204)';
      },
      ...createIncidentChatActivities({ config: chatConfig, platforms: chatPlatformsOf([recordingChatPlatform('slack')]), records: createChatRecords(chatStore), publicUrl: 'https://vigil.example.test' }),
    },
  });
  let workflowId = '';
  await worker.runUntil(async () => {
    await scenario(async () => {
      const handle = await startIncident();
      workflowId = handle.workflowId;
      return handle;
    }, env);
  });
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const file = `test/histories/incident-${name}-${suffix}.json`;
  // protobufjs' own JSON form; the replay test reads it back with historyFromJSON.
  writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(history).toJSON(), null, 1));
  console.log(`wrote ${file}`);
}

await record('escalate-ack-resolve', { policy: twoLevelPolicy }, async (start) => {
  const handle = await start();
  await env.sleep('6m');
  await handle.signal(alertSignal, makeAlert({ dedupKey: 'record-escalate-ack-resolve' }));
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api', note: 'fixed' }] });
  await handle.result();
});

await record('runbook-auto-resolve', { policy: twoLevelPolicy, runbook: { id: 'http-health-restart', params: {}, stepTimeoutSeconds: 60 } }, async (start) => {
  const handle = await start();
  await handle.result();
});

await record('exhausted', { policy: twoLevelPolicy }, async (start) => {
  const handle = await start();
  await env.sleep('40m');
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.result();
});

// Since v2 the API freezes the plan into the start input.
await record('plan-in-input', { policy: twoLevelPolicy }, async (start) => {
  const handle = await start();
  await env.sleep('1m');
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.result();
}, true);

// Since v3 a long history hands over to a new run; this records that second run (carried input).
await record('storm-handover', { policy: twoLevelPolicy }, async (start) => {
  const handle = await start();
  await env.sleep('1m');
  for (let i = 0; i < 60; i++) await handle.signal(alertSignal, makeAlert({ dedupKey: 'record-storm-handover' }));
  const latest = env.client.workflow.getHandle(handle.workflowId);
  while ((await latest.describe()).runId === handle.signaledRunId) await new Promise((resolve) => setTimeout(resolve, 50));
  await env.sleep('6m');
  await latest.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await latest.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await latest.result();
}, true, 50);

// Since v4: flap pause, auto-resolve on the source's word, and incidents listing their alerts.
const resolving = (resolution: IncidentPlan['resolution']): IncidentPlan => ({ policy: twoLevelPolicy, resolution });

await record('flap-resolved', resolving({ autoResolve: false, flapPauseSeconds: 120 }), async (start) => {
  const handle = await start();
  await env.sleep('1m');
  await handle.signal(sourceResolvedSignal, makeAlert({ dedupKey: 'record-flap-resolved' }));
  await handle.result();
}, true);

await record('auto-resolve-group', resolving({ autoResolve: true }), async (start) => {
  const handle = await start();
  await handle.signal(alertSignal, makeAlert({ dedupKey: 'record-auto-resolve-group-b' }));
  await env.sleep('1m');
  await handle.signal(sourceResolvedSignal, makeAlert({ dedupKey: 'record-auto-resolve-group' }));
  await handle.signal(sourceResolvedSignal, makeAlert({ dedupKey: 'record-auto-resolve-group-b' }));
  await handle.result();
}, true);

// A storm during the flap pause hands over mid-pause; this records the run that resumes it.
await record('pause-handover', resolving({ autoResolve: false, flapPauseSeconds: 300 }), async (start) => {
  const handle = await start();
  for (let i = 0; i < 60; i++) await handle.signal(alertSignal, makeAlert({ dedupKey: 'record-pause-handover' }));
  const latest = env.client.workflow.getHandle(handle.workflowId);
  while ((await latest.describe()).runId === handle.signaledRunId) await new Promise((resolve) => setTimeout(resolve, 50));
  await env.sleep('6m');
  await latest.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await latest.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await latest.result();
}, true, 50);

// Since v5: targets resolved when a level fires, notification rules, urgency, ack timeout,
// manual escalate and reassign, and who hears of an exhausted policy.
const ruledAlice = { ...alice, rules: [{ channel: 'sms' as const, afterSeconds: 0 }, { channel: 'email' as const, afterSeconds: 60 }] };
const v5Policy: IncidentPlan['policy'] = {
  id: 'v5',
  repeat: 0,
  ackTimeoutSeconds: 600,
  onExhaustedRefs: ['user:carol'],
  levels: [
    { targets: [ruledAlice], channels: [], channelsFromRules: true, timeoutSeconds: 300 },
    { targets: [], channels: ['sms'], timeoutSeconds: 300, targetRefs: ['user:bob'] },
  ],
};

await record('rules-ack-timeout', { policy: v5Policy, lowUrgencySeverities: ['info'] }, async (start) => {
  const handle = await start();
  await env.sleep('2m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'sms' }] });
  await env.sleep('11m'); // the ack times out: escalated again
  await handle.executeUpdate(escalateUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await env.sleep('1m');
  await handle.executeUpdate(reassignUpdate, { args: [{ by: 'bob', via: 'api', to: { responder: carol } }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'carol', via: 'api' }] });
  await handle.result();
}, true);

await record('exhausted-notify', { policy: v5Policy, lowUrgencySeverities: ['warning', 'info'] }, async (start) => {
  const handle = await start();
  await env.sleep('11m');
  await handle.executeUpdate(reassignUpdate, { args: [{ by: 'carol', via: 'api', to: { policy: { ...twoLevelPolicy, id: 'other' } } }] });
  await env.sleep('1m');
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.result();
}, true);

// Since v6: the communication plan (stakeholders told, status updates, cadence reminders).
await record('communication-plan', { policy: twoLevelPolicy, communication: { stakeholders: [carol], updateEverySeconds: { critical: 1800, error: 1800, warning: 1800, info: 1800 } } }, async (start) => {
  const handle = await start();
  await env.sleep('6m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await env.sleep('40m');
  await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'bob', via: 'api', text: 'restarting the pool' }] });
  await env.sleep('40m');
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await handle.result();
}, true);

// Since v7: low-urgency pages wait for business hours (here: opening an hour from now, UTC).
const openAt = Math.floor(((await env.currentTimeMs()) % 86_400_000) / 60_000 + 60) % 1440;
const everyDay = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as Array<'monday'>;
await record('business-hours', { policy: twoLevelPolicy, lowUrgencySeverities: ['critical', 'error', 'warning', 'info'], businessHours: { timeZone: 'UTC', windows: [{ days: everyDay, fromMinutes: openAt, toMinutes: (openAt + 120) % 1440 || 1440 }] } }, async (start) => {
  const handle = await start();
  await env.sleep('70m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'sms' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.result();
}, true);

// Since v9: KPI search attributes (opened, first acknowledged, resolved, resolver kind, pages).
await record('kpi-reack', { policy: twoLevelPolicy }, async (start) => {
  const handle = await start();
  await env.sleep('6m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await handle.executeUpdate(escalateUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await env.sleep('1m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.result();
}, true);

await record('kpi-runbook', { policy: twoLevelPolicy, runbook: { id: 'http-health-restart', params: {}, stepTimeoutSeconds: 60 } }, async (start) => {
  const handle = await start();
  await handle.result();
}, true);

/** A third incident of its fingerprint within the window (two earlier ones), so it opens a problem; acknowledged, then resolved. */
async function recurringIncident(start: StartIncident): Promise<void> {
  const nowMs = await env.currentTimeMs();
  earlierIncidents = [
    { id: 'earlier-1', openedAtMs: nowMs - 5 * 3600_000, resolvedAtMs: nowMs - 4 * 3600_000 },
    { id: 'earlier-2', openedAtMs: nowMs - 2 * 3600_000, resolvedAtMs: nowMs - 3600_000 * 1.5 },
  ];
  const handle = await start();
  await env.sleep('6m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await handle.result();
  earlierIncidents = [];
}

// Since v16 (#17): the API saw no open problem, so the first page goes at once and the incident
// is linked beside it (here it recurs and opens a problem).
await record('problem-beside-page', { policy: twoLevelPolicy }, recurringIncident, true, undefined, undefined, {}, { openProblem: false });

// Since v8: a new incident checks for recurrence and joins its problem before the first page.
await record('problem-link', { policy: twoLevelPolicy }, recurringIncident, true);

// Since v10 payloads may be encrypted: an escalation through both levels, its plan (contact phone
// numbers and emails) in the start input, recorded with the fixture key.
await record('encrypted-escalate-ack-resolve', { policy: twoLevelPolicy }, async (start, encrypted) => {
  const handle = await start();
  await encrypted.sleep('6m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api', note: 'fixed' }] });
  await handle.result();
}, true, undefined, encryption.dataConverter);

// Since v14: an incident declared by hand with a commander (#15.5), its roles assigned and changed
// by update (#15.6), and the cadence reminding the commander instead of the holder.
await record('declared-roles-cadence', { policy: twoLevelPolicy, commander: carol, communication: { stakeholders: [carol], updateEverySeconds: { critical: 1800, error: 1800, warning: 1800, info: 1800 } } }, async (start) => {
  const handle = await start();
  await env.sleep('6m');
  await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'carol', via: 'api', roles: { communicationsLead: alice, scribe: bob, responders: [alice, bob] } }] });
  await env.sleep('31m'); // a reminder, to the commander Carol
  await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'carol', via: 'sms', roles: { commander: alice, scribe: null } }] });
  await env.sleep('31m'); // a reminder, to the commander Alice
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'alice', via: 'api', text: 'rolled back' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
  await handle.result();
}, true, undefined, undefined, { source: 'declared', declared: { by: 'carol', via: 'api', page: true, commander: 'carol' } });

// The same incident's roles and commander carried across continue-as-new; this records the second run.
await record('roles-handover', { policy: twoLevelPolicy, communication: { stakeholders: [], updateEverySeconds: { critical: 1800, error: 1800, warning: 1800, info: 1800 } } }, async (start) => {
  const handle = await start();
  await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'alice', via: 'api', roles: { commander: carol, responders: [alice] } }] });
  for (let i = 0; i < 60; i++) await handle.signal(alertSignal, makeAlert({ dedupKey: 'record-roles-handover' }));
  const latest = env.client.workflow.getHandle(handle.workflowId);
  while ((await latest.describe()).runId === handle.signaledRunId) await new Promise((resolve) => setTimeout(resolve, 50));
  await env.sleep('31m'); // a reminder, to the carried commander
  await latest.executeUpdate(assignRolesUpdate, { args: [{ by: 'carol', via: 'api', roles: { scribe: bob } }] });
  await latest.executeUpdate(resolveUpdate, { args: [{ by: 'carol', via: 'api' }] });
  await latest.result();
}, true, 50);

// Since v11: a heartbeat that misses its deadline (one incident opened), is pinged again (the
// incident resolved) and continues as new; both runs are kept, the second starting from carried state.
// Since v14 (#15.3): incident events go to webhook endpoints, each by a delivery workflow of its own.
await record('webhooks', { policy: twoLevelPolicy, webhooks: [{ endpoint: 'bridge', events: [...WEBHOOK_EVENT_TYPES] }] }, async (start, recordEnv) => {
  const handle = await start();
  await recordEnv.sleep('6m'); // level 2 fires: escalated
  await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'bob', via: 'api', text: 'rolling back' }] });
  await handle.executeUpdate(escalateUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'sms' }] });
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api', note: 'rolled back' }] });
  await handle.result();
  // The delivery workflow of the opening event, recorded beside the incident's.
  const delivery = recordEnv.client.workflow.getHandle(webhookDeliveryWorkflowId(handle.signaledRunId, 0));
  await delivery.result();
  const file = `test/histories/webhookDelivery-opened-${suffix}.json`;
  writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(await delivery.fetchHistory()).toJSON(), null, 1));
  console.log(`wrote ${file}`);
});

// Since v16 (decision 73): the dashboard row's facts in the memo, upserted as they change
// (paged, next level, a status update with an ETA, acknowledged), then carried across a hand-over.
await record('dashboard-row', { policy: twoLevelPolicy }, async (start) => {
  const handle = await start();
  await env.sleep('6m');
  await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'bob', via: 'api', text: 'rolling back', eta: '2031-01-02T03:04:00.000Z' }] });
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
  for (let i = 0; i < 60; i++) await handle.signal(alertSignal, makeAlert({ dedupKey: 'record-dashboard-row' }));
  const latest = env.client.workflow.getHandle(handle.workflowId);
  while ((await latest.describe()).runId === handle.signaledRunId) await new Promise((resolve) => setTimeout(resolve, 50));
  // After the new run's first task: the test server leaves out the events of a task that takes an update at once.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await latest.executeUpdate(escalateUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await latest.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
  await latest.result();
}, true, 50);

// Since v15 (#16): an incident with a chat side (cards, a room per incident), told by its own workflow.
await record(
  'chat',
  {
    policy: twoLevelPolicy,
    chat: { levelChannels: [['ops'], []], direct: true, room: { platform: 'slack', open: 'incident', invite: ['responders', 'commander'], archiveAfterSeconds: 3600 } },
  },
  async (start, recordEnv) => {
    const handle = await start();
    await recordEnv.sleep('6m'); // level 2 fires: escalated
    await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'alice', via: 'slack', roles: { commander: carol } }] });
    await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'carol', via: 'slack', text: 'rolling back' }] });
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'slack' }] });
    await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'slack', note: 'rolled back' }] });
    await handle.result();
    const chat = recordEnv.client.workflow.getHandle(incidentChatWorkflowId(handle.signaledRunId));
    await chat.signal(chatReviewCompletedSignal);
    await chat.result();
    const file = `test/histories/incidentChat-room-${suffix}.json`;
    writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(await chat.fetchHistory()).toJSON(), null, 1));
    console.log(`wrote ${file}`);
  },
  true,
);

// Since v17 (#16): a room opened on request, by the card's button or `/vigil room`: cards offer the
// button until it opens, then drop it; the room is shown in visibility.
await record(
  'chat-room-request',
  {
    policy: twoLevelPolicy,
    chat: { levelChannels: [['ops'], []], direct: true, room: { platform: 'slack', open: 'request', invite: ['responders', 'commander'], archiveAfterSeconds: 3600 } },
  },
  async (start, recordEnv) => {
    const handle = await start();
    const chat = recordEnv.client.workflow.getHandle(incidentChatWorkflowId(handle.signaledRunId));
    await recordEnv.sleep('1m');
    await chat.signal(chatRoomRequestSignal);
    await recordEnv.sleep('1m');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'slack' }] });
    await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'slack' }] });
    await handle.result();
    await chat.signal(chatReviewCompletedSignal);
    await chat.result();
    const file = `test/histories/incidentChat-room-request-${suffix}.json`;
    writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(await chat.fetchHistory()).toJSON(), null, 1));
    console.log(`wrote ${file}`);
  },
  true,
);

async function recordHeartbeat(name: string): Promise<void> {
  if (only && !only.includes(name)) return;
  const taskQueue = `record-${randomUUID()}`;
  const config = parseConfig(
    { ...recordConfig, services: { storage: { escalationPolicy: 'p' } }, heartbeats: { 'nightly-backup': { service: 'storage', interval: '24h', grace: '1h', tokenEnv: 'HEARTBEAT_TOKEN' } } },
    'recording config',
  );
  const settings = heartbeatSettingsOf('nightly-backup', config.heartbeats['nightly-backup']);
  const plan: IncidentPlan = { policy: twoLevelPolicy };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...fakeWorkflowActivities({ plan }).activities, ...createHeartbeatActivities({ config, plan: () => plan, client: () => env.client }) },
  });
  const workflowId = `${heartbeatWorkflowId('nightly-backup')}-${name}`;
  const incident = env.client.workflow.getHandle(incidentWorkflowId({ service: 'storage', dedupKey: heartbeatDedupKey('nightly-backup') }));
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  let firstRunId = '';
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(heartbeatWorkflow, { workflowId, taskQueue, args: [{ settings, historyLimit: 40 }] });
    firstRunId = handle.firstExecutionRunId;
    await env.sleep('26h');
    while ((await incident.query(incidentQuery).catch(() => undefined))?.status !== 'triggered') await pause();
    for (let ping = 1; ; ping++) {
      await handle.signal(heartbeatPingSignal, { settings });
      while ((await handle.query(heartbeatQuery)).pings < ping) await pause();
      if ((await handle.describe()).runId !== firstRunId) break;
      await env.sleep('20h');
    }
    while ((await incident.query(incidentQuery)).status !== 'resolved') await pause();
    await handle.signal(heartbeatPingSignal, {});
    await env.sleep('1h');
  });
  const latest = await env.client.workflow.getHandle(workflowId).describe();
  for (const [run, runId] of [['first', firstRunId], ['carried', latest.runId]]) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = `test/histories/heartbeat-${name}-${run}-${suffix}.json`;
    writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(history).toJSON(), null, 1));
    console.log(`wrote ${file}`);
  }
  await env.client.workflow.getHandle(workflowId).terminate('recorded');
}
await recordHeartbeat('miss-resolve-handover');

// Since v13: a miss a maintenance window covers (no page), paged when the window ends with the job
// still silent, resolved by a ping; then a second covered miss that a ping ends quietly.
async function recordHeartbeatInMaintenance(name: string): Promise<void> {
  if (only && !only.includes(name)) return;
  const taskQueue = `record-${randomUUID()}`;
  const config = parseConfig(
    { ...recordConfig, services: { storage: { escalationPolicy: 'p' } }, heartbeats: { 'nightly-backup': { service: 'storage', interval: '24h', grace: '1h', tokenEnv: 'HEARTBEAT_TOKEN' } } },
    'recording config',
  );
  const settings = heartbeatSettingsOf('nightly-backup', config.heartbeats['nightly-backup']);
  const plan: IncidentPlan = { policy: twoLevelPolicy };
  let windows: MaintenanceWindow[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...fakeWorkflowActivities({ plan }).activities, ...createHeartbeatActivities({ config, plan: () => plan, client: () => env.client, maintenance: { current: async () => windows } }) },
  });
  const workflowId = `${heartbeatWorkflowId('nightly-backup')}-${name}`;
  const incident = env.client.workflow.getHandle(incidentWorkflowId({ service: 'storage', dedupKey: heartbeatDedupKey('nightly-backup') }));
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(heartbeatWorkflow, { workflowId, taskQueue, args: [{ settings }] });
    const since = Date.parse((await handle.query(heartbeatQuery)).watchingSince);
    const at = (hours: number) => new Date(since + hours * 3600_000).toISOString();
    const window = (start: number, end: number): MaintenanceWindow => ({ id: `w-${start}`, service: 'storage', matchers: {}, startsAt: at(start), endsAt: at(end), reason: 'migration', createdBy: 'ops', createdAt: at(0) });
    windows = [window(20, 30)];
    await env.sleep('26h');
    while ((await handle.query(heartbeatQuery)).maintenanceUntil === undefined) await pause();
    await env.sleep('5h');
    while ((await incident.query(incidentQuery).catch(() => undefined))?.status !== 'triggered') await pause();
    await handle.signal(heartbeatPingSignal, { settings });
    while ((await incident.query(incidentQuery)).status !== 'resolved') await pause();
    const next = (Date.parse((await handle.query(heartbeatQuery)).nextDeadlineAt) - since) / 3600_000;
    windows = [window(next - 2, next + 10)];
    await env.sleep('27h');
    while ((await handle.query(heartbeatQuery)).maintenanceUntil === undefined) await pause();
    await handle.signal(heartbeatPingSignal, {});
    while ((await handle.query(heartbeatQuery)).state !== 'ok') await pause();
    await env.sleep('1h');
  });
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const file = `test/histories/heartbeat-${name}-${suffix}.json`;
  writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(history).toJSON(), null, 1));
  console.log(`wrote ${file}`);
  await env.client.workflow.getHandle(workflowId).terminate('recorded');
}
await recordHeartbeatInMaintenance('maintenance-quiet-ping');

// Since v12: problems. One opened by a recurrence, joined by a later incident, analysed and closed;
// and one whose history grows past its limit and continues as new (both runs kept).
/** `links` more incidents join after the analysis; with `historyLimit`, more until the run continues as new. */
async function recordProblem(name: string, historyLimit: number | undefined, links: number): Promise<void> {
  if (only && !only.includes(name)) return;
  const taskQueue = `record-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: {} });
  const workflowId = problemWorkflowId(`checkout/record-problem-${name}`);
  const linked = (n: number) => ({ incidentId: `incident-${n}`, code: `INC-${n}`, service: 'checkout', summary: 'checkout 5xx', openedAt: new Date(Date.UTC(2026, 0, 1, n % 24)).toISOString() });
  let firstRunId = '';
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.signalWithStart(problemWorkflow, {
      workflowId,
      taskQueue,
      args: [{ key: `checkout/record-problem-${name}`, title: 'checkout 5xx', service: 'checkout', reason: 'recurred 3 times within 24h', openedBy: 'recurrence', incidents: [linked(1), linked(2)], ...(historyLimit ? { historyLimit } : {}) }],
      signal: linkIncidentSignal,
      signalArgs: [linked(3)],
    });
    firstRunId = handle.signaledRunId;
    const latest = env.client.workflow.getHandle(workflowId);
    await env.sleep('1h');
    await latest.executeUpdate(recordAnalysisUpdate, { args: [{ by: 'carol', workaround: 'restart the pool' }] });
    // Queries while a run hands over can hang on the time-skipping server: each link is given
    // real time to land instead of being confirmed by a query.
    const link = async (n: number) => {
      await latest.signal(linkIncidentSignal, linked(n));
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    let n = 4;
    for (; n < 4 + links; n++) await link(n);
    // With a limit: link until the run hands over (bounded), then once more in the new run.
    if (historyLimit) {
      for (; n < 100 && (await latest.describe()).runId === firstRunId; n++) await link(n);
      await link(n);
    }
    await env.sleep('2h');
    await latest.executeUpdate(recordAnalysisUpdate, { args: [{ by: 'carol', rootCause: 'pool exhausted', correctiveActions: [{ action: 'raise the pool size', owner: 'carol', due: '2026-02-01' }] }] });
    await latest.executeUpdate(closeProblemUpdate, { args: [{ by: 'carol', note: 'fixed' }] });
    await latest.result();
  });
  const latestRunId = (await env.client.workflow.getHandle(workflowId).describe()).runId;
  const runs: Array<[string, string]> = historyLimit ? [['first', firstRunId], ['carried', latestRunId]] : [['', latestRunId]];
  for (const [run, runId] of runs) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = `test/histories/problem-${name}${run ? `-${run}` : ''}-${suffix}.json`;
    writeFileSync(file, JSON.stringify(proto.temporal.api.history.v1.History.fromObject(history).toJSON(), null, 1));
    console.log(`wrote ${file}`);
  }
}
await recordProblem('link-analyse-close', undefined, 2);
await recordProblem('handover', 30, 2);

await env.teardown();
await encryptedEnv?.teardown();
await chatStore.close();
