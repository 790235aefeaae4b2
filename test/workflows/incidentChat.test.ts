/**
 * The chat side of an incident on the time-skipping server: the real incident workflow tells the
 * real chat workflow, whose real activities reach a recording platform and the SQL store. The
 * platform adapters are tested by their own files against fakes of the real APIs.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPlatformsOf } from '../../activities/chat';
import { createIncidentChatActivities } from '../../activities/chat/incidentChat';
import { acknowledgeUpdate, alertSignal, assignRolesUpdate, resolveUpdate, statusUpdateUpdate } from '../../contracts/incident';
import { chatReviewCompletedSignal, chatRoomQuery, chatRoomRequestSignal } from '../../contracts/incidentChat';
import { incidentWorkflowId, type Alert } from '../../domain/alert';
import { incidentChatWorkflowId } from '../../domain/chat/chatEvents';
import { planChat } from '../../domain/chat/chatPlan';
import { parseConfig } from '../../domain/config';
import type { IncidentPlan } from '../../domain/incidentPlan';
import { makeAlert } from '../../devkit/alerts';
import { carol, fakeWorkflowActivities, pagesOf, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { recordingChatPlatform, type RecordedChatCall, type RecordingChatPlatform } from '../../devkit/recordingChatPlatform';
import { waitFor } from '../../devkit/waitFor';
import { createChatRecords } from '../../platform/chatRecords';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { incidentWorkflow } from '../../workflows/incident';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));
let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
});
afterAll(() => store.close());

/** Alice and Bob as the two-level policy pages them, Carol to command; a level-1 team channel; a Slack room per incident. */
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'two-level' } },
    defaultEscalationPolicy: 'two-level',
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test', chat: { slack: 'U0ALICE', direct: true } },
      bob: { name: 'Bob', email: 'bob@example.test', chat: { slack: 'U0BOB' } },
      carol: { name: 'Carol', email: 'carol@example.test', chat: { slack: 'U0CAROL' } },
    },
    escalationPolicies: { 'two-level': { levels: [{ notify: ['alice'], timeout: '5m', chat: ['ops-slack'] }, { notify: ['bob'], timeout: '10m' }] } },
    chatChannels: { 'ops-slack': { platform: 'slack', channel: 'C0OPS' } },
    incidentRooms: [{ platform: 'slack', archiveAfter: '1d' }],
  },
  'chat test config',
);

