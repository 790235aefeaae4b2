/**
 * A page whose SMS goes through Telnyx, and Telnyx refuses it on every attempt: the incident
 * workflow (time-skipping server) runs the real notify activity with the telnyx SDK against the
 * loopback fake, the retries run out, and the page falls back to the person's email, on the
 * timeline. The fallback is the registry's, not Twilio's: nothing in it knows the vendor.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createTelnyxSmsTransport } from '../../activities/transports/telnyxSms';
import { incidentWorkflowId } from '../../domain/alert';
import type { EscalationPolicySnapshot } from '../../domain/escalation';
import type { EmailMessage, VoiceTransport } from '../../domain/transports';
import { alertSignal, incidentQuery, resolveUpdate } from '../../contracts/incident';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { alice, fakeWorkflowActivities } from '../../devkit/fakeWorkflowActivities';
import { startFakeTelnyx } from '../../devkit/fakeTelnyx';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const API_KEY = 'KEY_fake_telnyx_fallback';
let store: SqlStore;
let telnyx: Awaited<ReturnType<typeof startFakeTelnyx>>;
beforeAll(async () => {
  // Telnyx refuses Alice's number on every attempt (422), as it would a number it cannot reach.
  [store, telnyx] = await Promise.all([openSqlStore({}), startFakeTelnyx(API_KEY, { invalidNumbers: [alice.phone as string] })]);
});
afterAll(async () => {
  await Promise.all([store.close(), telnyx.close()]);
});

describe('an SMS page Telnyx keeps refusing', () => {
  it("falls back to the person's email once the attempts run out, and says so on the timeline", async () => {
    const policy: EscalationPolicySnapshot = { id: 'sms-first', repeat: 0, levels: [{ targets: [alice], channels: ['sms'], timeoutSeconds: 600 }] };
    const emails: EmailMessage[] = [];
    const notify = createNotifyActivities({
      email: { name: 'smtp', send: async (message) => void emails.push(message) },
      sms: createTelnyxSmsTransport({ apiKey: API_KEY, from: '+15550009999', baseUrl: telnyx.baseUrl }),
      voice: { name: 'unused', call: () => Promise.reject(new Error('no call expected')) } satisfies VoiceTransport,
      ntfy: { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) },
      webhook: { name: 'unused', post: () => Promise.reject(new Error('no webhook expected')) },
      deliveries: createSqlDeliveryLog(store),
      publicUrl: 'https://vigil.example.test',
    });
    const fakes = fakeWorkflowActivities({ plan: { policy, deliveryFallback: true } });
    const taskQueue = `telnyx-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: { ...fakes.activities, ...notify } });
    const alert = makeAlert({ dedupKey: `telnyx-${randomUUID()}` });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.signalWithStart(incidentWorkflow, {
        workflowId: incidentWorkflowId(alert),
        taskQueue,
        args: [{ alert, plan: { policy, deliveryFallback: true } }],
        signal: alertSignal,
        signalArgs: [alert],
      });
      await env.sleep('5m'); // the SMS retries run out within a couple of minutes
      await expect.poll(() => emails.map((email) => email.to), { timeout: 60_000 }).toEqual([alice.email]);
      await expect
        .poll(async () => (await handle.query(incidentQuery)).paged.map((page) => `${page.channel}:${page.outcome.startsWith('failed') ? 'failed' : page.outcome}`), { timeout: 30_000 })
        .toEqual(['sms:failed', 'email:sent via smtp']);
      const view = await handle.query(incidentQuery);
      expect(view.timeline.some((entry) => entry.text === 'page to Alice by sms failed: falling back to email')).toBe(true);
      // Every attempt asked Telnyx and was refused; none got a message out.
      expect(telnyx.requests.filter((line) => line === 'POST /v2/messages').length).toBeGreaterThan(1);
      expect(telnyx.sent).toHaveLength(0);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });
});
