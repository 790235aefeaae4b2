/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager, on loopback) sends its own
 * webhook to Vigil for alerts posted to it: its alert group opens one incident listing both
 * alerts, and once Alertmanager reports both resolved the incident resolves (the service has
 * auto-resolve on).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import type { EmailTransport, SmsTransport } from '../../domain/transports';
import { startAlertmanager, vigilWebhookConfig } from '../support/alertmanagerProcess';
import type { LoopbackDaemon } from '../support/loopbackDaemon';
import { startStack, type Stack, STACK_AUTH } from '../../devkit/stack';
import { waitFor } from '../../devkit/waitFor';

const TOKEN = `am-${randomUUID()}`;
const PD_KEY = `pd-${randomUUID()}`;

let stack: Stack;
let alertmanager: LoopbackDaemon;
let alertmanagerUrl: string;
const emails: string[] = [];

beforeAll(async () => {
  const email: EmailTransport = { name: 'test', send: async (message) => void emails.push(message.subject) };
  const sms: SmsTransport = { name: 'test', send: async () => ({ id: randomUUID() }) };
  stack = await startStack({
    config: parseConfig(
      {
        services: { storage: { escalationPolicy: 'p', autoResolve: true } },
        defaultEscalationPolicy: 'p',
        contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
        escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '1h' }] } },
        integrations: { prom: { source: 'alertmanager', tokenEnv: 'PROM_TOKEN' }, pd: { source: 'pagerduty', service: 'db', tokenEnv: 'PD_TOKEN' } },
      },
      'test',
    ),
    email,
    sms,
    runbooks: [],
    env: { PROM_TOKEN: TOKEN, PD_TOKEN: PD_KEY },
    spool: true,
  });

  alertmanager = await startAlertmanager(
    vigilWebhookConfig(`${stack.apiUrl}/v1/integrations/prom`, TOKEN, { groupBy: ['alertname'], groupWait: '1s', groupInterval: '1s' }),
  );
  alertmanagerUrl = alertmanager.url;
});

afterAll(async () => {
  await alertmanager?.stop();
  await stack?.stop();
});

function postToAlertmanager(instance: string, endsAt?: string) {
  return fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'DiskAlmostFull', service: 'storage', severity: 'critical', instance },
        annotations: { summary: `${instance} /var is 95% full` },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        ...(endsAt ? { endsAt } : {}),
      },
    ]),
  });
}

async function incident(id: string): Promise<IncidentView> {
  return (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(id)}`, { headers: STACK_AUTH })).json()) as IncidentView;
}

describe('Prometheus Alertmanager as a real sender', () => {
  it('opens one incident for its alert group, lists both alerts, and resolves once Alertmanager resolves both', async () => {
    expect((await postToAlertmanager('node-7')).status).toBe(200);
    expect((await postToAlertmanager('node-8')).status).toBe(200);
    const listed = await waitFor(
      'the incident opened by Alertmanager',
      async () => {
        const response = await fetch(`${stack.apiUrl}/v1/incidents?service=storage`, { headers: STACK_AUTH });
        const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
        return incidents[0];
      },
      30_000,
    );
    const both = await waitFor('both alerts in the incident', async () => {
      const view = await incident(listed.id);
      return view.alerts?.length === 2 && view;
    }, 30_000);
    expect(both).toMatchObject({ service: 'storage', severity: 'critical', source: 'alertmanager' });
    expect(both.dedupKey).toMatch(/^am-[0-9a-f]{16}$/);
    expect(both.groupKey).toMatch(/^alertmanager-group-/);
    expect(both.alerts?.map((alert) => alert.summary).sort()).toEqual(['node-7 /var is 95% full', 'node-8 /var is 95% full']);
    await waitFor('the page', () => emails.some((subject) => subject.includes('/var is 95% full')));
    const listedNow = ((await (await fetch(`${stack.apiUrl}/v1/incidents?service=storage`, { headers: STACK_AUTH })).json()) as { incidents: unknown[] }).incidents;
    expect(listedNow).toHaveLength(1);

    expect((await postToAlertmanager('node-7', new Date().toISOString())).status).toBe(200);
    const halfway = await waitFor("Alertmanager's first resolution on the timeline", async () => {
      const view = await incident(listed.id);
      return view.timeline.some((entry) => entry.text.includes('alertmanager reports resolved')) && view;
    }, 30_000);
    expect(halfway.status).toBe('triggered');

    expect((await postToAlertmanager('node-8', new Date().toISOString())).status).toBe(200);
    const resolved = await waitFor('the incident resolved by its source', async () => {
      const view = await incident(listed.id);
      return view.status === 'resolved' && view;
    }, 30_000);
    expect(resolved.resolvedBy).toBe('source');
    expect(resolved.alerts?.every((alert) => alert.status === 'resolved')).toBe(true);
  });
});

describe('PagerDuty Events v2 senders', () => {
  it('open an incident on trigger and acknowledge it on acknowledge, through Temporal', async () => {
    const send = (event: Record<string, unknown>) =>
      fetch(`${stack.apiUrl}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routing_key: PD_KEY, dedup_key: 'db-replica-lag', ...event }) });
    const triggered = await send({ event_action: 'trigger', payload: { summary: 'replica lag 300s', source: 'db-7', severity: 'error' } });
    expect(triggered.status).toBe(202);
    expect(((await triggered.json()) as { dedup_key: string }).dedup_key).toBe('db-replica-lag');
    expect((await send({ event_action: 'acknowledge' })).status).toBe(202);
    const listed = await waitFor('the acknowledged PagerDuty-sent incident', async () => {
      const response = await fetch(`${stack.apiUrl}/v1/incidents?service=db&status=acknowledged`, { headers: STACK_AUTH });
      const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
      return incidents[0];
    });
    const view = (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(listed.id)}`, { headers: STACK_AUTH })).json()) as IncidentView;
    expect(view).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'pd (pagerduty)', dedupKey: 'db-replica-lag' });
  });
});
