/** The SQL-backed replay guards: inbound message ids and the newest state per CloudWatch alarm. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlarmStates } from '../../api/records/alarmStates';
import { createInboundMessages } from '../../api/records/inboundMessages';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

let store: SqlStore;
beforeAll(async () => {
  store = await openSqlStore({});
});
afterAll(async () => {
  await store.close();
});

describe('inbound message ids', () => {
  it('lets exactly one of many simultaneous claims of one id through, across replicas', async () => {
    const replicas = [createInboundMessages(store), createInboundMessages(store)];
    const sid = `SM${'ab'.repeat(16)}`;
    const claims = await Promise.all(Array.from({ length: 6 }, (_, index) => replicas[index % 2].claim('sms', sid)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Another channel's id space is separate.
    expect(await replicas[0].claim('sns', sid)).toBe(true);
  });

  it('takes an id again once released, and forgets old ids only of channels with a retention', async () => {
    const messages = createInboundMessages(store, { keepMs: { sns: 60_000 }, pruneEveryMs: 0 });
    expect(await messages.claim('sns', 'released')).toBe(true);
    await messages.release('sns', 'released');
    expect(await messages.claim('sns', 'released')).toBe(true);
    await messages.claim('sns', 'old-sns');
    await messages.claim('sms', 'old-sms');
    await store.query(`UPDATE inbound_messages SET received_at = now() - interval '2 minutes' WHERE message_id IN ('old-sns', 'old-sms')`);
    expect(await messages.claim('sns', 'old-sns')).toBe(true);
    expect(await messages.claim('sms', 'old-sms')).toBe(false);
  });
});

describe('alarm states', () => {
  const at = (iso: string) => new Date(iso);

  it('advances only to newer state changes and puts the previous one back on restore', async () => {
    const states = createAlarmStates(store);
    const key = 'cw-arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a';
    const alarm = { state: 'firing', at: at('2026-11-29T10:00:00Z') };
    const ok = { state: 'resolved', at: at('2026-11-29T10:05:00Z') };
    expect(await states.advance(key, alarm)).toEqual({ advanced: true, previous: undefined });
    expect(await states.advance(key, ok)).toEqual({ advanced: true, previous: alarm });
    expect(await states.advance(key, alarm)).toEqual({ advanced: false, latest: ok });
    expect((await states.advance(key, ok)).advanced).toBe(false);
    const later = { state: 'firing', at: at('2026-11-29T10:10:00Z') };
    expect((await states.advance(key, later)).advanced).toBe(true);
    await states.restore(key, later, ok);
    expect(await states.advance(key, { state: 'firing', at: at('2026-11-29T10:07:00Z') })).toMatchObject({ advanced: true, previous: ok });
  });

  it('lets one of two replicas advance the same change at once', async () => {
    const key = 'cw-arn:aws:cloudwatch:eu-west-1:123456789012:alarm:b';
    const change = { state: 'firing', at: at('2026-11-29T11:00:00Z') };
    const answers = await Promise.all([createAlarmStates(store).advance(key, change), createAlarmStates(store).advance(key, change)]);
    expect(answers.filter((answer) => answer.advanced)).toHaveLength(1);
  });
});
