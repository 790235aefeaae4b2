/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager, on loopback) configured with
 * `opsgenie_configs` whose `api_url` is Vigil and whose `api_key` is an opsgenie integration's
 * token: an alert posted to it opens one incident that pages, a note by alias lands on its
 * timeline (through Temporal), and once Alertmanager resolves the alert its close by alias
 * resolves the incident (the service has auto-resolve on).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import type { EmailTransport, SmsTransport } from '../../domain/transports';
import { startAlertmanager } from '../support/alertmanagerProcess';
import type { LoopbackDaemon } from '../support/loopbackDaemon';
import { startStack, type Stack, STACK_AUTH } from '../../devkit/stack';
import { waitFor } from '../../devkit/waitFor';

const GENIE_KEY = `og-${randomUUID()}`;

let stack: Stack;
let alertmanager: LoopbackDaemon | undefined;
let alertmanagerUrl: string;
const emails: string[] = [];

beforeAll(async () => {
  const email: EmailTransport = { name: 'test', send: async (message) => void emails.push(message.subject) };
  const sms: SmsTransport = { name: 'test', send: async () => ({ id: randomUUID() }) };
  stack = await startStack({
    config: parseConfig(
      {
        services: { payments: { escalationPolicy: 'p', autoResolve: true } },
        defaultEscalationPolicy: 'p',
        contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
        escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '1h' }] } },
        // No service of its own: Alertmanager's details (its common labels) name it.
        integrations: { genie: { source: 'opsgenie', tokenEnv: 'GENIE_TOKEN' } },
      },
      'test',
    ),
    email,
    sms,
    runbooks: [],
    env: { GENIE_TOKEN: GENIE_KEY },
    spool: true,
  });

  alertmanager = await startAlertmanager(
    [
      'route:',
      '  receiver: vigil-opsgenie',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: vigil-opsgenie',
      '    opsgenie_configs:',
      `      - api_url: ${stack.apiUrl}/`,
      `        api_key: ${GENIE_KEY}`,
      '        priority: P2',
      "        tags: 'prod,payments'",
      '        responders:',
      '          - name: payments-oncall',
      '            type: team',
      '',
    ].join('\n'),
  );
  alertmanagerUrl = alertmanager.url;
}, 180_000);

afterAll(async () => {
  await alertmanager?.stop();
  await stack?.stop();
});

function postToAlertmanager(endsAt?: string) {
  return fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'CardAuthErrors', service: 'payments', severity: 'critical', instance: 'pay-3' },
        annotations: { summary: 'card authorisations failing above 5%' },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        ...(endsAt ? { endsAt } : {}),
      },
    ]),
  });
}

async function incident(id: string): Promise<IncidentView> {
  return (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(id)}`, { headers: STACK_AUTH })).json()) as IncidentView;
}

async function listed(): Promise<Array<{ id: string }>> {
  const response = await fetch(`${stack.apiUrl}/v1/incidents?service=payments`, { headers: STACK_AUTH });
  return ((await response.json()) as { incidents: Array<{ id: string }> }).incidents;
}

describe('Prometheus Alertmanager through opsgenie_configs', () => {
  it('opens one incident that pages, takes a note by alias, and resolves when Alertmanager closes the alert', async () => {
    expect((await postToAlertmanager()).status).toBe(200);
    const opened = await waitFor('the incident opened through the Opsgenie API', async () => (await listed())[0], 60_000);
    const view = await incident(opened.id);
    // Alertmanager's alias is the SHA-256 of its group key: it is the dedup key.
    expect(view).toMatchObject({ service: 'payments', severity: 'error', source: 'opsgenie', status: 'triggered' });
    expect(view.dedupKey).toMatch(/^[0-9a-f]{64}$/);
    expect(view.labels).toMatchObject({ priority: 'P2', tags: 'prod,payments', alertname: 'CardAuthErrors' });
    await waitFor('the page', () => emails.some((subject) => subject.includes('CardAuthErrors')), 60_000);

    // A note by the alias Alertmanager used, as an Opsgenie client would add one, sent twice as a
    // client retries it (same Idempotency-Key and body): the workflow keeps it once.
    const noteText = 'note by dana (opsgenie): failing over to the second acquirer';
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const note = await fetch(`${stack.apiUrl}/v2/alerts/${view.dedupKey}/notes?identifierType=alias`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `GenieKey ${GENIE_KEY}`, 'idempotency-key': 'note-7f3a' },
        body: JSON.stringify({ user: 'dana', note: 'failing over to the second acquirer' }),
      });
      expect(note.status).toBe(202);
    }
    // A later, different note lands after both attempts: by then the retry has been handled.
    const later = await fetch(`${stack.apiUrl}/v2/alerts/${view.dedupKey}/notes?identifierType=alias`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `GenieKey ${GENIE_KEY}` },
      body: JSON.stringify({ user: 'dana', note: 'acquirer A healthy' }),
    });
    expect(later.status).toBe(202);
    const noted = await waitFor('the notes on the timeline', async () => {
      const texts = (await incident(opened.id)).timeline.map((entry) => entry.text);
      return texts.includes('note by dana (opsgenie): acquirer A healthy') && texts;
    }, 30_000);
    expect(noted.filter((text) => text === noteText)).toHaveLength(1);

    expect((await postToAlertmanager(new Date().toISOString())).status).toBe(200);
    const resolved = await waitFor('the incident resolved by Alertmanager\'s close', async () => {
      const current = await incident(opened.id);
      return current.status === 'resolved' && current;
    }, 60_000);
    expect(resolved.resolvedBy).toBe('source');
    expect(await listed()).toHaveLength(1);
  }, 240_000);
});
