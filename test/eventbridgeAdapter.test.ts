/** The EventBridge adapter's mappings (issue 13, point 9), on the fixtures' realistic events and variations of them. */
import { describe, expect, it } from 'vitest';
import { eventBridgeAdapter } from '../api/adapters/eventbridge';
import { AdapterInputError } from '../api/adapters/types';
import { adapterFixture } from './support/fixtures';

type Envelope = { id: string; resources: string[]; detail: Record<string, unknown> } & Record<string, unknown>;

const envelope = (variant?: string) => adapterFixture('eventbridge', variant).payload as Envelope;
const parse = (body: unknown, service = 'checkout') => eventBridgeAdapter.parse(body, { defaultService: service });
const one = (body: unknown) => parse(body)[0];

function fieldOf(body: unknown, context = { defaultService: 'checkout' }): string {
  try {
    eventBridgeAdapter.parse(body, context);
  } catch (error) {
    expect(error).toBeInstanceOf(AdapterInputError);
    return (error as AdapterInputError).field;
  }
  throw new Error('parsed without an error');
}

function alarm(value: string, timestamp: string, id = `id-${value}-${timestamp}`): Envelope {
  const event = envelope();
  return { ...event, id, detail: { ...event.detail, state: { value, reason: `now ${value}`, timestamp } } };
}

describe('eventbridge: CloudWatch alarm state change', () => {
  it('fires on ALARM and resolves on OK under one key, the alarm ARN', () => {
    const opened = one(alarm('ALARM', '2026-11-24T08:45:12.523+0000'));
    const closed = one(alarm('OK', '2026-11-24T08:55:12.523+0000'));
    expect(opened).toMatchObject({ status: 'firing', severity: 'error' });
    expect(closed).toMatchObject({ status: 'resolved', dedupKey: opened.dedupKey, details: { reason: 'now OK' } });
    expect(opened.dedupKey).toBe('cw-arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx-high');
  });

  it('fires INSUFFICIENT_DATA at warning with a state label a rule can match', () => {
    expect(one(alarm('INSUFFICIENT_DATA', '2026-11-24T09:00:00.000+0000'))).toMatchObject({ status: 'firing', severity: 'warning', labels: { state: 'INSUFFICIENT_DATA' } });
  });

  it('reports its state change, ordered by the state timestamp and not the envelope time', () => {
    const event = { ...alarm('OK', '2026-11-24T08:55:12.523+0000'), time: '2026-11-24T23:00:00Z' };
    const change = eventBridgeAdapter.stateChangeOf?.(one(event));
    expect(change).toEqual({ key: 'cw-arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx-high', state: 'resolved', at: new Date('2026-11-24T08:55:12.523Z') });
  });

  it('names the field of a malformed alarm event', () => {
    const event = envelope();
    expect(fieldOf({ ...event, detail: { ...event.detail, state: { value: 'ALARM' } } })).toBe('body.detail.state.timestamp');
    expect(fieldOf({ ...event, detail: { ...event.detail, state: { value: 'ALARM', timestamp: 'yesterday' } } })).toBe('body.detail.state.timestamp');
    expect(fieldOf({ ...event, detail: { ...event.detail, state: { value: 'RED', timestamp: '2026-11-24T08:45:12Z' } } })).toBe('body.detail.state.value');
    expect(fieldOf({ ...event, resources: [] })).toBe('body.resources');
  });
});

describe('eventbridge: AWS Health event', () => {
  const health = (detail: Record<string, unknown>) => {
    const event = envelope('health');
    return one({ ...event, detail: { ...event.detail, ...detail } });
  };

  it('opens an issue at error and resolves it when closed, paired by eventArn', () => {
    const opened = health({});
    const closed = health({ statusCode: 'closed', lastUpdatedTime: 'Tue, 24 Nov 2026 08:02:10 GMT' });
    expect(opened).toMatchObject({ status: 'firing', severity: 'error' });
    expect(closed).toMatchObject({ status: 'resolved', dedupKey: opened.dedupKey });
    expect(eventBridgeAdapter.stateChangeOf?.(closed)?.at).toEqual(new Date('2026-11-24T08:02:10Z'));
  });

  it('fires an upcoming issue at warning and scheduled changes and notifications at info', () => {
    expect(health({ statusCode: 'upcoming' })).toMatchObject({ status: 'firing', severity: 'warning' });
    expect(health({ eventTypeCategory: 'scheduledChange', statusCode: 'upcoming' })).toMatchObject({ status: 'firing', severity: 'info', labels: { category: 'scheduledChange' } });
    expect(health({ eventTypeCategory: 'accountNotification' })).toMatchObject({ severity: 'info' });
    expect(health({ eventTypeCategory: 'scheduledChange', statusCode: 'closed' }).status).toBe('resolved');
  });

  it('names the field of a malformed Health event', () => {
    const event = envelope('health');
    expect(fieldOf({ ...event, detail: { ...event.detail, statusCode: 'gone' } })).toBe('body.detail.statusCode');
    expect(fieldOf({ ...event, detail: { ...event.detail, eventArn: undefined } })).toBe('body.detail.eventArn');
  });
});

