/**
 * Opsgenie's Alert API (`/v2/alerts`): an Opsgenie client (Alertmanager's `opsgenie_configs`,
 * scripts using the documented curl calls) opens, acknowledges, closes and annotates Vigil
 * incidents with a GenieKey that is an integration token. SQL store for the triggers by alias and
 * the retry window, fake Temporal gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailureGuardFor } from '../../api/access/limitsFromConfig';
import { createRequestDigests } from '../../api/records/requestDigests';
import { createSenderTriggers } from '../../api/records/senderTriggers';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { adapterFixture } from '../support/fixtures';
import { startTestApp, testConfig } from '../../devkit/testApp';

const GENIE_KEY = 'og-test-0b5c1f2e-made-up-key';
const OTHER_KEY = 'og-test-other-integration-key';
const config = parseConfig(
  {
    ...testConfig,
    services: { checkout: { escalationPolicy: 'p', autoResolve: true } },
    integrations: {
      og: { source: 'opsgenie', tokenEnv: 'OG_KEY', service: 'checkout' },
      // Another sender's integration: its key must not reach og's incidents.
      other: { source: 'opsgenie', tokenEnv: 'OG_OTHER_KEY', service: 'checkout' },
      am: { source: 'alertmanager', tokenEnv: 'AM_TOKEN' },
    },
    limits: { ...testConfig.limits, failedAuthAttempts: 3, failedAuthWindow: '1m', failedAuthBlock: '2m' },
  },
  'test',
);
const ENV = { OG_KEY: GENIE_KEY, OG_OTHER_KEY: OTHER_KEY, AM_TOKEN: 'am-token-not-a-genie-key' };

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;

beforeAll(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ config, env: ENV, senderTriggers: createSenderTriggers(store), requestDigests: createRequestDigests(store) });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

/** `key` '' sends no Authorization header. */
function post(path: string, body: unknown, key = GENIE_KEY) {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === '' ? {} : { authorization: `GenieKey ${key}` }) },
    body: JSON.stringify(body),
  });
}

/** The fixture's Alertmanager create body, under another alias. */
function create(alias: string, fields: Record<string, unknown> = {}) {
  return { ...(adapterFixture('opsgenie').payload as Record<string, unknown>), alias, ...fields };
}

function incidentOf(alias: string) {
  const workflowId = incidentWorkflowId({ service: 'checkout', dedupKey: alias });
  const found = [...app.fake.incidents.entries()].filter(([, incident]) => incident.view().workflowId === workflowId);
  return found.map(([id, incident]) => ({ id, incident }));
}

function expectOpsgenieAccepted(body: Record<string, unknown>) {
  expect(body.result).toBe('Request will be processed');
  expect(typeof body.took).toBe('number');
  expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
}

