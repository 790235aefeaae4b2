/**
 * End to end on real parts: the Temporal dev server, a real worker, the API over HTTP, a real
 * SMTP server receiving the email, and the real twilio SDK sending to a loopback Twilio fake.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import proto from '@temporalio/proto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSmtpEmailTransport } from '../../activities/transports/smtpEmail';
import { createTwilioSmsTransport } from '../../activities/transports/twilioSms';
import { randomUUID } from 'node:crypto';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { decodeIncidentId, encodeIncidentId } from '../../domain/incidentId';
import { alertSignal } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import type { IncidentView } from '../../domain/incident';
import { startFakeTwilio } from '../../devkit/fakeTwilio';
import { startSmtpSink } from '../../devkit/smtpSink';
import { postStackAlert, stackIncident } from '../../devkit/stackRequests';
import { startStack, type Stack, STACK_AUTH } from '../../devkit/stack';
import { waitFor } from '../../devkit/waitFor';
import { listRawRuns } from '../../api/gateways/rawVisibility';
import type { RunRecord } from '../../api/records/closedIncidentRuns';
import { recordOf } from '../../api/reporting/temporalKpiSource';
import type { ResolverKind } from '../../domain/kpis';
import type { Severity } from '../../domain/severity';
import { searchAttributes } from '../../domain/visibility';
import { z } from 'zod';
import { RUNBOOKS } from '../../runbooks/index';
import { defineRunbook } from '../../runbooks/runbook';
import { incidentListAnswerSchema, incidentViewSchema } from '../../api/routes/incidentSchemas';

const TWILIO_SID = 'AC00000000000000000000000000000e2e';
const TWILIO_TOKEN = 'e2e-auth-token-not-a-secret';
const TWILIO_FROM = '+15550109999';
const API_KEY = 'e2e-api-key';
const ALICE_PHONE = '+15550100001';
const BOB_PHONE = '+15550100002';
/** What an ops engineer's runbook might put in an error: it must reach the timeline, not Temporal in clear. */
const RUNBOOK_ERROR_SECRET = 'deploy-token-e2e-7f3a9c';

/** A runbook whose remediation throws (remediation is tried once), its error naming a secret. */
const leakyRunbook = defineRunbook({
  id: 'e2e-leaky-restart',
  description: 'Throws from remediate with a secret in its message (test only).',
  match: { labels: { check: 'leaky' } },
  params: z.object({}),
  diagnose: async () => ({ ok: true, summary: 'unhealthy' }),
  remediate: async () => {
    throw new Error(`restart refused for token ${RUNBOOK_ERROR_SECRET}`);
  },
  verify: async () => ({ recovered: false, summary: 'not reached' }),
});

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let sms: Awaited<ReturnType<typeof startFakeTwilio>>;
let healthServer: Server;

beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startFakeTwilio(TWILIO_SID, TWILIO_TOKEN);
  healthServer = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((resolve) => healthServer.listen(0, '127.0.0.1', resolve));
  const healthUrl = `http://127.0.0.1:${(healthServer.address() as AddressInfo).port}/healthz`;
  const config = parseConfig(
    {
      services: {
        checkout: {
          escalationPolicy: 'fast',
          runbooks: { 'http-health-restart': { url: healthUrl, restartCommand: ['true'], verifyAttempts: 1 } },
        },
        billing: { escalationPolicy: 'fast', runbooks: { 'e2e-leaky-restart': {} } },
      },
      defaultEscalationPolicy: 'fast',
      contacts: {
        alice: { name: 'Alice', email: 'alice@example.test', phone: ALICE_PHONE },
        bob: { name: 'Bob', email: 'bob@example.test', phone: BOB_PHONE },
      },
      escalationPolicies: {
        fast: {
          levels: [
            { notify: ['alice'], channels: ['email', 'sms'], timeout: '3s' },
            { notify: ['bob'], channels: ['sms'], timeout: '10m' },
          ],
        },
      },
      apiKeys: [{ user: 'carol', env: 'E2E_KEY' }],
    },
    'e2e config',
  );
  stack = await startStack({
    config,
    email: createSmtpEmailTransport({ url: smtp.url, from: 'Vigil <vigil@example.test>' }),
    sms: createTwilioSmsTransport({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: TWILIO_FROM, apiBaseUrl: sms.baseUrl }),
    apiKeys: new Map([[API_KEY, { user: 'carol', role: 'responder' }]]),
    twilioAuthToken: TWILIO_TOKEN,
    spool: true,
    runbooks: [...RUNBOOKS, leakyRunbook],
  });
});

