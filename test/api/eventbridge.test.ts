/**
 * Amazon EventBridge through an API destination (issue 13, point 9): the whole event posted to
 * `/v1/integrations/<id>` with the token in the connection's API-key header. Alarm state changes
 * are ordered in the SQL store shared by replicas; the envelope id makes a redelivery count once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailureGuardFor } from '../../api/access/limitsFromConfig';
import { createAlarmStates } from '../../api/records/alarmStates';
import { createEventLog, type EventLog } from '../../api/records/eventLog';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { adapterFixture } from '../support/fixtures';
import { startTestApp } from '../../devkit/testApp';

const TOKEN = 'eventbridge-connection-key-0123456789';
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' }, security: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    integrations: {
      aws: { source: 'eventbridge', service: 'checkout', tokenEnv: 'EB_TOKEN', tokenHeader: 'x-vigil-token' },
      guardduty: { source: 'eventbridge', service: 'security', tokenEnv: 'EB_TOKEN', tokenHeader: 'x-vigil-token' },
    },
    // Low findings (severity info) are recorded, not paged: the event log shows how often one counts.
    eventPolicy: { rules: [{ name: 'info-events', match: { severity: 'info' }, action: 'event' }] },
  },
  'test',
);
const env = { EB_TOKEN: TOKEN };

type Envelope = { id: string; detail: Record<string, unknown> } & Record<string, unknown>;
type App = Awaited<ReturnType<typeof startTestApp>>;

let store: SqlStore;
let events: EventLog;
let replicaA: App;
let replicaB: App;

beforeAll(async () => {
  store = await openSqlStore({});
  events = createEventLog(store);
  // Two API replicas, one SQL store: the order of an alarm's changes holds across them.
  replicaA = await startTestApp({ config, env, alarmStates: createAlarmStates(store), events });
  replicaB = await startTestApp({ config, env, alarmStates: createAlarmStates(store), events });
});

afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  await store?.close();
});

async function post(app: App, body: unknown, headers: Record<string, string> = { 'x-vigil-token': TOKEN }, integration = 'aws') {
  const response = await fetch(`${app.url}/v1/integrations/${integration}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { details?: Array<{ field: string }> } };
}

/** An alarm of its own (so tests do not share its order), changed to `value` at `timestamp`, under a fresh event id. */
function alarmEvent(alarm: string, value: 'ALARM' | 'OK', timestamp: string, id: string = randomUUID()): Envelope {
  const event = adapterFixture('eventbridge').payload as Envelope;
  const arn = `arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${alarm}`;
  return { ...event, id, resources: [arn], detail: { ...event.detail, alarmName: alarm, state: { value, reason: `went ${value}`, timestamp } } };
}

function finding(overrides: Record<string, unknown>, id: string = randomUUID()): Envelope {
  const event = adapterFixture('eventbridge', 'guardduty').payload as Envelope;
  return { ...event, id, detail: { ...event.detail, ...overrides } };
}

describe('EventBridge CloudWatch alarms', () => {
  it('opens on ALARM and resolves the same incident on OK', async () => {
    const { fake } = replicaA;
    const opened = await post(replicaA, alarmEvent('cpu-high', 'ALARM', '2026-11-24T08:45:12.523+0000'));
    expect(opened.status).toBe(202);
    const alert = fake.submitted.at(-1);
    expect(alert).toMatchObject({ source: 'eventbridge', service: 'checkout', dedupKey: 'cw-arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cpu-high' });
    const submitted = fake.submitted.length;
    const ok = await post(replicaA, alarmEvent('cpu-high', 'OK', '2026-11-24T08:55:12.523+0000'));
    expect(ok.status).toBe(202);
    expect(ok.body.openIncidentsUpdated).toBe(1);
    expect(fake.submitted.length).toBe(submitted);
    expect(fake.sourceResolved.at(-1)).toMatchObject({ dedupKey: alert?.dedupKey, details: { reason: 'went OK' } });
  });

  it('ignores an OK older than the ALARM already taken, on another replica too, and an ALARM older than its OK', async () => {
    expect((await post(replicaA, alarmEvent('disk-full', 'ALARM', '2026-11-24T10:00:00.000+0000'))).status).toBe(202);
    const resolvedA = replicaA.fake.sourceResolved.length;
    const resolvedB = replicaB.fake.sourceResolved.length;
    // Delivered late, to the other replica: the state it reports was over before the ALARM.
    const late = await post(replicaB, alarmEvent('disk-full', 'OK', '2026-11-24T09:59:00.000+0000'));
    expect(late).toMatchObject({ status: 200, body: { status: 'stale', stale: 1 } });
    expect(replicaA.fake.sourceResolved.length + replicaB.fake.sourceResolved.length).toBe(resolvedA + resolvedB);
    // The real OK resolves; the ALARM before it, redelivered late, reopens nothing.
    expect((await post(replicaB, alarmEvent('disk-full', 'OK', '2026-11-24T10:10:00.000+0000'))).status).toBe(202);
    const submitted = replicaA.fake.submitted.length + replicaB.fake.submitted.length;
    expect((await post(replicaA, alarmEvent('disk-full', 'ALARM', '2026-11-24T10:05:00.000+0000'))).body.status).toBe('stale');
    expect(replicaA.fake.submitted.length + replicaB.fake.submitted.length).toBe(submitted);
  });

  it('answers a malformed alarm event 400 naming the field', async () => {
    const event = alarmEvent('bad', 'ALARM', '2026-11-24T10:00:00.000+0000');
    const response = await post(replicaA, { ...event, detail: { ...event.detail, state: { value: 'ALARM' } } });
    expect(response.status).toBe(400);
    expect(response.body.details?.[0].field).toBe('body.detail.state.timestamp');
    const { ['detail-type']: _dropped, ...untyped } = event;
    expect((await post(replicaA, untyped)).body.details?.[0].field).toBe('body.detail-type');
  });
});

