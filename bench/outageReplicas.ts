/**
 * `npm run bench:outage`: two API replicas (in-process apps, each with its own spool object and
 * forwarder) on ONE SQL store (embedded PostgreSQL, as two hosts share one PostgreSQL), in front
 * of a fake Temporal that goes down and comes back. Prints:
 *
 * - the outage: alerts sent, answered 2xx, counted (distinct alert ids Temporal took, which is
 *   what the incident workflow counts), taken twice, out of order per key, spooled answers, and
 *   store queries/s at idle before the outage and after the drain;
 * - a sender retry storm: requests, retries of them on the other replica, alerts counted.
 *
 * Bounded: OUTAGE_SECONDS (default 5) of outage, SENDERS (default 6) keys each with one sender
 * waiting for every answer before the next alert, RETRY_REQUESTS (default 300) in the storm.
 */
import { randomInt } from 'node:crypto';
import { API_KEY, testConfigWith } from '../devkit/testApp';
import { startReplicas } from '../devkit/replicas';
import { waitFor } from '../devkit/waitFor';

const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 5) * 1000;
const AFTER_MS = 3_000;
const SENDERS = Number(process.env.SENDERS ?? 6);
const RETRY_REQUESTS = Number(process.env.RETRY_REQUESTS ?? 300);
const IDLE_SAMPLE_MS = 3_000;
const PD_KEY = 'bench-routing-key-000000000000000';

const config = testConfigWith({
  integrations: { pd: { source: 'pagerduty', service: 'checkout', tokenEnv: 'PD_KEY' } },
  eventPolicy: { rules: [{ name: 'info-events', match: { severity: 'info' }, action: 'event' }] },
});

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  try {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function outage(): Promise<void> {
  const cluster = await startReplicas({ count: 2, config, env: { PD_KEY }, maxBackoffMs: 2_000 });
  try {
    const { replicas, fake, taken } = cluster;
    const idleBefore = await cluster.queryRate(IDLE_SAMPLE_MS);
    let seq = 0;
    let sent = 0;
    let ok = 0;
    let sending = true;
    /** One sender per key: firing and resolve in turn, each to a random replica, after the last was answered. */
    async function sender(key: string): Promise<void> {
      for (let n = 0; sending; n++) {
        const mine = ++seq;
        const action = n % 2 === 0 ? 'trigger' : 'resolve';
        const replica = replicas[randomInt(replicas.length)];
        sent += 1;
        const status = await post(replica.url, '/v2/enqueue', { routing_key: PD_KEY, event_action: action, dedup_key: key, payload: { summary: `seq ${mine}`, source: 'bench', severity: 'critical' } });
        if (status >= 200 && status < 300) ok += 1;
      }
    }
    const senders = Array.from({ length: SENDERS }, (_, index) => sender(`key-${index}`));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    fake.state.available = false;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    fake.state.available = true;
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
    sending = false;
    await Promise.all(senders);
    const drainStart = Date.now();
    await waitFor('the spool to drain', async () => !(await replicas[0].spool.waiting()), 120_000);
    const drainMs = Date.now() - drainStart;
    const idleAfter = await cluster.queryRate(IDLE_SAMPLE_MS);

    const ids = new Set(taken.map((item) => item.alert.id));
    let outOfOrder = 0;
    const lastSeqOfKey = new Map<string, number>();
    for (const item of taken) {
      const mine = Number(item.alert.summary.split(' ')[1]);
      if ((lastSeqOfKey.get(item.alert.dedupKey) ?? 0) > mine) outOfOrder += 1;
      lastSeqOfKey.set(item.alert.dedupKey, Math.max(mine, lastSeqOfKey.get(item.alert.dedupKey) ?? 0));
    }
    console.log(`outage with two replicas on one store (${OUTAGE_MS / 1000} s outage, ${SENDERS} keys, firing/resolve alternating, random replica per alert):`);
    console.log(`  alerts sent ${sent}, answered 2xx ${ok}, counted ${ids.size} (${ids.size === ok ? 'exactly' : `MISMATCH: ${ids.size - ok}`}), taken twice ${taken.length - ids.size}, out of order ${outOfOrder}`);
    console.log(`  spool drained ${drainMs} ms after the last alert`);
    console.log(`  store queries/s at idle: before ${idleBefore.toFixed(1)}, after ${idleAfter.toFixed(1)}`);
  } finally {
    await cluster.close();
  }
}

async function retryStorm(): Promise<void> {
  const cluster = await startReplicas({ count: 2, config, env: { PD_KEY } });
  try {
    const [a, b] = cluster.replicas;
    let retries = 0;
    let ok = 0;
    let events = 0;
    for (let n = 0; n < RETRY_REQUESTS; n++) {
      // A fifth are events (recorded in the store), the rest incidents; every third carries an Idempotency-Key.
      const severity = n % 5 === 0 ? 'info' : 'critical';
      if (severity === 'info') events += 1;
      const body = { service: 'checkout', summary: `storm ${n}`, severity, dedupKey: `storm-${n % 10}` };
      const headers: Record<string, string> = { authorization: `Bearer ${API_KEY}`, ...(n % 3 === 0 ? { 'idempotency-key': `storm-${n}` } : {}) };
      // The first answer is "lost": the sender retries on the other replica, one to three times.
      const attempts = 2 + randomInt(3);
      for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) retries += 1;
        if ((await post(attempt % 2 === 0 ? a.url : b.url, '/v1/alerts', body, headers)) === 202) ok += 1;
      }
    }
    const counted = new Set(cluster.taken.map((item) => item.alert.id)).size;
    const eventRows = (await cluster.store.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0].n;
    console.log(`sender retry storm on two replicas (each request retried 1–3 times on the other replica):`);
    console.log(`  requests ${RETRY_REQUESTS}, retries ${retries}, answered 2xx ${ok}`);
    console.log(`  incident alerts counted ${counted} of ${RETRY_REQUESTS - events} (${counted === RETRY_REQUESTS - events ? 'exactly once' : 'MISMATCH'}), Temporal calls ${cluster.taken.length}`);
    console.log(`  events recorded ${eventRows} of ${events} (${eventRows === events ? 'exactly once' : 'MISMATCH'})`);
  } finally {
    await cluster.close();
  }
}

await outage();
await retryStorm();