/** The body of a quoted-printable MIME message, decoded enough to read links from. */
function decodedBody(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

afterAll(async () => {
  await stack?.stop();
  await smtp?.close();
  await sms?.close();
  await new Promise((resolve) => healthServer?.close(resolve));
});

const postAlert = (body: Record<string, unknown>) => postStackAlert(stack, body);

/** A copy of `value` (a decoded history) with the data of every encrypted payload emptied. */
function withoutCiphertext<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutCiphertext) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const fields = value as Record<string, unknown>;
  const encoding = (fields.metadata as Record<string, Uint8Array> | undefined)?.encoding;
  if (encoding instanceof Uint8Array && Buffer.from(encoding).toString() === 'binary/encrypted') return { ...fields, data: new Uint8Array() } as T;
  return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, withoutCiphertext(field)])) as T;
}

const getIncident = (id: string) => stackIncident(stack, id);

/** Posts an inbound SMS as Twilio would, signed over the public URL unless told otherwise. */
async function inboundSms(from: string, body: string, signWith = TWILIO_TOKEN): Promise<Response> {
  const params = { From: from, To: TWILIO_FROM, Body: body, MessageSid: `SM${Date.now()}`, AccountSid: TWILIO_SID };
  const signature = twilio.getExpectedTwilioSignature(signWith, `${stack.publicUrl}/v1/webhooks/twilio/sms`, params);
  return fetch(`${stack.apiUrl}/v1/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

describe('an alert, end to end', () => {
  it('pages by email and SMS, escalates on time, is acknowledged by SMS reply and resolved over the API', async () => {
    const alert = { service: 'checkout', summary: 'checkout p99 above 2s', severity: 'critical', dedupKey: 'e2e-latency' };
    const incidentId = await postAlert(alert);
    // A repeat while open joins the incident and pages nobody new.
    expect(await postAlert(alert)).toBe(incidentId);

    const aliceEmail = await waitFor('the page email to Alice', () => smtp.received.find((mail) => mail.to.includes('alice@example.test')));
    const aliceSms = await waitFor('the page SMS to Alice', () => sms.received.find((message) => message.to === ALICE_PHONE));
    const paged = await getIncident(incidentId);
    const { code } = paged;
    // Level 2 is due 3 s after level 1 was notified.
    expect(paged.escalation.level).toBe(1);
    expect(Date.parse(paged.escalation.nextLevelAt as string) - Date.parse(paged.timeline.find((entry) => entry.kind === 'escalation')?.at as string)).toBe(3_000);
    expect(aliceEmail.subject).toContain(`[Vigil ${code}] ACTION NEEDED`);
    expect(aliceEmail.messageId).toMatch(/@vigil>$/);
    expect(aliceSms.from).toBe(TWILIO_FROM);
    expect(aliceSms.body).toContain(`ACK ${code}`);

    // Level 2 fires when level 1's 3 s pass without an acknowledgement: never earlier than 3 s after
    // level 1 began (measured from the escalation itself, since a loaded machine delays Alice's SMS).
    const bobSms = await waitFor('the level 2 SMS to Bob', () => sms.received.find((message) => message.to === BOB_PHONE), 15_000);
    const level1At = Date.parse(paged.timeline.find((entry) => entry.kind === 'escalation')?.at as string);
    expect(bobSms.receivedAtMs - level1At).toBeGreaterThanOrEqual(2_900);

    const escalated = await getIncident(incidentId);
    expect(escalated).toMatchObject({ status: 'triggered', alertCount: 2, escalation: { level: 2 } });
    // The last level has no next level: nothing further is scheduled.
    expect(escalated.escalation.nextLevelAt).toBeUndefined();

    // A reply whose signature was made with another token is refused and changes nothing.
    const forged = await inboundSms(BOB_PHONE, 'ACK', 'wrong-token');
    expect(forged.status).toBe(403);
    expect((await getIncident(incidentId)).status).toBe('triggered');

    // Bob replies a bare ACK: he was paged for one open incident, so it is that one.
    const reply = await inboundSms(BOB_PHONE, 'ACK');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('xml');
    expect(await reply.text()).toContain(code);
    const acked = await getIncident(incidentId);
    expect(acked.status).toBe('acknowledged');
    expect(acked.acknowledgedBy).toContain('Bob');
    // The real workflow's view, and the listing, are what /openapi.json documents (incidentSchemas.ts).
    expect(incidentViewSchema.safeParse(acked).error?.issues ?? []).toEqual([]);
    const listing = await (await fetch(`${stack.apiUrl}/v1/incidents`, { headers: STACK_AUTH })).json();
    expect(incidentListAnswerSchema.safeParse(listing).error?.issues ?? []).toEqual([]);

    // Everyone paged hears of the acknowledgement, on each channel they were paged on.
    await waitFor('acknowledgement notices', () =>
      smtp.received.some((mail) => mail.to.includes('alice@example.test') && mail.subject.includes('Acknowledged')) &&
      sms.received.filter((message) => message.body.includes('acknowledged by')).length === 2,
    );

    const unauthorized = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/resolve`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);
    const resolved = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'rolled back the deploy' }),
    });
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as IncidentView).resolvedBy).toContain('carol');

    await waitFor('resolution notices', () => sms.received.filter((message) => message.body.includes('resolved by')).length === 2);
    // Level 1 email + SMS, level 2 SMS: three pages in all, no page sent twice.
    const pages = sms.received.filter((message) => message.body.includes('Reply ACK'));
    expect(pages.map((message) => message.to).sort()).toEqual([ALICE_PHONE, BOB_PHONE]);
    expect(smtp.received.filter((mail) => mail.subject.includes('ACTION NEEDED'))).toHaveLength(1);

    const again = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(again.status).toBe(409);

    const listed = await waitFor('the resolved incident in the listing', async () => {
      const response = await fetch(`${stack.apiUrl}/v1/incidents?status=resolved&service=checkout`, { headers: STACK_AUTH });
      const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
      return incidents.some((incident) => incident.id === incidentId) && incidents;
    });
    expect(listed.length).toBeGreaterThan(0);

    // The same key after resolution opens a new incident (also if it lands while the resolved
    // one is still sending its notices: that run hands it to a new incident as it closes).
    await postAlert(alert);
    const reopened = await waitFor('a new incident for the same key', async () => {
      const response = await fetch(`${stack.apiUrl}/v1/incidents?status=triggered&service=checkout`, { headers: STACK_AUTH });
      const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
      return incidents.find((incident) => incident.id !== incidentId);
    });
    const fresh = await getIncident(reopened.id);
    expect(fresh).toMatchObject({ status: 'triggered', dedupKey: 'e2e-latency', alertCount: 1 });
  });

  it('is acknowledged with one click on the link in the page email: a confirm page first, then once only', async () => {
    const dedupKey = `click-${Date.now()}`;
    const submitted = await fetch(`${stack.apiUrl}/v1/alerts`, {
      method: 'POST',
      headers: { ...STACK_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'payments', summary: 'card auth <b>failing</b>', severity: 'critical', dedupKey }),
    });
    const { incidentId } = (await submitted.json()) as { incidentId: string };
    const mail = await waitFor('the page email with its link', () => smtp.received.find((entry) => entry.to.includes('alice@example.test') && decodedBody(entry.raw).includes('card auth')), 15_000);
    const body = decodedBody(mail.raw);
    // HTML and text bodies; the alert's markup is escaped in the HTML.
    expect(body).toContain('&lt;b&gt;failing&lt;/b&gt;');
    expect(mail.raw).toMatch(/^In-Reply-To:\s+<[^>]+-thread@vigil>/im);
    const path = /\/v1\/ack\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(body)?.[0];
    expect(path).toBeDefined();
    // The email names the public URL; the test reaches the API directly, as a proxy would.
    const link = `${stack.apiUrl}${path}`;

    const confirm = await fetch(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('<form method="post">');
    const untouched = (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers: STACK_AUTH })).json()) as { status: string };
    expect(untouched.status).toBe('triggered'); // a GET (a mail scanner, a preview) changes nothing

    const clicked = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(clicked.status).toBe(200);
    expect(await clicked.text()).toContain('Acknowledged');
    const acked = (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers: STACK_AUTH })).json()) as { status: string; acknowledgedBy: string };
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Alice (email link)' });
    expect((await fetch(link, { method: 'POST' })).status).toBe(409);
    await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
  });

  it('finds, acknowledges and resolves an incident by its id after a storm moved it to a new run', async () => {
    const alert = { ...makeAlert({ service: 'checkout', dedupKey: 'e2e-storm' }) };
    const first = await stack.client.workflow.signalWithStart(incidentWorkflow, {
      workflowId: incidentWorkflowId(alert),
      taskQueue: stack.taskQueue,
      args: [{ alert, historyLimit: 60 }],
      signal: alertSignal,
      signalArgs: [alert],
    });
    const incidentId = encodeIncidentId({ workflowId: first.workflowId, runId: first.signaledRunId });
    await Promise.all(Array.from({ length: 80 }, () => first.signal(alertSignal, { ...alert, id: randomUUID() })));
    const moved = await waitFor('the hand-over to a new run', async () => {
      const current = await stack.client.workflow.getHandle(first.workflowId).describe();
      return current.runId !== first.signaledRunId && current;
    });
    expect(moved.status.name).toBe('RUNNING');
    // An alert posted now joins the same incident, and the API names it by its original id.
    expect(await postAlert({ service: 'checkout', summary: alert.summary, severity: 'critical', dedupKey: 'e2e-storm' })).toBe(incidentId);
    const view = await waitFor('all repeats counted', async () => {
      const current = await getIncident(incidentId);
      return current.alertCount === 82 && current;
    });
    expect(view.id).toBe(incidentId);
    const acked = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/ack`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(acked.status).toBe(200);
    expect(((await acked.json()) as IncidentView).status).toBe('acknowledged');
    const resolved = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(resolved.status).toBe(200);
    expect((await waitFor('the resolved view', async () => (await getIncident(incidentId)).status === 'resolved'))).toBe(true);
  });

  it('names a new incident by the run its alert started, without describing the run', async () => {
    const describeCalls = vi.spyOn(stack.client.workflowService, 'describeWorkflowExecution');
    const dedupKey = `e2e-started-${randomUUID()}`;
    let incidentId: string;
    let again: string;
    try {
      incidentId = await postAlert({ service: 'checkout', summary: 'a new incident', severity: 'critical', dedupKey });
      again = await postAlert({ service: 'checkout', summary: 'a new incident', severity: 'critical', dedupKey });
      expect(describeCalls).not.toHaveBeenCalled();
    } finally {
      describeCalls.mockRestore();
    }
    expect(again).toBe(incidentId);
    // The id is the one the run gives itself (its memo), for the run that is running under the key.
    const ref = decodeIncidentId(incidentId);
    const running = await stack.client.workflow.getHandle(incidentWorkflowId(makeAlert({ service: 'checkout', dedupKey }))).describe();
    expect(ref).toEqual({ workflowId: running.workflowId, runId: running.runId });
    const memo = await waitFor('the run publishes its incident id', async () => {
      const described = await stack.client.workflow.getHandle(running.workflowId, running.runId).describe();
      return described.memo?.incidentId !== undefined && described.memo;
    });
    expect(memo.incidentId).toBe(incidentId);
    await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(incidentId)}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
  });

  it('resolves itself when the matching runbook verifies recovery, and says so by email', async () => {
    const incidentId = await postAlert({ service: 'checkout', summary: 'health check failing', severity: 'error', dedupKey: 'e2e-http', labels: { check: 'http' } });
    const view = await waitFor('auto-resolution', async () => {
      const current = await getIncident(incidentId);
      return current.status === 'resolved' && current;
    });
    expect(view.resolvedBy).toBe('runbook http-health-restart');
    expect(view.runbook?.steps.map((step) => `${step.step}:${step.ok}`)).toEqual(['diagnose:true', 'remediate:true', 'verify:true']);
    const notice = await waitFor('the auto-resolved email', () => smtp.received.find((mail) => mail.subject.includes('Auto-resolved') && mail.subject.includes(view.code)));
    expect(notice.to).toEqual(['alice@example.test']);
  });

  it("records a runbook's error on the timeline while Temporal holds its message and stack only encrypted", async () => {
    const incidentId = await postAlert({ service: 'billing', summary: 'billing restart loop', severity: 'error', dedupKey: 'e2e-leaky', labels: { check: 'leaky' } });
    const view = await waitFor('the failed remediation', async () => {
      const current = await getIncident(incidentId);
      return current.runbook?.steps.some((step) => step.step === 'remediate') && current;
    });
    // The workflow read the activity's failure back in full (decoded) for the timeline.
    const remediation = view.runbook?.steps.find((step) => step.step === 'remediate');
    expect(remediation?.ok).toBe(false);
    expect(remediation?.summary).toContain(RUNBOOK_ERROR_SECRET);
    // What the server holds: the failure with a placeholder message, its own text in an encrypted payload.
    const { workflowService } = stack.client.connection;
    const runs = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${incidentWorkflowId({ service: 'billing', dedupKey: 'e2e-leaky' })}'` })) runs.push(run);
    expect(runs).toHaveLength(1);
    const { history } = await workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: runs[0].workflowId, runId: runs[0].runId } });
    const failures = (history?.events ?? []).flatMap((event) => (event.activityTaskFailedEventAttributes?.failure ? [event.activityTaskFailedEventAttributes.failure] : []));
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toBe('Encoded failure');
    expect(failures[0].stackTrace ?? '').toBe('');
    expect(Buffer.from(failures[0].encodedAttributes?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    const clear = Buffer.from(proto.temporal.api.history.v1.History.encode(withoutCiphertext(history ?? {})).finish());
    expect(clear.includes(RUNBOOK_ERROR_SECRET)).toBe(false);
    expect(clear.includes('incidentLifecycle.test')).toBe(false);
  });

  it('keeps contact data and alert text out of the histories Temporal stores (payloads encrypted)', async () => {
    // Runs after the tests above: their incidents paged Alice and Bob by email and SMS.
    const { workflowService } = stack.client.connection;
    const runs: Array<{ workflowId: string; runId: string }> = [];
    for await (const run of stack.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) runs.push({ workflowId: run.workflowId, runId: run.runId });
    expect(runs.length).toBeGreaterThanOrEqual(3);
    let encryptedPayloads = 0;
    for (const execution of runs) {
      // Raw from the server, as the Temporal UI and anyone with access to its database see it.
      const { history } = await workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution });
      // Everything the server keeps in the clear: the history with each encrypted payload's ciphertext
      // left out (a short name such as "Bob" turns up in random ciphertext by chance).
      const clear = Buffer.from(proto.temporal.api.history.v1.History.encode(withoutCiphertext(history ?? {})).finish());
      // What stays in the clear is still there (the workflow type is never encrypted).
      expect(clear.includes('Workflow')).toBe(true);
      for (const secret of [ALICE_PHONE, BOB_PHONE, 'alice@example.test', 'bob@example.test', 'Alice', 'Bob', 'checkout p99 above 2s', 'rolled back the deploy', RUNBOOK_ERROR_SECRET]) {
        expect(clear.includes(secret), `${secret} in the history of ${execution.workflowId}`).toBe(false);
      }
      const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
      for (const payload of [...(started?.input?.payloads ?? []), ...Object.values(started?.memo?.fields ?? {})]) {
        expect(Buffer.from(payload.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
        encryptedPayloads += 1;
      }
    }
    expect(encryptedPayloads).toBeGreaterThan(0);
    // The codec endpoint opens them again for a caller with a key (the Temporal UI and CLI). A run
    // an alert opened (not one continued as new, whose input is carried state) starts with its alert.
    let sealed;
    // Problem workflows share the task queue; their input is a problem, not an alert.
    for (const execution of runs.filter((run) => run.workflowId.startsWith('incident/'))) {
      const { history } = await workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution });
      const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
      if (started?.continuedExecutionRunId) continue;
      sealed = started?.input?.payloads?.[0];
      if (sealed) break;
    }
    if (!sealed) throw new Error('no run opened by an alert among the listed runs');
    const toBase64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');
    const decoded = await fetch(`${stack.apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(sealed.metadata ?? {}).map(([name, value]) => [name, toBase64(value)])), data: toBase64(sealed.data) }] }),
    });
    expect(decoded.status).toBe(200);
    const { payloads } = (await decoded.json()) as { payloads: Array<{ data: string }> };
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toHaveProperty('alert');
  });
  it('lists its incidents for the KPIs with exactly the facts the SDK decodes from their encrypted memos and attributes', async () => {
    // Runs after the tests above: their incidents were acknowledged by SMS, resolved over the API and by a runbook.
    const query = `WorkflowType = 'incidentWorkflow' AND TaskQueue = '${stack.taskQueue}'`;
    const expected = new Map<string, RunRecord>();
    for await (const execution of stack.client.workflow.list({ query })) {
      const attribute = execution.typedSearchAttributes;
      const closeMs = execution.closeTime?.getTime();
      const incidentId = (execution.memo as { incidentId: string }).incidentId;
      const at = (value: Date | undefined) => (value ? { value: value.toISOString() } : undefined);
      const resolvedAt = at(attribute.get(searchAttributes.resolvedAt)) ?? (attribute.get(searchAttributes.status) === 'resolved' && closeMs ? { value: new Date(closeMs).toISOString() } : undefined);
      const opened = at(attribute.get(searchAttributes.openedAt));
      const acknowledged = at(attribute.get(searchAttributes.acknowledgedAt));
      const resolvedBy = attribute.get(searchAttributes.resolvedBy);
      const pages = attribute.get(searchAttributes.pages);
      expected.set(`${execution.workflowId}/${execution.runId}`, {
        runKey: `${execution.workflowId}/${execution.runId}`,
        incidentId,
        startMs: execution.startTime.getTime(),
        ...(closeMs !== undefined ? { closeMs } : {}),
        facts: {
          incidentId,
          key: attribute.get(searchAttributes.fingerprint) ?? execution.workflowId,
          service: attribute.get(searchAttributes.service) ?? '',
          severity: (attribute.get(searchAttributes.severity) ?? 'critical') as Severity,
          ...(opened ? { openedAt: opened.value } : {}),
          ...(acknowledged ? { acknowledgedAt: acknowledged.value } : {}),
          ...(resolvedAt ? { resolvedAt: resolvedAt.value } : {}),
          ...(resolvedBy ? { resolvedBy: resolvedBy as ResolverKind } : {}),
          ...(pages !== undefined ? { pages } : {}),
        },
      });
    }
    const listed: RunRecord[] = [];
    // Pages of two, so the page tokens are walked too.
    for await (const page of listRawRuns(stack.client, query, ['incidentId'], { pageSize: 2 })) listed.push(...page.map(recordOf));
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(new Map(listed.map((record) => [record.runKey, record]))).toEqual(expected);
    // The attributes the KPIs need were there to compare: resolved, acknowledged and paged incidents.
    expect(listed.filter((record) => record.facts.resolvedBy === 'runbook' && record.facts.resolvedAt)).not.toHaveLength(0);
    expect(listed.filter((record) => record.facts.acknowledgedAt && (record.facts.pages ?? 0) > 0)).not.toHaveLength(0);
  });
});
