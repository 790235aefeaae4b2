/**
 * Outbound webhooks end to end on the time-skipping server: the real incident workflow announces
 * its events, the real delivery workflow and activity sign and POST them to loopback receivers
 * that verify the signature with the reference library.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks';
import { acknowledgeUpdate, alertSignal, resolveUpdate, statusUpdateUpdate } from '../../contracts/incident';
import { incidentWorkflowId, type Alert } from '../../domain/alert';
import { parseConfig, type VigilConfigInput } from '../../domain/config';
import type { IncidentPlan } from '../../domain/incidentPlan';
import { webhookSubscriptions } from '../../domain/webhookConfig';
import { webhookDeliveryWorkflowId, type WebhookPayload } from '../../domain/webhooks';
import { makeAlert } from '../../devkit/alerts';
import { fakeWorkflowActivities, pagesOf, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { freePort } from '../../devkit/freePort';
import { waitFor } from '../../devkit/waitFor';
import { startWebhookReceiver } from '../../devkit/webhookReceiver';
import { incidentWorkflow } from '../../workflows/incident';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const PUBLIC_URL = 'https://vigil.example.test';

/** A config with `webhooks`, for the real schema and the real subscription rule. */
function configWith(webhooks: VigilConfigInput['webhooks']) {
  return parseConfig(
    {
      services: { checkout: { escalationPolicy: 'p' }, storage: { escalationPolicy: 'p' } },
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
      webhooks,
    },
    'webhook test config',
  );
}

/** Servers that accept a connection and never answer, closed after the file. */
const hangingSockets: Socket[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const socket of hangingSockets) socket.destroy();
  for (const close of closers) await close();
});

async function startHangingServer(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    hangingSockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, connections: () => connections };
}

async function withWorker<T>(
  config: ReturnType<typeof configWith>,
  secrets: Record<string, string>,
  alert: Alert,
  body: (context: { fakes: ReturnType<typeof fakeWorkflowActivities>; taskQueue: string; firstPageAtMs: () => number | undefined; deliveryOf: (eventId: string) => string | undefined }) => Promise<T>,
): Promise<T> {
  const plan: IncidentPlan = { policy: twoLevelPolicy, ...(config.webhooks.length ? { webhooks: webhookSubscriptions(config.webhooks, alert.service) } : {}) };
  const fakes = fakeWorkflowActivities({ plan });
  let firstPageAtMs: number | undefined;
  // A short request timeout keeps a hanging receiver from holding the worker's shutdown long.
  const webhooks = createWebhookActivities({ endpoints: config.webhooks, env: secrets, publicUrl: PUBLIC_URL, requestTimeoutMs: 2_000 });
  /** Delivery workflows that ran, and the incident: terminated after the test. */
  const started = new Set<string>([incidentWorkflowId(alert)]);
  /** The delivery workflow of each event id. */
  const deliveries = new Map<string, string>();
  const taskQueue = `webhooks-${randomUUID()}`;
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
      async deliverWebhookEvent(input: Parameters<typeof webhooks.deliverWebhookEvent>[0]) {
        const deliveryId = Context.current().info.workflowExecution?.workflowId ?? '';
        started.add(deliveryId);
        deliveries.set(input.event.id, deliveryId);
        return webhooks.deliverWebhookEvent(input);
      },
    },
  });
  try {
    return await worker.runUntil(body({ fakes, taskQueue, firstPageAtMs: () => firstPageAtMs, deliveryOf: (eventId) => deliveries.get(eventId) }));
  } finally {
    // Deliveries still retrying (dead endpoints) would keep the server from skipping time later.
    for (const workflowId of started) await env.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
  }
}

function startIncident(alert: Alert, taskQueue: string) {
  return env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert }], signal: alertSignal, signalArgs: [alert] });
}

