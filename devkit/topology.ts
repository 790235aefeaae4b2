/**
 * Vigil's production topology as processes on loopback, the way hosts would run it: Debian's
 * PostgreSQL (started here on a free port), a self-hosted Temporal server on it (PostgreSQL
 * persistence, SQL visibility; not the dev server), API replicas and workers (`api/main.ts`,
 * `worker/main.ts` via tsx), each on its own `VIGIL_HOME` as on its own host, all sharing Vigil's
 * own database through `DATABASE_URL`, a real SMTP server and the twilio SDK against the loopback
 * Twilio fake. Shared by the multi-host end-to-end test and the two-host kill trials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { decodeIncidentId, incidentCode } from '../domain/incidentId';
import { newPayloadKeyEntry } from '../platform/payloadEncryption';
import { startPostgres, type PostgresServer } from '../scripts/postgres';
import { startTemporalServer, type TemporalServer } from '../scripts/temporalServer';
import type { WebhookPagePayload } from '../domain/channels/webhook';
import { startFakeNtfy, type FakeNtfy } from './fakeNtfy';
import { startFakeTwilio } from './fakeTwilio';
import { freePort } from './freePort';
import { startSmtpSink } from './smtpSink';
import { waitFor } from './waitFor';
import { startWebhookReceiver } from './webhookReceiver';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TOPOLOGY_API_KEY = 'topology-operations-key';
const TWILIO_SID = 'AC0000000000000000000000000000topo';
const TWILIO_TOKEN = 'topology-twilio-token-not-a-secret';
export const TOPOLOGY_TWILIO_FROM = '+15550109000';

/** Every ntfy topic on the topology's fake ntfy server needs this token, in `TOPOLOGY_NTFY_TOKEN_ENV`. */
export const TOPOLOGY_NTFY_TOKEN_ENV = 'TOPOLOGY_NTFY_TOKEN';
const TOPOLOGY_NTFY_TOKEN = 'tk_topologynotasecret';
/** The topology's webhook receiver checks pages signed with the secret in this variable (workers have it). */
export const TOPOLOGY_WEBHOOK_SECRET_ENV = 'TOPOLOGY_WEBHOOK_SECRET';
const TOPOLOGY_WEBHOOK_SECRET = `whsec_${Buffer.from('topology-webhook-secret-not-a-secret').toString('base64')}`;

export interface TopologyOptions {
  /**
   * Vigil's configuration (the object a `vigil.config.mjs` exports); an operations-manager API key
   * is added. A function gets the fakes' addresses first (a contact's ntfy topic URL needs the
   * fake ntfy server's, a contact's webhook the receiver's URL).
   */
  config: Record<string, unknown> | ((fakes: { ntfyBaseUrl: string; webhookUrl: string }) => Record<string, unknown>);
  /** Topics on the fake ntfy server; each takes `TOPOLOGY_NTFY_TOKEN_ENV`'s token. */
  ntfyTopics?: readonly string[];
  apis?: number;
  workers?: number;
  /** Prefix of the temporary directory that holds every log. */
  name?: string;
}

