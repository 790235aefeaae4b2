/**
 * The delivery log in the SQL store: intent before the send, confirm after, one holder at a time,
 * and a retry on another host (another log instance on the same store) that sees an unconfirmed intent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqlDeliveryLog } from '../../activities/transports/sqlDeliveryLog';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
});
afterAll(() => store.close());
beforeEach(() => store.query('TRUNCATE notification_deliveries'));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the SQL delivery log', () => {
  it('records the intent, keeps a second attempt out while the first holds it, and says sent once confirmed', async () => {
    const hostA = createSqlDeliveryLog(store);
    const hostB = createSqlDeliveryLog(store);
    expect(await hostA.claim('k1', 'sms', 'a#1', 60_000)).toEqual({ status: 'claimed' });
    const [row] = await store.query<{ state: string; owner: string; attempts: number }>('SELECT state, owner, attempts FROM notification_deliveries');
    expect(row).toEqual({ state: 'sending', owner: 'a#1', attempts: 1 });
    expect(await hostB.claim('k1', 'sms', 'b#2', 60_000)).toMatchObject({ status: 'busy' });
    await hostA.confirm('k1', 'SM123');
    expect(await hostB.claim('k1', 'sms', 'b#2', 60_000)).toEqual({ status: 'sent', providerId: 'SM123' });
    expect(await hostB.takenProviderIds('sms', ['SM123', 'SM999'])).toEqual(new Set(['SM123']));
    expect(await hostB.takenProviderIds('email', ['SM123'])).toEqual(new Set());
  });

  it('lets one of many simultaneous attempts claim a delivery', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, (_, index) => createSqlDeliveryLog(store).claim('k2', 'email', `host${index}`, 60_000)));
    expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim.status === 'busy')).toHaveLength(7);
  });

  it('hands an unconfirmed intent whose lease ran out to the next attempt, telling it when the first began', async () => {
    const hostA = createSqlDeliveryLog(store);
    const hostB = createSqlDeliveryLog(store);
    await hostA.claim('k3', 'sms', 'a#1', 200);
    const [{ started_at: startedAt }] = await store.query<{ started_at: Date }>('SELECT started_at FROM notification_deliveries');
    await sleep(300);
    const claim = await hostB.claim('k3', 'sms', 'b#2', 60_000);
    expect(claim).toEqual({ status: 'claimed', unconfirmed: { startedAt: new Date(startedAt), attempts: 1 } });
    // The first attempt, back from the dead, no longer holds it.
    expect(await hostA.renew('k3', 'a#1', 60_000)).toBe(false);
    expect(await hostB.renew('k3', 'b#2', 60_000)).toBe(true);
    expect(await hostA.claim('k3', 'sms', 'a#3', 60_000)).toMatchObject({ status: 'busy' });
  });

  it('lets the next attempt in at once when the holder releases after a failed send', async () => {
    const log = createSqlDeliveryLog(store);
    await log.claim('k4', 'email', 'a#1', 60_000);
    await log.release('k4', 'a#1');
    expect(await log.claim('k4', 'email', 'a#2', 60_000)).toMatchObject({ status: 'claimed', unconfirmed: { attempts: 1 } });
  });

  it('renews a lease so a slow send keeps it past its first term', async () => {
    const log = createSqlDeliveryLog(store);
    await log.claim('k5', 'sms', 'a#1', 300);
    await sleep(200);
    expect(await log.renew('k5', 'a#1', 300)).toBe(true);
    await sleep(200);
    expect(await log.claim('k5', 'sms', 'b#1', 300)).toMatchObject({ status: 'busy' });
  });
});