describe('outbound webhooks', () => {
  it('sends each event of an incident once, signed, only to the endpoints that follow it', async () => {
    const secrets = { ALL_SECRET: newSecret(), RESOLVED_SECRET: newSecret(), STORAGE_SECRET: newSecret() };
    const all = await startWebhookReceiver({ secret: secrets.ALL_SECRET });
    const resolvedOnly = await startWebhookReceiver({ secret: secrets.RESOLVED_SECRET });
    const storageOnly = await startWebhookReceiver({ secret: secrets.STORAGE_SECRET });
    closers.push(all.close, resolvedOnly.close, storageOnly.close);
    const config = configWith([
      { id: 'all', url: all.url, secretEnv: 'ALL_SECRET' },
      { id: 'resolved-only', url: resolvedOnly.url, secretEnv: 'RESOLVED_SECRET', events: ['incident.resolved'] },
      { id: 'storage-only', url: storageOnly.url, secretEnv: 'STORAGE_SECRET', services: ['storage'] },
    ]);
    const alert = makeAlert({ service: 'checkout', dedupKey: `key-${randomUUID()}` });
    await withWorker(config, secrets, alert, async ({ fakes, taskQueue }) => {
      const handle = await startIncident(alert, taskQueue);
      await env.sleep('6m'); // level 2 (Bob) fires
      await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'bob', via: 'api', text: 'rolling back the deploy' }] });
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api', note: 'rolled back' }] });
      await handle.result();
      const pages = pagesOf(fakes.sent).length;
      expect(pages).toBe(3); // Alice by email and SMS, then Bob by SMS
      // opened, 3 paged, escalated, update posted, acknowledged, resolved, review ready
      const expected = 1 + pages + 5;
      await waitFor(`${expected} events at the "all" receiver`, () => all.accepted().length >= expected);
      await waitFor('the resolved event at "resolved-only"', () => resolvedOnly.accepted().length >= 1);
      // Give stray duplicates a moment to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    });

    const payloads = all.accepted().map((request) => request.payload as WebhookPayload);
    expect(all.requests.every((request) => request.refused === undefined)).toBe(true);
    expect(payloads.map((payload) => payload.type).sort()).toEqual(
      [
        'incident.opened',
        'incident.paged',
        'incident.paged',
        'incident.paged',
        'incident.escalated',
        'incident.update_posted',
        'incident.acknowledged',
        'incident.resolved',
        'incident.review_ready',
      ].sort(),
    );
    // Once each: no two deliveries share an id, and the header is the payload's id.
    expect(new Set(payloads.map((payload) => payload.id)).size).toBe(payloads.length);
    for (const request of all.accepted()) expect(request.headers['webhook-id']).toBe((request.payload as WebhookPayload).id);
    const byType = (type: string) => payloads.find((payload) => payload.type === type) as WebhookPayload;
    expect(byType('incident.acknowledged').data).toMatchObject({ actor: 'bob (sms)', incident: { service: 'checkout', status: 'acknowledged', summary: alert.summary } });
    expect(byType('incident.acknowledged').data.incident.url).toBe(`${PUBLIC_URL}/v1/incidents/${encodeURIComponent(byType('incident.opened').data.incident.id)}`);
    expect(byType('incident.update_posted').data.update).toEqual({ text: 'rolling back the deploy' });
    expect(byType('incident.escalated').data.escalation).toEqual({ level: 2, cycle: 0, byHand: false });
    expect(byType('incident.resolved').data).toMatchObject({ actor: 'bob (api)', incident: { status: 'resolved' } });
    expect(byType('incident.review_ready').data.review?.url).toMatch(/\/review$/);

    // The signature holds only for the endpoint's own secret.
    const sample = all.accepted()[0];
    const headers = sample.headers as Record<string, string>;
    expect(() => new Webhook(secrets.ALL_SECRET).verify(sample.body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(sample.body, headers)).toThrow(/signature/i);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    // Subscriptions: one event type only; another service's endpoint hears nothing.
    expect(resolvedOnly.accepted().map((request) => (request.payload as WebhookPayload).type)).toEqual(['incident.resolved']);
    expect(storageOnly.requests).toHaveLength(0);
  });

  it('retries a receiver that fails with 500 until it takes the event', async () => {
    const secrets = { FLAKY_SECRET: newSecret() };
    const flaky = await startWebhookReceiver({ secret: secrets.FLAKY_SECRET, failFirst: 2, failStatus: 500 });
    closers.push(flaky.close);
    const config = configWith([{ id: 'flaky', url: flaky.url, secretEnv: 'FLAKY_SECRET', events: ['incident.opened'] }]);
    const alert = makeAlert({ service: 'checkout', dedupKey: `key-${randomUUID()}` });
    await withWorker(config, secrets, alert, async ({ taskQueue, deliveryOf }) => {
      const handle = await startIncident(alert, taskQueue);
      await waitFor('the first attempt', () => flaky.requests.length >= 1);
      const eventId = String(flaky.requests[0].headers['webhook-id']);
      expect(deliveryOf(eventId)).toBe(webhookDeliveryWorkflowId(handle.signaledRunId, 0));
      // The backoff (5 s, then 10 s) runs in real time: an activity between attempts holds the server's clock.
      const outcomes = await env.client.workflow.getHandle(webhookDeliveryWorkflowId(handle.signaledRunId, 0)).result();
      expect(outcomes).toEqual({ flaky: 'delivered (204)' });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
    expect(flaky.requests.map((request) => request.status)).toEqual([500, 500, 204]);
    // The same event each time: one id, one body; only the timestamp and signature are renewed.
    expect(new Set(flaky.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(new Set(flaky.requests.map((request) => request.body)).size).toBe(1);
  });

  it('gives up at once on a 4xx answer other than 408 and 429', async () => {
    const secrets = { GONE_SECRET: newSecret() };
    const gone = await startWebhookReceiver({ secret: secrets.GONE_SECRET, failFirst: 100, failStatus: 410 });
    closers.push(gone.close);
    const config = configWith([{ id: 'gone', url: gone.url, secretEnv: 'GONE_SECRET', events: ['incident.opened'] }]);
    const alert = makeAlert({ service: 'checkout', dedupKey: `key-${randomUUID()}` });
    await withWorker(config, secrets, alert, async ({ taskQueue }) => {
      const handle = await startIncident(alert, taskQueue);
      await waitFor('the first attempt', () => gone.requests.length >= 1);
      const outcomes = await env.client.workflow.getHandle(webhookDeliveryWorkflowId(handle.signaledRunId, 0)).result();
      expect(outcomes.gone).toMatch(/answered 410/);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
    expect(gone.requests).toHaveLength(1);
  });

  it('pages as fast with dead endpoints (refused, hanging) as with none', async () => {
    const hanging = await startHangingServer();
    const refusedUrl = `http://127.0.0.1:${await freePort()}/hook`;
    const secrets = { HANG_SECRET: newSecret(), REFUSED_SECRET: newSecret() };
    const dead = configWith([
      { id: 'hanging', url: hanging.url, secretEnv: 'HANG_SECRET' },
      { id: 'refused', url: refusedUrl, secretEnv: 'REFUSED_SECRET' },
    ]);
    const none = configWith([]);
    /** Milliseconds from the start of the incident to its first page. */
    async function firstPageMs(config: ReturnType<typeof configWith>): Promise<number> {
      const alert = makeAlert({ service: 'checkout', dedupKey: `key-${randomUUID()}` });
      return withWorker(config, secrets, alert, async ({ taskQueue, firstPageAtMs }) => {
        const startedAtMs = Date.now();
        const handle = await startIncident(alert, taskQueue);
        const pagedAtMs = await waitFor('the first page', firstPageAtMs, 30_000);
        await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
        await handle.result();
        return pagedAtMs - startedAtMs;
      });
    }
    await firstPageMs(none); // warm-up: the first run on a worker pays for its start
    const withNone = await firstPageMs(none);
    const withDead = await firstPageMs(dead);
    // The webhook was attempted, beside the page rather than before it.
    expect(hanging.connections()).toBeGreaterThan(0);
    // Generous: the machine is shared; a dead endpoint waited on would cost its 2 s timeout at least.
    expect(withDead).toBeLessThan(withNone + 1_500);
    console.log(`first page: ${withNone} ms without webhooks, ${withDead} ms with a hanging and a refusing endpoint`);
  });
});