async function withWorker<T>(
  alert: Alert,
  body: (context: { taskQueue: string; calls: RecordedChatCall[]; sentPages: () => number; firstPageAtMs: () => number | undefined; slack: RecordingChatPlatform }) => Promise<T>,
  options: { chatConfig?: typeof config; slowChatMs?: number } = {},
): Promise<T> {
  const chat = planChat(options.chatConfig ?? config, { service: alert.service, severity: alert.severity, policyId: 'two-level' });
  const plan: IncidentPlan = { policy: twoLevelPolicy, ...(chat ? { chat } : {}) };
  const fakes = fakeWorkflowActivities({ plan });
  const slack = recordingChatPlatform('slack', options.slowChatMs);
  let firstPageAtMs: number | undefined;
  const taskQueue = `chat-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...fakes.activities,
      async deliverNotification(request: Parameters<typeof fakes.activities.deliverNotification>[0]) {
        firstPageAtMs ??= Date.now();
        return fakes.activities.deliverNotification(request);
      },
      ...createIncidentChatActivities({ config, platforms: chatPlatformsOf([slack]), records: createChatRecords(store), publicUrl: 'https://vigil.example.test' }),
    },
  });
  return worker.runUntil(body({ taskQueue, calls: slack.calls, sentPages: () => pagesOf(fakes.sent).length, firstPageAtMs: () => firstPageAtMs, slack }));
}

const ofKind = <K extends RecordedChatCall['call']>(calls: RecordedChatCall[], kind: K) => calls.filter((call): call is Extract<RecordedChatCall, { call: K }> => call.call === kind);

describe('an incident in chat', () => {
  it('opens a room, posts and updates cards, invites, mirrors the timeline and archives after the review', async () => {
    const alert = makeAlert({ service: 'checkout', dedupKey: `key-${randomUUID()}` });
    await withWorker(alert, async ({ taskQueue, calls, sentPages }) => {
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert }], signal: alertSignal, signalArgs: [alert] });
      await env.sleep('6m'); // level 2 (Bob) fires
      await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'alice', via: 'slack', roles: { commander: carol } }] });
      await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'carol', via: 'slack', text: 'rolling back the deploy' }] });
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'slack' }] });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'slack', note: 'rolled back' }] });
      const view = await handle.result();
      expect(sentPages()).toBe(3);
      const chatHandle = env.client.workflow.getHandle(incidentChatWorkflowId(handle.signaledRunId));
      await waitFor('the resolution in the room', () => ofKind(calls, 'postText').some((call) => call.text.includes('Resolved by bob (slack)')), 30_000);
      const room = await chatHandle.query(chatRoomQuery);
      expect(room).toEqual({ platform: 'slack', channelId: `R-inc-${view.code.toLowerCase()}-checkout`, url: `https://chat.example.test/inc-${view.code.toLowerCase()}-checkout` });
      expect(ofKind(calls, 'archive')).toHaveLength(0);
      await chatHandle.signal(chatReviewCompletedSignal);
      expect(await chatHandle.result()).toEqual({ room });

      // One room, opened with the incident (nobody paged yet), the topic on the status.
      const [opened, ...reopened] = ofKind(calls, 'openRoom');
      expect(reopened).toHaveLength(0);
      expect(opened.topic).toMatch(/^\[TRIGGERED\] critical · checkout · /);
      // The paged and the commander invited as they came; each once.
      expect(ofKind(calls, 'invite').flatMap((call) => call.members)).toEqual(['U0ALICE', 'U0BOB', 'U0CAROL']);
      // Cards: in the room, in level 1's team channel, in Alice's direct messages (she asked); one each, though she was paged twice.
      expect(ofKind(calls, 'postCard').map((call) => `${call.destination.kind}:${call.destination.id}`)).toEqual([`channel:${room?.channelId}`, 'channel:C0OPS', 'direct:U0ALICE']);
      expect(ofKind(calls, 'postCard')[0].card.incidentUrl).toBe(`https://vigil.example.test/dashboard/incidents/${encodeURIComponent(view.id)}`);
      // Every card updated in place to the end state.
      const updates = ofKind(calls, 'updateCard');
      const last = new Map(updates.map((call) => [call.ref.messageId, call.card]));
      expect(last.size).toBe(3);
      for (const card of last.values()) expect(card).toMatchObject({ status: 'resolved', paged: ['Alice', 'Bob'], commander: 'Carol' });
      const topics = ofKind(calls, 'setTopic').map((call) => call.topic.split(' ')[0]);
      expect(topics.at(-1)).toBe('[RESOLVED]');
      expect(topics).toContain('[ACKNOWLEDGED]');
      // The timeline, in order.
      const lines = ofKind(calls, 'postText').map((call) => call.text.slice(6));
      const expected = ['Opened: critical on checkout', 'Paged Alice by', 'Escalated to level 2', 'Paged Bob by sms', 'Commander: Carol', 'Status update by carol (slack): rolling back the deploy', 'Acknowledged by bob (slack)', 'Resolved by bob (slack)', 'The post-incident review'];
      const positions = expected.map((start) => lines.findIndex((line) => line.startsWith(start)));
      expect(positions.every((position) => position >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      // Archived once, after the review, and the store knows the room for the API and the dashboard.
      expect(ofKind(calls, 'archive')).toHaveLength(1);
      const records = createChatRecords(store);
      expect(await records.roomOf(view.id)).toMatchObject({ channelId: room?.channelId, archived: true });
      expect(await records.incidentOfRoom('slack', room?.channelId ?? '')).toBe(view.id);
      expect(await records.cardsOf(view.id)).toHaveLength(3);
    });
  });

  it('opens a room only when asked, with everyone paged so far and the timeline before it; a slow platform delays no page', async () => {
    const onRequest = parseConfig({ ...config, incidentRooms: [{ platform: 'slack', open: 'request' }] } as unknown as Parameters<typeof parseConfig>[0], 'on request');
    const alert = makeAlert({ service: 'checkout', dedupKey: `key-${randomUUID()}` });
    await withWorker(
      alert,
      async ({ taskQueue, calls, firstPageAtMs, slack }) => {
        const startedAtMs = Date.now();
        const handle = await env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert }], signal: alertSignal, signalArgs: [alert] });
        const pagedAtMs = await waitFor('the first page', firstPageAtMs, 30_000);
        // Each chat call takes 1.5 s here; the page went out before the first of them could finish.
        expect(pagedAtMs - startedAtMs).toBeLessThan(1_500);
        slack.delayMs = 0;
        const chatHandle = env.client.workflow.getHandle(incidentChatWorkflowId(handle.signaledRunId));
        await waitFor('Alice paged on the card', () => ofKind(calls, 'postCard').length >= 2, 30_000);
        expect(ofKind(calls, 'openRoom')).toHaveLength(0);
        // Until the room opens, every card offers the button that opens it.
        expect(ofKind(calls, 'postCard').every((call) => call.card.offerRoom === true)).toBe(true);
        await chatHandle.signal(chatRoomRequestSignal);
        await waitFor('the room', () => ofKind(calls, 'postText').length >= 1, 30_000);
        // Once open, the cards no longer offer it: the card in the room, and the update of the others.
        await waitFor('the cards updated after the room opened', () => ofKind(calls, 'updateCard').some((call) => call.card.offerRoom === undefined), 30_000);
        expect(ofKind(calls, 'postCard').filter((call) => call.destination.id === ofKind(calls, 'openRoom')[0].room.channelId).every((call) => call.card.offerRoom === undefined)).toBe(true);
        const [opened] = ofKind(calls, 'openRoom');
        expect(opened.members).toEqual(['U0ALICE']);
        expect(ofKind(calls, 'postText')[0].text).toMatch(/Opened: critical on checkout[\s\S]*Paged Alice by/);
        await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'slack' }] });
        await handle.result();
        await chatHandle.signal(chatReviewCompletedSignal);
        expect((await chatHandle.result()).room).toEqual(opened.room);
      },
      { chatConfig: onRequest, slowChatMs: 1_500 },
    );
  });
});