describe('eventbridge: GuardDuty finding', () => {
  const finding = (detail: Record<string, unknown>, id?: string) => {
    const event = envelope('guardduty');
    return one({ ...event, ...(id ? { id } : {}), detail: { ...event.detail, ...detail } });
  };

  it('maps the numeric severity by AWS bands: low, medium, high, critical', () => {
    expect([1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map((severity) => finding({ severity }).severity)).toEqual(['info', 'info', 'warning', 'warning', 'error', 'error', 'critical', 'critical']);
    expect(finding({ severity: 8 }).labels.band).toBe('high');
  });

  it('pairs an update of the finding (new event id, higher count) with the first by finding id', () => {
    const first = finding({});
    const event = envelope('guardduty');
    const update = finding({ service: { ...(event.detail.service as object), count: 4 }, updatedAt: '2026-11-24T09:37:31.219Z' }, 'a0b1c2d3-0000-4000-8000-00000000beef');
    expect(update.dedupKey).toBe(first.dedupKey);
    expect(update.senderId).not.toBe(first.senderId);
    expect(update.details.count).toBe(4);
    expect(eventBridgeAdapter.stateChangeOf?.(update)).toBeUndefined();
  });

  it('names the field of a malformed finding', () => {
    expect(fieldOf({ ...envelope('guardduty'), detail: { ...envelope('guardduty').detail, severity: 'HIGH' } })).toBe('body.detail.severity');
    expect(fieldOf({ ...envelope('guardduty'), detail: { ...envelope('guardduty').detail, id: '' } })).toBe('body.detail.id');
  });
});

describe('eventbridge: any other event', () => {
  it('pairs by source, detail-type and resources, else by event id', () => {
    const event = envelope('generic');
    const reordered = one({ ...event, id: 'other', resources: ['arn:b', 'arn:a'] });
    expect(one({ ...event, id: 'again', resources: ['arn:a', 'arn:b'] }).dedupKey).toBe(reordered.dedupKey);
    expect(one({ ...event, resources: [] }).dedupKey).not.toBe(one({ ...event, id: 'x2', resources: [] }).dedupKey);
  });

  it('keeps a large or deep detail as clipped text', () => {
    const big = one({ ...envelope('generic'), detail: { blob: 'x'.repeat(20_000) } });
    expect(typeof big.details.detail).toBe('string');
    expect((big.details.detail as string).length).toBeLessThanOrEqual(8001);
    const deep = one({ ...envelope('generic'), detail: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } });
    expect(typeof deep.details.detail).toBe('string');
  });

  it('reads an aws.* detail-type from another source generically (a custom app cannot pose as CloudWatch)', () => {
    const spoof = one({ ...envelope(), source: 'my.app' });
    expect(spoof.labels.eventSource).toBe('my.app');
    expect(eventBridgeAdapter.stateChangeOf?.(spoof)).toBeUndefined();
  });
});

describe('eventbridge: envelope', () => {
  it('takes the envelope id as the sender identity', () => {
    expect(one(envelope('generic')).senderId).toBe('ee376907-2647-4179-9203-343cfb3017a4');
  });

  it('names the missing or malformed envelope field, and a missing service', () => {
    const { ['detail-type']: _dropped, ...noType } = envelope();
    expect(fieldOf(noType)).toBe('body.detail-type');
    expect(fieldOf({ ...envelope(), id: 7 })).toBe('body.id');
    expect(fieldOf({ ...envelope(), detail: 'text' })).toBe('body.detail');
    expect(fieldOf({ ...envelope(), resources: 'arn' })).toBe('body.resources');
    expect(fieldOf(envelope(), { defaultService: '' })).toBe('integration.service');
  });
});