describe('POST /v2/alerts', () => {
  it('opens an incident for a create, answering 202 as Opsgenie does', async () => {
    const response = await post('/v2/alerts', create('alias-open-1'));
    expect(response.status).toBe(202);
    expectOpsgenieAccepted((await response.json()) as Record<string, unknown>);
    const [opened] = incidentOf('alias-open-1');
    expect(opened.incident.view()).toMatchObject({ service: 'checkout', severity: 'critical', source: 'opsgenie', summary: expect.stringContaining('DiskAlmostFull') });
    expect(opened.incident.view().labels).toMatchObject({ priority: 'P1', entity: 'db-7.example.test', instance: 'db-7.example.test:9100' });
  });

  it('a retried create (same body) and a repeat with the same alias open no second incident; the retry counts once', async () => {
    const before = app.fake.submitted.length;
    const body = create('alias-retry-1');
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await post('/v2/alerts', body)).status).toBe(202);
    // A later notification of the same alert group (message changed, same alias) joins it too.
    expect((await post('/v2/alerts', { ...body, message: '[FIRING:2] DiskAlmostFull (checkout)' })).status).toBe(202);
    // All four reach one workflow id, the one signalWithStart joins while it is open (the fake opens
    // one per call; the Alertmanager test counts real incidents).
    const sent = app.fake.submitted.slice(before);
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((alert) => incidentWorkflowId(alert)))).toEqual(new Set([incidentWorkflowId({ service: 'checkout', dedupKey: 'alias-retry-1' })]));
    const ids = sent.map((alert) => alert.id);
    // Three attempts of one body share one alert id (the workflow counts an id once); the new message is a new alert.
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(ids[3]).not.toBe(ids[0]);
  });

  it('maps P1..P5 through the priority table, P3 when none is given', async () => {
    const severities: Record<string, string> = {};
    for (const priority of ['P1', 'P2', 'P3', 'P4', 'P5', undefined]) {
      const alias = `alias-priority-${priority ?? 'none'}`;
      expect((await post('/v2/alerts', { message: `priority ${priority ?? 'none'}`, alias, ...(priority ? { priority } : {}) })).status).toBe(202);
      severities[priority ?? 'none'] = incidentOf(alias)[0].incident.view().severity;
    }
    expect(severities).toEqual({ P1: 'critical', P2: 'error', P3: 'warning', P4: 'info', P5: 'info', none: 'warning' });
  });

  it('truncates a message over 130 characters, as Opsgenie does', async () => {
    const long = `${'x'.repeat(125)}ééééééééé`;
    expect((await post('/v2/alerts', { message: long, alias: 'alias-long' })).status).toBe(202);
    expect([...incidentOf('alias-long')[0].incident.view().summary]).toHaveLength(130);
  });

  it('refuses a create without message with 422 naming the field, in both shapes', async () => {
    const response = await post('/v2/alerts', { alias: 'alias-no-message', priority: 'P2' });
    expect(response.status).toBe(422);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ message: expect.stringContaining('not processable'), errors: { message: 'Message can not be empty.' }, details: [{ field: 'body.message' }] });
    expect(typeof body.error).toBe('string');
    expect(body.requestId).toBeTypeOf('string');
    expect(incidentOf('alias-no-message')).toHaveLength(0);
  });

  it('refuses a priority outside P1..P5 and a wrong type, naming the field', async () => {
    const priority = await post('/v2/alerts', { message: 'm', priority: 'P9' });
    expect(priority.status).toBe(422);
    expect(await priority.json()).toMatchObject({ details: [{ field: 'body.priority' }], errors: { priority: expect.any(String) } });
    const tags = await post('/v2/alerts', { message: 'm', tags: 'prod' });
    expect(tags.status).toBe(422);
    expect(await tags.json()).toMatchObject({ details: [{ field: 'body.tags' }] });
  });

  it('refuses a wrong or missing GenieKey with 401 in both shapes', async () => {
    for (const key of ['wrong-key', '', 'am-token-not-a-genie-key']) {
      const response = await post('/v2/alerts', create('alias-unauthorised'), key);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ message: 'Could not authenticate', error: 'Could not authenticate', details: [{ field: 'authorization' }] });
    }
    // A Bearer header is not Opsgenie's scheme, even with the right token.
    const bearer = await fetch(`${app.url}/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GENIE_KEY}` }, body: JSON.stringify(create('alias-unauthorised')) });
    expect(bearer.status).toBe(401);
    expect(incidentOf('alias-unauthorised')).toHaveLength(0);
  });
});

