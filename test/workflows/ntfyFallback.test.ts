/**
 * An ntfy page that fails falls back as configured: the incident workflow on the time-skipping
 * server, the real notify activity and ntfy transport against the loopback fake, SMS and email
 * recorded. A refusal (a 4xx) falls back at once; a server error after its retries.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createNtfyTransport } from '../../activities/transports/ntfyPublish';
import { incidentWorkflowId } from '../../domain/alert';
import { formatNtfyAddress } from '../../domain/channels/ntfy';
import type { EscalationPolicySnapshot, Responder } from '../../domain/escalation';
import type { EmailMessage, SmsMessage } from '../../domain/transports';
import { alertSignal, incidentQuery, resolveUpdate } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { alice as aliceBase, fakeWorkflowActivities } from '../../devkit/fakeWorkflowActivities';
import { startFakeNtfy, type FakeNtfy } from '../../devkit/fakeNtfy';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const TOKEN = 'tk_alice';
let ntfy: FakeNtfy;
let store: SqlStore;
beforeAll(async () => {
  ntfy = await startFakeNtfy({ tokens: { 'alice-pages': TOKEN } });
  store = await openSqlStore({});
});
afterAll(async () => {
  await ntfy.close();
  await store.close();
});

async function pageAliceByNtfy(tokenValue: string) {
  const alice: Responder = { ...aliceBase, addresses: { ntfy: formatNtfyAddress({ serverUrl: ntfy.baseUrl, topic: 'alice-pages', tokenEnv: 'ALICE_NTFY_TOKEN' }) } };
  const policy: EscalationPolicySnapshot = { id: 'push-first', repeat: 0, levels: [{ targets: [alice], channels: ['ntfy'], timeoutSeconds: 600 }] };
  const plan = { policy, deliveryFallback: true };
  const mails: EmailMessage[] = [];
  const texts: SmsMessage[] = [];
  const notify = createNotifyActivities({
    email: { name: 'fake-mail', send: async (message) => void mails.push(message) },
    sms: { name: 'fake-sms', send: async (message) => ({ id: `SM${texts.push(message)}` }) },
    voice: { name: 'unused', call: () => Promise.reject(new Error('no call expected')) },
    ntfy: createNtfyTransport({ ALICE_NTFY_TOKEN: tokenValue }),
    webhook: { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) },
    deliveries: createSqlDeliveryLog(store),
    publicUrl: 'https://vigil.example.test',
  });
  const taskQueue = `ntfy-${randomUUID()}`;
  const activities = { ...fakeWorkflowActivities({ plan }).activities, ...notify };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
  const alert = makeAlert({ dedupKey: `ntfy-${randomUUID()}` });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert, plan }], signal: alertSignal, signalArgs: [alert] });
    try {
      const paged = async () => (await handle.query(incidentQuery)).paged.map((page) => `${page.channel}:${page.outcome}`).sort();
      // The fallbacks' results are recorded when their activities complete.
      await expect.poll(async () => (await paged()).length, { timeout: 60_000 }).toBe(3);
      const view = await handle.query(incidentQuery);
      // What the page sent, before resolving tells everyone paged (on every channel tried).
      const pagesSent = { mails: mails.length, texts: texts.length, pushes: ntfy.messages.length };
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
      return { outcomes: await paged(), timeline: view.timeline.map((entry) => entry.text), pagesSent };
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
}

describe('an ntfy page that fails falls back as configured', () => {
  it('a refused publish (a token ntfy does not take) is not reached: SMS and email go out at once, on the timeline', async () => {
    const { outcomes, timeline, pagesSent } = await pageAliceByNtfy('not-the-token');
    expect(outcomes).toEqual(['email:sent via fake-mail', 'ntfy:failed: ntfy transport error: NtfyPublishError status 401', 'sms:sent via fake-sms']);
    expect(timeline).toContain('page to Alice by ntfy failed: falling back to sms, email');
    expect(pagesSent).toEqual({ mails: 1, texts: 1, pushes: 0 });
  });

  it('a server that keeps failing (5xx) falls back once the retries ran out', async () => {
    ntfy.failNext(503, 503, 503, 503, 503);
    const { outcomes, timeline, pagesSent } = await pageAliceByNtfy(TOKEN);
    expect(outcomes).toEqual(['email:sent via fake-mail', 'ntfy:failed: ntfy transport error: NtfyPublishError status 503', 'sms:sent via fake-sms']);
    expect(timeline).toContain('page to Alice by ntfy failed: falling back to sms, email');
    expect(pagesSent).toEqual({ mails: 1, texts: 1, pushes: 0 });
  });
});
