/**
 * The production topology as processes, as two hosts would run it (devkit/topology.ts):
 * Debian's PostgreSQL, a self-hosted Temporal server with PostgreSQL persistence and SQL
 * visibility (built once per machine from the Go module proxy: `npx tsx scripts/temporalServer.ts
 * --build`; bash .ci/run does it), two API replicas and two workers on separate VIGIL_HOMEs, one
 * Vigil database, a real SMTP server and the twilio SDK against the loopback fake.
 *
 * Nothing here is skipped when PostgreSQL or the server is missing: start fails with what to
 * install. VIGIL_TOPOLOGY_BURST sets the burst size (default 24 incidents).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIncidentId } from '../../domain/incidentId';
import { receivedPages, startTopology, tallyPages, TOPOLOGY_NTFY_TOKEN_ENV, TOPOLOGY_WEBHOOK_SECRET_ENV, type Topology } from '../../devkit/topology';
import { waitFor } from '../../devkit/waitFor';
import proto from '@temporalio/proto';

const BURST = Number(process.env.VIGIL_TOPOLOGY_BURST ?? 24);
const ALICE = { email: 'alice@example.test', phone: '+15550100001' };
const BOB = { email: 'bob@example.test', phone: '+15550100002' };
/**
 * Level 1 pages alice by email and SMS, level 2 (6 s later) bob by email, SMS, ntfy push (to his
 * topic on the fake ntfy server, with his token), a phone call (the fake answers it as a person
 * would) and a signed webhook page (the loopback receiver verifies it): seven pages per incident.
 */
const EVERY_PAGE = [`email:${ALICE.email}`, `sms:${ALICE.phone}`, `email:${BOB.email}`, `sms:${BOB.phone}`, `ntfy:bob-pages`, `voice:${BOB.phone}`, 'webhook:bob'];
const FIRST_LEVEL = EVERY_PAGE.slice(0, 2);
/** A page activity killed in flight is retried at the latest after its start-to-close timeout (30 s) and first retry interval (2 s). */
const DUPLICATE_GRACE_MS = 35_000;

let topology: Topology;

beforeAll(async () => {
  topology = await startTopology({
    name: 'vigil-multihost',
    ntfyTopics: ['bob-pages'],
    config: ({ ntfyBaseUrl, webhookUrl }) => ({
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: {
        alice: { name: 'Alice', ...ALICE },
        bob: { name: 'Bob', ...BOB, ntfy: { topic: `${ntfyBaseUrl}/bob-pages`, tokenEnv: TOPOLOGY_NTFY_TOKEN_ENV }, webhook: { url: webhookUrl, secretEnv: TOPOLOGY_WEBHOOK_SECRET_ENV } },
      },
      escalationPolicies: {
        p: {
          levels: [
            { notify: ['alice'], channels: ['email', 'sms'], timeout: '6s' },
            { notify: ['bob'], channels: ['email', 'sms', 'ntfy', 'voice', 'webhook'], timeout: '1h' },
          ],
        },
      },
    }),
  });
}, 240_000);

afterAll(async () => {
  await topology?.stop();
}, 60_000);

async function alert(replica: number, key: string): Promise<string> {
  const answer = await topology.postAlert(replica, { service: 'payments', summary: `${key} is failing`, severity: 'critical', dedupKey: key });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  expect(answer.code, `no incident id in ${JSON.stringify(answer.body)}`).toBeDefined();
  return answer.code as string;
}

async function workflowTaskFailures(incidentId: string): Promise<string[]> {
  const ref = decodeIncidentId(incidentId);
  if (!ref) throw new Error(`not an incident id: ${incidentId}`);
  const history = await topology.temporalClient.workflow.getHandle(ref.workflowId, ref.runId).fetchHistory();
  const FAILED = proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;
  return (history.events ?? [])
    .filter((event) => event.eventType === FAILED)
    .map((event) => `${event.workflowTaskFailedEventAttributes?.cause}: ${event.workflowTaskFailedEventAttributes?.failure?.message}`);
}

describe('two API replicas and two workers on one PostgreSQL and a self-hosted Temporal server', () => {
  it('opens an incident from each replica and pages each once; the very first workflow task does not fail', { timeout: 90_000 }, async () => {
    // Sent the moment both APIs answer: on a fresh namespace, attributes registered at start are
    // refused by the server until its namespace cache refreshes (BadSearchAttributes).
    const first = await topology.postAlert(0, { service: 'payments', summary: 'first incident', severity: 'critical', dedupKey: 'first' });
    const second = await topology.postAlert(1, { service: 'payments', summary: 'second incident', severity: 'critical', dedupKey: 'second' });
    for (const answer of [first, second]) expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const codes = [first.code as string, second.code as string];
    await waitFor('both incidents paged on level 1', () => tallyPages(receivedPages(topology), codes, FIRST_LEVEL).missed.length === 0, 60_000);
    expect(await workflowTaskFailures(first.incidentId as string)).toEqual([]);
    expect(await workflowTaskFailures(second.incidentId as string)).toEqual([]);
    expect(tallyPages(receivedPages(topology), codes, FIRST_LEVEL).duplicates).toEqual([]);
  });

  it('pages every incident of a burst once per level when a worker is SIGKILLed mid-burst and restarted', { timeout: 180_000 }, async () => {
    const burst = Array.from({ length: BURST }, (_, index) => `burst-${String(index).padStart(3, '0')}`);
    const pagesBefore = receivedPages(topology).length;
    const codes = await Promise.all(burst.map((key, index) => alert(index % topology.apis.length, key)));
    expect(new Set(codes).size).toBe(BURST);

    // Kill while the first pages are going out: some sent, most not.
    await waitFor('the first pages of the burst', () => receivedPages(topology).length - pagesBefore >= Math.ceil(BURST / 3), 60_000);
    const victim = topology.workers[0];
    await victim.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await victim.start();

    const deadline = Date.now() + 90_000;
    while (tallyPages(receivedPages(topology), codes, EVERY_PAGE).missed.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await new Promise((resolve) => setTimeout(resolve, DUPLICATE_GRACE_MS));
    const tally = tallyPages(receivedPages(topology), codes, EVERY_PAGE);
    expect({ missed: tally.missed, duplicates: tally.duplicates }, `logs under ${topology.dir}`).toEqual({ missed: [], duplicates: [] });
  });
});