/** One Vigil process (API replica or worker) with its own home, startable again after a kill. */
export interface VigilProcess {
  readonly name: string;
  readonly home: string;
  child: ChildProcess;
  /** When the current child became ready (worker polling, API answering /readyz). */
  readyAtMs: number;
  /** Starts it (again) and waits until ready. */
  start(): Promise<void>;
  /** Sends the signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface Topology {
  dir: string;
  postgres: PostgresServer;
  temporal: TemporalServer;
  temporalClient: Client;
  smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  ntfy: FakeNtfy;
  /** Takes pages on the `webhook` channel, signed with `TOPOLOGY_WEBHOOK_SECRET_ENV`'s secret. */
  webhook: Awaited<ReturnType<typeof startWebhookReceiver<WebhookPagePayload>>>;
  apis: VigilProcess[];
  workers: VigilProcess[];
  apiUrl(replica: number): string;
  /** POST /v1/alerts on one replica, with the operations key; the incident's code when one was opened. */
  postAlert(replica: number, alert: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown>; code?: string; incidentId?: string }>;
  stop(): Promise<void>;
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

function vigilProcess(name: string, script: string, home: string, env: NodeJS.ProcessEnv, ready: (proc: VigilProcess, line: string | undefined) => Promise<boolean> | boolean): VigilProcess {
  mkdirSync(home, { recursive: true });
  let starts = 0;
  const proc: VigilProcess = {
    name,
    home,
    child: undefined as unknown as ChildProcess,
    readyAtMs: 0,
    async start() {
      starts += 1;
      const log = createWriteStream(join(home, `${name}-${starts}.log`));
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...env, VIGIL_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      proc.child = child;
      child.stderr?.pipe(log);
      let sawReadyLine = false;
      let pending = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (!sawReadyLine && line.includes('"msg":"worker started"')) sawReadyLine = true;
      });
      child.once('exit', () => log.end());
      await waitFor(
        `${name} ready (log in ${home})`,
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready; log in ${home}`);
          return ready(proc, sawReadyLine ? 'worker started' : undefined);
        },
        120_000,
      );
      proc.readyAtMs = Date.now();
    },
    async kill(signal) {
      const child = proc.child;
      if (!isRunning(child)) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
  return proc;
}

/**
 * Starts everything, workers first: they register the search attributes and wait until the
 * server accepts them, then the APIs; alerts can be sent as soon as this returns, which is what
 * catches a start that does not wait for the attributes.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const dir = await mkdtemp(join(tmpdir(), `${options.name ?? 'vigil-topology'}-`));
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => console.error(`topology stop: ${(error as Error).message}`));
  };
  try {
    const postgres = await startPostgres({ port: await freePort(), unsafeFast: true });
    stops.push(() => postgres.stop());
    await postgres.createDatabase('vigil');
    const temporal = await startTemporalServer({ db: { host: postgres.host, port: postgres.port, user: postgres.user }, dir: join(dir, 'temporal'), build: false });
    stops.push(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const temporalClient = new Client({ connection, namespace: temporal.namespace });
    const smtp = await startSmtpSink();
    stops.push(() => smtp.close());
    // Calls are answered by a person 1.5 s after they are placed: nobody plays the phone here.
    const twilio = await startFakeTwilio(TWILIO_SID, TWILIO_TOKEN, { answerCallsAfterMs: 1_500 });
    stops.push(() => twilio.close());

    const ntfy = await startFakeNtfy({ tokens: Object.fromEntries((options.ntfyTopics ?? []).map((topic) => [topic, TOPOLOGY_NTFY_TOKEN])) });
    stops.push(() => ntfy.close());
    const webhook = await startWebhookReceiver<WebhookPagePayload>({ secret: TOPOLOGY_WEBHOOK_SECRET });
    stops.push(() => webhook.close());

    const configFile = join(dir, 'vigil.config.mjs');
    // The bursts open dozens of incidents a minute on purpose: the storm guard must not fold them.
    const config = { ...(typeof options.config === 'function' ? options.config({ ntfyBaseUrl: ntfy.baseUrl, webhookUrl: webhook.url }) : options.config), apiKeys: [{ user: 'topology-ops', env: 'VIGIL_API_KEY', role: 'operations-manager' }], limits: { newIncidentsPerMinute: 100_000 } };
    await writeFile(configFile, `export default ${JSON.stringify(config)};\n`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      VIGIL_TASK_QUEUE: 'vigil-topology',
      VIGIL_CONFIG: configFile,
      DATABASE_URL: postgres.url('vigil'),
      VIGIL_API_KEY: TOPOLOGY_API_KEY,
      VIGIL_LINK_SECRET: 'topology-link-secret',
      VIGIL_PUBLIC_URL: 'http://vigil.topology.test',
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Vigil <vigil@topology.test>',
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: TOPOLOGY_TWILIO_FROM,
      TWILIO_API_URL: twilio.baseUrl,
      [TOPOLOGY_NTFY_TOKEN_ENV]: TOPOLOGY_NTFY_TOKEN,
      [TOPOLOGY_WEBHOOK_SECRET_ENV]: TOPOLOGY_WEBHOOK_SECRET,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      // As a deployment runs: histories encrypted, metrics listeners off (replicas share one host).
      VIGIL_PAYLOAD_KEYS: newPayloadKeyEntry('topology'),
      VIGIL_METRICS_PORT: '0',
    };

    const workers = Array.from({ length: options.workers ?? 2 }, (_, index) =>
      vigilProcess(`worker-${index + 1}`, 'worker/main.ts', join(dir, `worker-${index + 1}`), env, (_proc, line) => line === 'worker started'),
    );
    stops.push(() => Promise.all(workers.map((worker) => worker.kill('SIGKILL'))));
    await Promise.all(workers.map((worker) => worker.start()));

    const apiPorts = await Promise.all(Array.from({ length: options.apis ?? 2 }, () => freePort()));
    const apiUrl = (replica: number) => `http://127.0.0.1:${apiPorts[replica]}`;
    const apis = apiPorts.map((port, index) =>
      vigilProcess(`api-${index + 1}`, 'api/main.ts', join(dir, `api-${index + 1}`), { ...env, PORT: String(port) }, () =>
        fetch(`${apiUrl(index)}/readyz`).then((response) => response.ok, () => false),
      ),
    );
    stops.push(() => Promise.all(apis.map((api) => api.kill('SIGKILL'))));
    await Promise.all(apis.map((api) => api.start()));

    return {
      dir,
      postgres,
      temporal,
      temporalClient,
      smtp,
      twilio,
      ntfy,
      webhook,
      apis,
      workers,
      apiUrl,
      async postAlert(replica, alert) {
        const response = await fetch(`${apiUrl(replica)}/v1/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOPOLOGY_API_KEY}` },
          body: JSON.stringify(alert),
        });
        const body = (await response.json()) as Record<string, unknown>;
        const incidentId = typeof body.incidentId === 'string' ? body.incidentId : undefined;
        const ref = incidentId ? decodeIncidentId(incidentId) : undefined;
        return { status: response.status, body, incidentId, code: ref && incidentCode(ref) };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`the topology did not start (logs under ${dir}): ${(error as Error).message}`, { cause: error });
  }
}

