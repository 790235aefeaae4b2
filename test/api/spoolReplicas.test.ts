/**
 * Two API replicas on one store through a Temporal outage (issue 12, point 4): the spool's state
 * is the store's, so the replica that does not hold the forwarder's lease goes back to direct
 * delivery once the spool is drained, nobody polls in a hot loop, and one key's alerts reach
 * Temporal in the order they were answered whichever replica took them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startReplicas } from '../../devkit/replicas';
import { API_KEY, testConfigWith } from '../../devkit/testApp';

const PD_KEY = 'pd-routing-key-0000000000000000';
const config = testConfigWith({ integrations: { pd: { source: 'pagerduty', service: 'checkout', tokenEnv: 'PD_KEY' } } });
/** Idle store queries per second of two replicas, well above their normal 2–4 and far below a loop without pause. */
const IDLE_QUERY_BOUND = 20;

let cluster: Awaited<ReturnType<typeof startReplicas>> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** A PagerDuty event whose summary carries its place in the sequence the test sends. */
function pdEvent(action: 'trigger' | 'resolve', key: string, seq: number) {
  return { routing_key: PD_KEY, event_action: action, dedup_key: key, payload: { summary: `seq ${seq}`, source: 'checkout', severity: 'critical' } };
}

async function send(url: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.status;
}

async function postAlert(url: string, dedupKey: string) {
  const response = await fetch(`${url}/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ service: 'checkout', summary: 'direct again?', severity: 'warning', dedupKey }),
  });
  return { status: response.status, body: (await response.json()) as { status: string } };
}

describe('two replicas on one store through a Temporal outage', () => {
  it('keeps per-key order across replicas, drains once, and puts both replicas back to direct delivery without a hot loop', { timeout: 240_000 }, async () => {
    cluster = await startReplicas({ count: 2, config, env: { PD_KEY }, maxBackoffMs: 1_000 });
    const { replicas, fake, taken } = cluster;
    const [a, b] = replicas;
    const idleBefore = await cluster.queryRate(2_000);

    // The outage: alerts of three keys alternate between the replicas, each sent after the last was answered.
    const keys = ['disk', 'cpu', 'memory'];
    let seq = 0;
    const statuses: number[] = [];
    fake.state.available = false;
    for (let n = 0; n < 18; n++) statuses.push(await send(replicas[n % 2].url, pdEvent('trigger', keys[n % 3], ++seq)));
    expect(await a.spool.waiting()).toBe(true);

    // Temporal is back; before the holder (A) has drained, a firing reaches B (which does not
    // hold the lease) and its resolve reaches A: the resolve must not overtake the firing.
    fake.state.available = true;
    statuses.push(await send(b.url, pdEvent('trigger', 'flip', ++seq)));
    statuses.push(await send(a.url, pdEvent('resolve', 'flip', ++seq)));
    for (let n = 0; n < 6; n++) statuses.push(await send(replicas[n % 2].url, pdEvent(n % 2 ? 'resolve' : 'trigger', keys[n % 3], ++seq)));
    expect(statuses.every((status) => status === 202)).toBe(true);

    await expect.poll(() => a.spool.waiting(), { timeout: 60_000, interval: 100 }).toBe(false);
    // Every alert answered 2xx reached Temporal exactly once…
    const seqs = taken.map((item) => Number(item.alert.summary.split(' ')[1]));
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: seq }, (_, index) => index + 1));
    // …and each key's in the order it was answered, across the two replicas.
    for (const key of [...keys, 'flip']) {
      const ofKey = taken.filter((item) => item.alert.dedupKey === key).map((item) => Number(item.alert.summary.split(' ')[1]));
      expect(ofKey, key).toEqual([...ofKey].sort((x, y) => x - y));
    }
    expect(taken.filter((item) => item.alert.dedupKey === 'flip').map((item) => item.action)).toEqual(['trigger', 'resolve']);

    // Drained: both replicas deliver directly again, the one without the lease too.
    for (const replica of [b, a]) {
      const answer = await postAlert(replica.url, `after-${replica.name}`);
      expect(answer, replica.name).toMatchObject({ status: 202, body: { status: 'accepted' } });
    }

    // Idle again: no replica polls the store in a loop.
    const idleAfter = await cluster.queryRate(3_000);
    expect(idleAfter).toBeLessThan(IDLE_QUERY_BOUND);
    expect(idleBefore).toBeLessThan(IDLE_QUERY_BOUND);
  });

  it('puts new alerts behind items another replica spooled, even when Temporal answers this one', { timeout: 120_000 }, async () => {
    cluster = await startReplicas({ count: 2, config, env: { PD_KEY }, idleMs: 60_000 });
    const [a, b] = cluster.replicas;
    cluster.fake.state.available = false;
    expect(await send(b.url, pdEvent('trigger', 'disk', 1))).toBe(202);
    cluster.fake.state.available = true;
    // A never spooled anything itself, and Temporal answers it: the store says B's item waits.
    const answer = await postAlert(a.url, 'disk');
    expect(answer).toMatchObject({ status: 202, body: { status: 'spooled' } });
    expect(cluster.taken).toHaveLength(0);
    await a.forwarder.drain();
    expect(cluster.taken.map((item) => item.alert.summary)).toEqual(['seq 1', 'direct again?']);
  });
});
