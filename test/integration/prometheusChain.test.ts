/**
 * The whole chain a user runs, with real programs: Debian's Prometheus scrapes a small HTTP
 * target every second and evaluates `up{job="chain"} == 0`; its alert goes to Debian's
 * Alertmanager, whose webhook (integration token, send_resolved) reaches Vigil's alertmanager
 * integration. The test stops the target: exactly one incident and one page. It starts the
 * target again: the incident resolves by itself (the service has auto-resolve on).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import type { EmailMessage, EmailTransport, SmsTransport } from '../../domain/transports';
import { startAlertmanager, vigilWebhookConfig } from '../support/alertmanagerProcess';
import { freePort } from '../../devkit/freePort';
import type { LoopbackDaemon } from '../support/loopbackDaemon';
import { queryValue, startPrometheus } from '../support/prometheusProcess';
import { startStack, type Stack, STACK_AUTH } from '../../devkit/stack';
import { waitFor } from '../../devkit/waitFor';

const TOKEN = `am-${randomUUID()}`;
/** Generous: two cores shared by several agents make every step slower than on a quiet machine. */
const BOUND_MS = 90_000;
const RUNBOOK = 'https://runbooks.example.test/chain-target-down';

let stack: Stack;
let alertmanager: LoopbackDaemon | undefined;
let prometheus: LoopbackDaemon | undefined;
let target: Server | undefined;
let targetPort: number;
const emails: EmailMessage[] = [];

/** The scraped target: one gauge in the text exposition format. */
function startTarget(): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# HELP chain_demo_ready Whether the demo target is ready.\n# TYPE chain_demo_ready gauge\nchain_demo_ready 1\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(targetPort, '127.0.0.1', () => resolve(server));
  });
}

/** Closes the listener and Prometheus's kept-alive connection, so the next scrape fails at once. */
function stopTarget(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const PROMETHEUS_RULES = `groups:
  - name: chain
    interval: 1s
    rules:
      - alert: ChainTargetDown
        expr: up{job="chain"} == 0
        labels:
          severity: critical
          service: chain
        annotations:
          summary: 'chain target {{ $labels.instance }} is down'
          description: 'Prometheus cannot scrape {{ $labels.instance }}.'
          runbook_url: ${RUNBOOK}
`;

function prometheusConfig(alertmanagerPort: number): string {
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${alertmanagerPort}']
rule_files:
  - rules.yml
scrape_configs:
  - job_name: chain
    static_configs:
      - targets: ['127.0.0.1:${targetPort}']
`;
}

async function chainIncidents(): Promise<Array<{ id: string; status: string }>> {
  const response = await fetch(`${stack.apiUrl}/v1/incidents?service=chain`, { headers: STACK_AUTH });
  expect(response.status).toBe(200);
  return ((await response.json()) as { incidents: Array<{ id: string; status: string }> }).incidents;
}

async function incident(id: string): Promise<IncidentView> {
  const response = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(id)}`, { headers: STACK_AUTH });
  expect(response.status).toBe(200);
  return (await response.json()) as IncidentView;
}

const pages = () => emails.filter((message) => message.subject.includes('ACTION NEEDED'));

beforeAll(async () => {
  const email: EmailTransport = { name: 'test', send: async (message) => void emails.push(message) };
  const sms: SmsTransport = { name: 'test', send: async () => ({ id: randomUUID() }) };
  stack = await startStack({
    config: parseConfig(
      {
        services: { chain: { escalationPolicy: 'p', autoResolve: true } },
        defaultEscalationPolicy: 'p',
        contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
        escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '1h' }] } },
        integrations: { prom: { source: 'alertmanager', tokenEnv: 'PROM_TOKEN' } },
      },
      'test',
    ),
    email,
    sms,
    runbooks: [],
    env: { PROM_TOKEN: TOKEN },
    spool: true,
  });
  alertmanager = await startAlertmanager(
    vigilWebhookConfig(`${stack.apiUrl}/v1/integrations/prom`, TOKEN, { groupBy: ['alertname'], groupWait: '1s', groupInterval: '1s' }),
  );
  targetPort = await freePort();
  target = await startTarget();
  // A firing alert tells Alertmanager it ends 4 resend delays later unless re-sent: 5s leaves a loaded
  // machine 15s of slack before Alertmanager would end it by itself. Resolutions go out at once.
  prometheus = await startPrometheus({ configYaml: prometheusConfig(alertmanager.port), ruleFiles: { 'rules.yml': PROMETHEUS_RULES }, resendDelay: '5s' });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  if (target?.listening) await stopTarget(target);
  await stack?.stop();
}, 60_000);