describe('EventBridge redelivery and GuardDuty findings', () => {
  it('counts a redelivered event id once: the same alert id, one event-log row', async () => {
    const event = finding({ id: 'f-redelivered', severity: 8 });
    expect((await post(replicaA, event, undefined, 'guardduty')).status).toBe(202);
    expect((await post(replicaB, event, undefined, 'guardduty')).status).toBe(202);
    const [first, retry] = [replicaA.fake.submitted.at(-1), replicaB.fake.submitted.at(-1)];
    // The incident workflow counts an alert id once.
    expect(retry?.id).toBe(first?.id);

    const low = finding({ id: 'f-low', severity: 2 });
    expect((await post(replicaA, low, undefined, 'guardduty')).body.status).toBe('accepted');
    expect((await post(replicaB, low, undefined, 'guardduty')).body.status).toBe('accepted');
    const rows = (await events.list({ service: 'security', limit: 50 })).filter((row) => row.dedupKey === 'guardduty-f-low');
    expect(rows).toHaveLength(1);
  });

  it('joins an updated finding (new event id, higher count) to the incident of the first', async () => {
    const { fake } = replicaA;
    await post(replicaA, finding({ id: 'f-updated', severity: 7.5 }), undefined, 'guardduty');
    const first = fake.submitted.at(-1);
    const event = finding({});
    await post(replicaA, finding({ id: 'f-updated', severity: 7.5, service: { ...(event.detail.service as object), count: 6 } }), undefined, 'guardduty');
    const update = fake.submitted.at(-1);
    expect(update?.id).not.toBe(first?.id);
    expect(update?.details.count).toBe(6);
    expect(incidentWorkflowId(update as NonNullable<typeof update>)).toBe(incidentWorkflowId(first as NonNullable<typeof first>));
    expect(first?.severity).toBe('error');
  });
});

describe('EventBridge connection credentials', () => {
  it('takes the token in the configured API-key header, as Bearer or as Basic; refuses a wrong one with 401', async () => {
    const event = () => finding({ id: `f-${randomUUID()}`, severity: 5 });
    expect((await post(replicaA, event(), { 'x-vigil-token': TOKEN }, 'guardduty')).status).toBe(202);
    expect((await post(replicaA, event(), { authorization: `Bearer ${TOKEN}` }, 'guardduty')).status).toBe(202);
    expect((await post(replicaA, event(), { authorization: `Basic ${Buffer.from(`vigil:${TOKEN}`).toString('base64')}` }, 'guardduty')).status).toBe(202);
    const submitted = replicaA.fake.submitted.length;
    const wrong = await post(replicaA, event(), { 'x-vigil-token': `${TOKEN}x` }, 'guardduty');
    expect(wrong.status).toBe(401);
    expect(wrong.body.details?.[0].field).toBe('headers.x-vigil-token');
    expect((await post(replicaA, event(), { 'x-other-header': TOKEN }, 'guardduty')).status).toBe(401);
    expect(replicaA.fake.submitted.length).toBe(submitted);
  });

  it('counts wrong tokens in the configured header as guesses, like a wrong Bearer', async () => {
    const guardStore = await openSqlStore({});
    const limited = { ...config, limits: { ...config.limits, failedAuthAttempts: 3 } };
    const app = await startTestApp({ config: limited, env, alarmStates: createAlarmStates(guardStore), events: createEventLog(guardStore), authFailures: authFailureGuardFor(limited, guardStore) });
    try {
      const statuses: number[] = [];
      for (let guess = 0; guess < 5; guess += 1) statuses.push((await post(app, finding({}), { 'x-vigil-token': `guess-${guess}` }, 'guardduty')).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
    } finally {
      await app.close();
      await guardStore.close();
    }
  });
});
