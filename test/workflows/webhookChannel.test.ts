/**
 * A level that pages through a webhook, end to end: the incident workflow on the time-skipping
 * server, the real notify activity and webhook transport against a loopback receiver that checks
 * signatures, the delivery log in the SQL store, and the API's action links over the real Temporal
 * gateway. A receiver's 410 falls back to the contact's email at once; a receiver that follows the
 * page's acknowledge link stops the escalation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notify';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { createWebhookPageTransport } from '../../activities/transports/webhookPagePost';
import { createTemporalGateway } from '../../api/gateways/temporalGateway';
import { createUsedAckLinks } from '../../api/records/usedAckLinks';
import { incidentWorkflowId } from '../../domain/alert';
import { formatWebhookAddress, type WebhookPagePayload } from '../../domain/channels/webhook';
import type { EscalationPolicySnapshot, Responder } from '../../domain/escalation';
import type { IncidentView } from '../../domain/incident';
import type { EmailMessage } from '../../domain/transports';
import { alertSignal, incidentQuery, resolveUpdate } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { bob, fakeWorkflowActivities } from '../../devkit/fakeWorkflowActivities';
import { startTestApp } from '../../devkit/testApp';
import { startWebhookReceiver } from '../../devkit/webhookReceiver';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const LINK_SECRET = 'webhook-channel-link-secret';
const taskQueue = `webhook-channel-${randomUUID()}`;

let store: SqlStore;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver<WebhookPagePayload>>>;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  store = await openSqlStore({});
  receiver = await startWebhookReceiver<WebhookPagePayload>({ secret: SECRET });
  // The API a receiving system reaches through the page's links, over the same Temporal.
  app = await startTestApp({ gateway: createTemporalGateway({ client: env.client, taskQueue }), linkSecret: LINK_SECRET, usedAckLinks: createUsedAckLinks(store) });
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await store?.close();
});

/** A "team" contact that stands for the payments team's own paging system, with an email as the last resort. */
const bridge = (): Responder => ({
  id: 'payments-bridge',
  name: 'Payments bridge',
  email: 'payments-oncall@example.test',
  addresses: { webhook: formatWebhookAddress({ url: receiver.url, secretEnv: 'PAYMENTS_BRIDGE_SECRET' }) },
});

/** Runs an incident under `policy` with real webhook delivery; `during` acts while it is open. */
async function runIncident(policy: EscalationPolicySnapshot, during: (incident: () => Promise<IncidentView>) => Promise<void>) {
  const plan = { policy, deliveryFallback: true };
  const mails: EmailMessage[] = [];
  const notify = createNotifyActivities({
    email: { name: 'fake-mail', send: async (message) => void mails.push(message) },
    sms: { name: 'unused', send: () => Promise.reject(new Error('no SMS expected')) },
    voice: { name: 'unused', call: () => Promise.reject(new Error('no call expected')) },
    ntfy: { name: 'unused', publish: () => Promise.reject(new Error('no push expected')) },
    webhook: createWebhookPageTransport({ PAYMENTS_BRIDGE_SECRET: SECRET }),
    deliveries: createSqlDeliveryLog(store),
    publicUrl: app.url,
    linkSecret: LINK_SECRET,
  });
  const activities = { ...fakeWorkflowActivities({ plan }).activities, ...notify };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
  const alert = makeAlert({ dedupKey: `webhook-channel-${randomUUID()}` });
  receiver.requests.length = 0;
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert, plan }], signal: alertSignal, signalArgs: [alert] });
    try {
      await during(() => handle.query(incidentQuery));
      const view = await handle.query(incidentQuery);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
      return { view, mails };
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
}
const pages = (view: IncidentView) => view.paged.map((page) => `${page.responderId}:${page.channel}:${page.outcome}`).sort();

describe('a level that pages a webhook', () => {
  it('falls back to the contact\'s email at once when the receiver answers 410 (gone), without retrying it', async () => {
    receiver.failNext(410);
    const policy: EscalationPolicySnapshot = { id: 'bridge-first', repeat: 0, levels: [{ targets: [bridge()], channels: ['webhook'], timeoutSeconds: 600 }] };
    const { view, mails } = await runIncident(policy, async (incident) => {
      await expect.poll(async () => (await incident()).paged.length, { timeout: 60_000 }).toBe(2);
    });
    expect(pages(view)).toEqual(['payments-bridge:email:sent via fake-mail', 'payments-bridge:webhook:failed: webhook transport error: WebhookPageError status 410']);
    expect(view.timeline.map((entry) => entry.text)).toContain('page to Payments bridge by webhook failed: falling back to email');
    // One POST of the page, signed as the receiver checks it: a 410 is not retried.
    const pagePosts = receiver.requests.filter((received) => received.payload?.type === 'notification.page');
    expect(pagePosts.map((received) => [received.status, received.refused])).toEqual([[410, undefined]]);
    expect(mails[0]?.to).toBe('payments-oncall@example.test');
  });

  it('stops escalating when the receiving system follows the page\'s acknowledge link', async () => {
    const policy: EscalationPolicySnapshot = {
      id: 'bridge-then-bob',
      repeat: 0,
      levels: [
        { targets: [bridge()], channels: ['webhook'], timeoutSeconds: 300 },
        { targets: [bob], channels: ['email'], timeoutSeconds: 300 },
      ],
    };
    const { view, mails } = await runIncident(policy, async (incident) => {
      await expect.poll(() => receiver.accepted().length, { timeout: 60_000 }).toBe(1);
      const [page] = receiver.accepted();
      expect(page.payload).toMatchObject({ type: 'notification.page', data: { recipient: { id: 'payments-bridge' }, incident: { status: 'triggered', level: 1 } } });
      // What the receiving system does: POST the acknowledge link it was given.
      const followed = await fetch(page.payload?.data.actions?.acknowledge as string, { method: 'POST' });
      expect(followed.status).toBe(200);
      expect((await incident()).status).toBe('acknowledged');
      // Past level 1's timeout: level 2 would page Bob now, had nobody acknowledged.
      await env.sleep('20m');
      // The receiver is told of the acknowledgement on the channel it was paged on.
      await expect.poll(() => receiver.accepted().map((received) => received.payload?.type), { timeout: 60_000 }).toEqual(['notification.page', 'notification.acknowledged']);
    });
    expect(view.acknowledgedBy).toBe('Payments bridge (webhook link)');
    expect(pages(view)).toEqual(['payments-bridge:webhook:sent via webhook']);
    expect(view.timeline.map((entry) => entry.text)).toEqual(expect.arrayContaining(['paged Payments bridge by webhook: sent via webhook', 'acknowledged by Payments bridge (webhook link)']));
    expect(mails.filter((mail) => mail.to === bob.email)).toEqual([]);
    // Page, acknowledged, and (at the test's end) resolved: each delivery once, each its own webhook-id.
    expect(receiver.accepted().map((received) => received.payload?.type)).toEqual(['notification.page', 'notification.acknowledged', 'notification.resolved']);
    expect(new Set(receiver.requests.map((received) => received.headers['webhook-id'])).size).toBe(3);
  });
});