describe('Prometheus → Alertmanager → Vigil, all real', () => {
  it('pages once when the scraped target goes down and resolves by itself when it comes back', async () => {
    const prom = prometheus as LoopbackDaemon;
    await waitFor('Prometheus to scrape the target as up', async () => (await queryValue(prom, 'up{job="chain"}')) === '1', BOUND_MS);
    expect(await chainIncidents()).toEqual([]);

    await stopTarget(target as Server);
    await waitFor('Prometheus to see the target down', async () => (await queryValue(prom, 'up{job="chain"}')) === '0', BOUND_MS);
    const opened = await waitFor('the incident opened through Alertmanager', async () => (await chainIncidents())[0], BOUND_MS);
    await waitFor('the page', () => pages().length > 0, BOUND_MS);

    const detail = await incident(opened.id);
    expect(detail).toMatchObject({ service: 'chain', severity: 'critical', source: 'alertmanager', status: 'triggered', summary: `chain target 127.0.0.1:${targetPort} is down` });
    expect(detail.labels).toMatchObject({ alertname: 'ChainTargetDown', job: 'chain', instance: `127.0.0.1:${targetPort}` });
    // What the rule said reaches the responder: the runbook, the Prometheus graph of the rule, the description.
    const context = detail.alerts?.[0]?.context;
    expect(context?.links).toContainEqual({ label: 'Runbook', url: RUNBOOK });
    const source = context?.links.find((link) => link.label === 'Source');
    expect(source?.url.startsWith(`${prom.url}/graph?g0.expr=`)).toBe(true);
    expect(new URL(source?.url ?? 'http://missing').searchParams.get('g0.expr')).toBe('up{job="chain"} == 0');
    expect(context?.fields).toContainEqual({ name: 'Description', value: `Prometheus cannot scrape 127.0.0.1:${targetPort}.` });
    expect(pages()[0].subject).toContain(`chain target 127.0.0.1:${targetPort} is down`);
    expect(pages()[0].text).toContain(RUNBOOK);

    // Still open while the target is down: only its return may resolve it.
    expect((await incident(opened.id)).status).toBe('triggered');
    const returnedAt = new Date().toISOString();
    target = await startTarget();
    const resolved = await waitFor('the incident resolved by its source', async () => {
      const view = await incident(opened.id);
      return view.status === 'resolved' && view;
    }, BOUND_MS);
    expect(resolved.resolvedBy).toBe('source');
    expect(resolved.resolvedAt! >= returnedAt).toBe(true);
    expect(resolved.alerts?.every((alert) => alert.status === 'resolved')).toBe(true);
    expect(resolved.timeline).toContainEqual(expect.objectContaining({ kind: 'resolved', by: 'source', text: expect.stringContaining('reported resolved by its source') }));
    expect(resolved.timeline.some((entry) => entry.text.startsWith('alertmanager reports resolved: chain target'))).toBe(true);

    // Still one incident and one page once everything has settled (Prometheus re-sent the firing alert meanwhile).
    expect(await chainIncidents()).toHaveLength(1);
    expect(pages()).toHaveLength(1);
    expect(pages()[0].to).toBe('alice@example.test');
  }, 300_000);
});