/** A page one person received on one channel, as the SMTP sink or the Twilio fake saw it. */
export interface ReceivedPage {
  code: string;
  /** `email:<address>` or `sms:<number>`. */
  recipient: string;
  receivedAtMs: number;
  /**
   * An email's Message-ID, a webhook page's `webhook-id`: a re-send that keeps it is one message to
   * mail clients and Standard Webhooks receivers, which dedupe by it.
   */
  messageId?: string;
}

const EMAIL_PAGE = /^\[Vigil ([0-9A-Z]{6})\] ACTION NEEDED/;
const SMS_PAGE = /^Vigil ([0-9A-Z]{6}) .*Reply ACK \1/;
/** A page call's script spells the code out: `Incident code A. B. 1. …`. */
/** An ntfy page's title: `[AB12CD] Page: critical payments`. */
const NTFY_PAGE = /^\[([0-9A-Z]{6})\] Page: /;
const VOICE_PAGE = /Vigil page\. [^<]*Incident code ((?:[0-9A-Z]\. ){5}[0-9A-Z])\./;

/** Every page (not acknowledgements or other notices) received so far, oldest first. */
export function receivedPages(topology: Pick<Topology, 'smtp' | 'twilio'> & Partial<Pick<Topology, 'ntfy' | 'webhook'>>): ReceivedPage[] {
  const pages: ReceivedPage[] = [];
  for (const mail of topology.smtp.received) {
    const match = EMAIL_PAGE.exec(mail.subject);
    if (match) for (const to of mail.to) pages.push({ code: match[1], recipient: `email:${to}`, receivedAtMs: mail.receivedAtMs, messageId: mail.messageId });
  }
  for (const sms of topology.twilio.received) {
    const match = SMS_PAGE.exec(sms.body);
    if (match) pages.push({ code: match[1], recipient: `sms:${sms.to}`, receivedAtMs: sms.receivedAtMs });
  }
  // A call counts as paged when Twilio accepted it (the fake answers it a moment later).
  for (const call of topology.twilio.calls) {
    const match = VOICE_PAGE.exec(call.twiml);
    if (match) pages.push({ code: match[1].replaceAll('. ', ''), recipient: `voice:${call.to}`, receivedAtMs: call.createdAtMs });
  }
  for (const message of topology.ntfy?.messages ?? []) {
    const match = NTFY_PAGE.exec(String(message.body.title ?? ''));
    if (match) pages.push({ code: match[1], recipient: `ntfy:${message.topic}`, receivedAtMs: message.receivedAtMs });
  }
  // A webhook page counts when the receiver verified its signature and took it (2xx).
  for (const received of topology.webhook?.accepted() ?? []) {
    if (received.payload?.type !== 'notification.page') continue;
    pages.push({ code: received.payload.data.incident.key, recipient: `webhook:${received.payload.data.recipient.id}`, receivedAtMs: received.atMs, messageId: String(received.headers['webhook-id']) });
  }
  return pages.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
}

export interface PageTally {
  /**
   * Pages beyond the first per incident, recipient and channel; `distinct` counts the different
   * messages among them (emails re-sent with one Message-ID count once; every SMS counts).
   */
  duplicates: Array<{ code: string; recipient: string; count: number; distinct: number }>;
  /** Expected (incident, recipient) pairs never paged. */
  missed: Array<{ code: string; recipient: string }>;
}

/** Compares the pages received for `codes` with one page per incident to each of `expectedRecipients`. */
export function tallyPages(pages: readonly ReceivedPage[], codes: readonly string[], expectedRecipients: readonly string[]): PageTally {
  const counts = new Map<string, number>();
  const messages = new Map<string, Set<string>>();
  pages.forEach((page, index) => {
    const key = `${page.code}|${page.recipient}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const seen = messages.get(key) ?? new Set<string>();
    seen.add(page.messageId ?? `page ${index}`);
    messages.set(key, seen);
  });
  const duplicates: PageTally['duplicates'] = [];
  const missed: PageTally['missed'] = [];
  for (const code of codes) {
    for (const recipient of expectedRecipients) {
      const count = counts.get(`${code}|${recipient}`) ?? 0;
      if (count === 0) missed.push({ code, recipient });
      if (count > 1) duplicates.push({ code, recipient, count, distinct: messages.get(`${code}|${recipient}`)?.size ?? count });
    }
  }
  return { duplicates, missed };
}