describe('acknowledge, close and notes', () => {
  it('acknowledges by alias, notes on the timeline, closes by alias (Alertmanager\'s close body)', async () => {
    expect((await post('/v2/alerts', create('alias-life-1'))).status).toBe(202);
    const [{ id, incident }] = incidentOf('alias-life-1');

    const ack = await post('/v2/alerts/alias-life-1/acknowledge?identifierType=alias', { user: 'dana', source: 'opsgenie-cli', note: 'looking at the disk' });
    expect(ack.status).toBe(202);
    expectOpsgenieAccepted((await ack.json()) as Record<string, unknown>);
    expect(app.fake.incidents.get(id)!.status).toBe('acknowledged');

    const note = await post('/v2/alerts/alias-life-1/notes?identifierType=alias', { user: 'dana', note: 'pruned WAL, 71% now' });
    expect(note.status).toBe(202);
    const texts = incident.view().timeline.map((entry) => entry.text);
    expect(texts).toContain('note by dana (opsgenie): looking at the disk');
    expect(texts).toContain('note by dana (opsgenie): pruned WAL, 71% now');

    const close = await post('/v2/alerts/alias-life-1/close?identifierType=alias', { source: 'http://alertmanager.example.test:9093' });
    expect(close.status).toBe(202);
    expect(app.fake.sourceResolved.at(-1)).toMatchObject({ service: 'checkout', dedupKey: 'alias-life-1', source: 'opsgenie' });
    expect(incident.view().alerts?.map((entry) => entry.status)).toEqual(['resolved']);
  });

  it('a retried note lands once (same body within the retry window)', async () => {
    expect((await post('/v2/alerts', create('alias-note-retry'))).status).toBe(202);
    const noted: string[] = [];
    const original = app.fake.gateway.noteOpen;
    app.fake.gateway.noteOpen = async (key, note) => {
      noted.push(note.id);
      return original(key, note);
    };
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) expect((await post('/v2/alerts/alias-note-retry/notes?identifierType=alias', { note: 'same note' })).status).toBe(202);
    } finally {
      app.fake.gateway.noteOpen = original;
    }
    // The workflow counts a note id once (workflows/incident.ts); both attempts carry the same one.
    expect(noted).toHaveLength(2);
    expect(noted[0]).toBe(noted[1]);
  });

  it('acts by incident id (the default identifierType) and by short code', async () => {
    expect((await post('/v2/alerts', create('alias-by-id'))).status).toBe(202);
    const [{ id, incident }] = incidentOf('alias-by-id');
    expect((await post(`/v2/alerts/${id}/acknowledge`, {})).status).toBe(202);
    expect(incident.status).toBe('acknowledged');
    expect((await post(`/v2/alerts/${incident.view().code}/notes?identifierType=tiny`, { note: 'by code' })).status).toBe(202);
    expect(incident.view().timeline.map((entry) => entry.text)).toContain('note by og (opsgenie): by code');
  });

  it('answers 404 in Opsgenie shape for an unknown identifier, and for another integration\'s alert', async () => {
    expect((await post('/v2/alerts', create('alias-owned'))).status).toBe(202);
    const [{ id }] = incidentOf('alias-owned');
    const cases: Array<[string, string]> = [
      ['/v2/alerts/alias-never-sent/close?identifierType=alias', GENIE_KEY],
      ['/v2/alerts/alias-never-sent/notes?identifierType=alias', GENIE_KEY],
      ['/v2/alerts/not-an-incident-id/acknowledge', GENIE_KEY],
      ['/v2/alerts/ZZZZZZ/acknowledge?identifierType=tiny', GENIE_KEY],
      ['/v2/alerts/alias-owned/close?identifierType=alias', OTHER_KEY],
      [`/v2/alerts/${id}/close`, OTHER_KEY],
    ];
    for (const [path, key] of cases) {
      const response = await post(path, { note: 'n' }, key);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ message: 'Alert does not exist', details: [{ field: 'path.identifier' }], requestId: expect.any(String) });
    }
    expect(app.fake.incidents.get(id)!.status).toBe('triggered');
  });

  it('refuses an unknown identifierType and a note without text with 422 naming the field', async () => {
    expect((await post('/v2/alerts', create('alias-bad-requests'))).status).toBe(202);
    const type = await post('/v2/alerts/alias-bad-requests/close?identifierType=name', {});
    expect(type.status).toBe(422);
    expect(await type.json()).toMatchObject({ details: [{ field: 'query.identifierType' }] });
    const note = await post('/v2/alerts/alias-bad-requests/notes?identifierType=alias', { user: 'dana' });
    expect(note.status).toBe(422);
    expect(await note.json()).toMatchObject({ details: [{ field: 'body.note' }], errors: { note: 'Note can not be empty.' } });
  });
});

describe('access', () => {
  it('other /v2 paths need an API key (deny by default)', async () => {
    const response = await fetch(`${app.url}/v2/somewhere-new`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
  });

  it('wrong GenieKeys count toward the failed-authentication limit', async () => {
    const guarded = await startTestApp({ config, env: ENV, senderTriggers: createSenderTriggers(store), authFailures: authFailureGuardFor(config, store) });
    try {
      const statuses: number[] = [];
      const send = (key: string) =>
        fetch(`${guarded.url}/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `GenieKey ${key}` }, body: JSON.stringify(create('alias-guess')) });
      for (let guess = 0; guess < 5; guess += 1) statuses.push((await send(`guess-${guess}`)).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      // Blocked now, even with the right key.
      expect((await send(GENIE_KEY)).status).toBe(429);
    } finally {
      await guarded.close();
    }
  });
});
