/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the real
 * stack: Temporal dev server, worker, API. An alert posted to the API appears without a reload,
 * is acknowledged by a click (only once an API key is given), and the page shows the new state;
 * then the incident page posts a status update, which the public status page shows.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import { ARTIFACTS_DIR, launchChromium } from '../../devkit/browser';
import { postStackAlert, stackIncident } from '../../devkit/stackRequests';
import { startStack, type Stack, STACK_AUTH } from '../../devkit/stack';

const API_KEY = 'browser-test-key';
const OPS_KEY = 'browser-test-ops-key';
const HEARTBEAT_TOKEN = 'browser-test-heartbeat-token';
let stack: Stack;
let browser: Browser;
const pageProblems: string[] = [];

beforeAll(async () => {
  const config = parseConfig(
    {
      services: { checkout: { name: 'Checkout', escalationPolicy: 'p' }, search: { name: 'Search', escalationPolicy: 'p' } },
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice Ops', email: 'alice@example.test' }, bob: { name: 'Bob SRE', email: 'bob@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '30m' }, { notify: ['bob'], channels: ['email'], timeout: '30m' }] } },
      statusPages: [{ id: 'shop', title: 'Shop status', services: ['checkout', 'search'] }],
      heartbeats: { 'nightly-backup': { service: 'search', interval: '24h', grace: '1h', tokenEnv: 'BROWSER_TEST_HEARTBEAT_TOKEN' } },
    },
    'browser test config',
  );
  [stack, browser] = await Promise.all([
    startStack({
      config,
      email: { name: 'memory', send: async () => undefined },
      sms: { name: 'memory', send: async () => ({ id: 'SM0' }) },
      apiKeys: new Map([
        [API_KEY, { user: 'carol', role: 'responder' as const }],
        [OPS_KEY, { user: 'olga', role: 'operations-manager' as const }],
      ]),
      spool: true,
      env: { BROWSER_TEST_HEARTBEAT_TOKEN: HEARTBEAT_TOKEN },
    }),
    launchChromium(),
  ]);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const postAlert = (body: Record<string, unknown>) => postStackAlert(stack, body);

const incident = (id: string) => stackIncident(stack, id);

/**
 * Fails the test on any script error or CSP violation the page reports. The API's own 4xx answers
 * (a 403 for the wrong role, a 404 panel) are logged by Chromium too; the page handles those.
 */
function watch(page: Page): void {
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) pageProblems.push(`console: ${message.text()}`);
  });
}

describe('the dashboard in Chromium', () => {
  it('shows a new alert without reload, acknowledges it by click with the API key, and shows the new state', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    watch(page);
    await page.goto(`${stack.apiUrl}/`);
    expect(page.url()).toBe(`${stack.apiUrl}/dashboard`);
    // Reads need a key: the page says so instead of showing incidents.
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 30_000 }).toMatch(/Reads need an API key/);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('No open incidents.').waitFor({ timeout: 30_000 });

    // Posted after the page loaded: it must turn up by itself.
    const id = await postAlert({ service: 'checkout', summary: 'checkout p99 above 2s', severity: 'critical', dedupKey: 'browser-latency' });
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.locator('td[data-label="Status"]').textContent(), { timeout: 30_000 }).toBe('triggered');
    // Paged at level 1: the row says who holds it and whom to call next.
    await expect.poll(() => row.locator('td[data-label="Level · held by"]').textContent(), { timeout: 30_000 }).toBe('L1 · Alice Ops');
    expect(await row.locator('td[data-label="To escalate"]').textContent()).toBe('level 2: Bob SRE');

    // Without a key the click is refused in the page, and nothing is sent.
    await page.getByRole('button', { name: 'Forget key' }).click();
    const ack = row.getByRole('button', { name: /^Acknowledge / });
    await ack.click();
    await expect.poll(() => page.locator('#notice').textContent()).toMatch(/Enter your API key to acknowledge/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    expect((await incident(id)).status).toBe('triggered');

    // A responder elsewhere posts an update with an ETA: the row shows it once it is read again.
    const update = await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(id)}/updates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ text: 'Rolling back release 2026.11.3', eta: '2031-01-02T03:04:00Z' }),
    });
    expect(update.status).toBe(201);

    // The key, entered once, then the click.
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await ack.click();
    await expect.poll(() => row.locator('td[data-label="Status"]').textContent(), { timeout: 30_000 }).toBe('acknowledged');
    await expect.poll(() => row.locator('td[data-label="Level · held by"]').textContent(), { timeout: 30_000 }).toBe('L1 · carol (api)');
    expect(await page.locator('#notice').textContent()).toMatch(/Acknowledged .* now acknowledged/);
    expect(await row.locator('td[data-label="Under way"]').textContent()).toBe('update: Rolling back release 2026.11.3 (ETA 2031-01-02T03:04:00.000Z)');
    expect(await row.locator('td[data-label="ETA"] time').getAttribute('datetime')).toBe('2031-01-02T03:04:00.000Z');
    expect(await ack.isHidden()).toBe(true);
    const view = await incident(id);
    expect(view.status).toBe('acknowledged');
    expect(view.acknowledgedBy).toBe('carol (api)');

    // Another incident, for a fuller picture; then the screenshot artifact, wide and phone-sized.
    const second = await postAlert({ service: 'search', summary: 'search error rate 7%', severity: 'error', dedupKey: 'browser-search' });
    await page.locator(`tr[data-id="${second}"]`).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator(`tr[data-id="${second}"] td[data-label="Level · held by"]`).textContent(), { timeout: 30_000 }).toBe('L1 · Alice Ops');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.locator(`tr[data-id="${second}"]`).getByRole('button', { name: /^Acknowledge / }).isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-phone.png'), fullPage: true });
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('shows an incident in full, posts a status update and opens a problem from its page, and the status page shows only the update', async () => {
    const id = await postAlert({
      service: 'checkout',
      summary: 'INTERNAL payment db primary OOM',
      severity: 'critical',
      dedupKey: 'browser-detail',
      labels: { instance: 'db-7' },
      // What an Alertmanager alert carries for a responder (#13.3), and a link that must not become one.
      details: { annotations: { description: 'db-7 was killed by the OOM killer', runbook_url: 'https://runbooks.example.test/db-oom', playbook: 'javascript:alert(1)' }, generatorURL: 'https://prometheus.example.test/graph?g0.expr=up' },
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    watch(page);
    await page.goto(`${stack.apiUrl}/dashboard`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.keyboard.press('Enter');
    const link = page.locator(`tr[data-id="${id}"] td[data-label="Incident"] a`);
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.waitForURL(/\/dashboard\/incidents\//);
    await expect.poll(() => page.locator('#title').textContent(), { timeout: 30_000 }).toMatch(/checkout: INTERNAL payment db primary OOM/);
    await expect.poll(() => page.locator('#pages').textContent(), { timeout: 30_000 }).toMatch(/Alice Ops/);
    expect(await page.locator('#timeline').textContent()).toMatch(/paged Alice Ops by email/);
    const temporalLink = await page.locator('#temporal-link').getAttribute('href');
    expect(temporalLink).toMatch(/^http:\/\/localhost:8233\/namespaces\/default\/workflows\/incident%2Fcheckout%2F.+\/[0-9a-f-]{36}\/history$/);
    // The alert's links and details, as safe links and text (the javascript: one is not a link).
    const alertLinks = page.locator('.alerts .alert-links a');
    expect(await alertLinks.evaluateAll((anchors) => anchors.map((anchor) => [anchor.textContent, anchor.getAttribute('href')]))).toEqual([
      ['Runbook', 'https://runbooks.example.test/db-oom'],
      ['Source', 'https://prometheus.example.test/graph?g0.expr=up'],
    ]);
    expect(await page.locator('.alerts .alert-fields').textContent()).toContain('db-7 was killed by the OOM killer');

    // The key was kept for the tab (sessionStorage): no need to enter it again.
    await page.getByText('Post a status update').click();
    await page.getByLabel(/Update for stakeholders/).fill('Payments are slow; we are failing over the database.');
    await page.getByLabel(/Expected resolution/).fill('2031-01-02T03:04');
    await page.getByRole('button', { name: 'Post update' }).click();
    await expect.poll(() => page.locator('#updates').textContent(), { timeout: 30_000 }).toMatch(/carol \(api\): Payments are slow/);
    expect((await incident(id)).updates?.at(-1)?.text).toBe('Payments are slow; we are failing over the database.');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'incident.png'), fullPage: true });

    // Opening a problem is not a responder's write: the API's 403 is shown; another key may.
    await page.getByText('Open a problem for this incident').click();
    await page.getByLabel('Title').fill('Payment database runs out of memory');
    await page.getByRole('button', { name: 'Open problem' }).click();
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toMatch(/Could not open the problem: this needs the problem-manager .*role; the key of carol has the responder role/);
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.getByLabel('API key').fill(OPS_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByRole('button', { name: 'Open problem' }).click();
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toBe('Problem opened, this incident linked to it.');
    const problems = (await (await fetch(`${stack.apiUrl}/v1/problems?status=open`, { headers: STACK_AUTH })).json()) as { problems: Array<{ id: string; title: string }> };
    const opened = problems.problems.find((problem) => problem.title === 'Payment database runs out of memory');
    expect(opened).toBeDefined();
    const problem = (await (await fetch(`${stack.apiUrl}/v1/problems/${encodeURIComponent(opened!.id)}`, { headers: STACK_AUTH })).json()) as { incidents: Array<{ incidentId: string }> };
    expect(problem.incidents.map((linked) => linked.incidentId)).toEqual([id]);

    await page.goto(`${stack.apiUrl}/status/shop`);
    const status = (await page.locator('main').textContent()) ?? '';
    expect(status).toContain('Major outage');
    expect(status).toContain('Payments are slow; we are failing over the database.');
    for (const internal of ['INTERNAL', 'db-7', 'Alice', 'carol', 'p99']) expect(status, internal).not.toContain(internal);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'status-page.png'), fullPage: true });
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('lists a configured heartbeat in its panel with its last ping and next deadline, once pinged', async () => {
    const pinged = await fetch(`${stack.apiUrl}/v1/heartbeats/nightly-backup/ping/${HEARTBEAT_TOKEN}`);
    expect(pinged.status).toBeLessThan(300);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    watch(page);
    await page.goto(`${stack.apiUrl}/dashboard`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.keyboard.press('Enter');
    const row = page.locator('#heartbeats li', { hasText: 'nightly-backup' });
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 30_000 }).toContain('last ping');
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('ok');
    expect(text).toContain('search');
    expect(text).toContain('every 24h (+1h)');
    expect(text).not.toContain('last ping never');
    expect(text).toContain('due by');
    expect(text).not.toContain('[object');
    // Both times are <time> elements carrying the instants the API reported.
    const times = await row.locator('time').evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime')));
    expect(times).toHaveLength(2);
    expect(Date.parse(times[1] as string) - Date.parse(times[0] as string)).toBe(25 * 3600_000);
    expect(pageProblems).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows the three policy documents rendered from the running configuration', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    watch(page);
    await page.goto(`${stack.apiUrl}/dashboard`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.waitForURL(`${stack.apiUrl}/dashboard/policies`);
    for (const title of ['Event Management Policy', 'Incident Management Policy', 'Problem Management Policy']) {
      await expect.poll(() => page.getByRole('heading', { name: title }).count()).toBe(1);
    }
    // The same words as the API's document: a service's escalation path, from the config.
    const incidentPolicy = await (await fetch(`${stack.apiUrl}/v1/policies/incident`, { headers: STACK_AUTH })).text();
    const firstHeading = /^## (.+)$/m.exec(incidentPolicy)?.[1] ?? '';
    expect(firstHeading).not.toBe('');
    expect(await page.locator('#policy-incident').textContent()).toContain(firstHeading);
    expect(await page.locator('#policy-incident table').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'policies.png'), fullPage: true });
    await page.close();
    expect(pageProblems).toEqual([]);
  });

  it('declares an incident without paging from the form, and assigns its roles on its page (#15.5, #15.6)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    watch(page);
    await page.goto(`${stack.apiUrl}/dashboard`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('#declare > summary').click();
    await page.locator('#declare-service option[value="search"]').waitFor({ state: 'attached', timeout: 30_000 });
    await page.locator('#declare-service').selectOption('search');
    await page.locator('#declare-severity').selectOption('error');
    await page.locator('#declare-summary').fill('Customers report search returns nothing');
    await page.locator('#declare-commander').selectOption('bob');
    await page.locator('#declare-page').uncheck();
    await page.getByRole('button', { name: 'Declare' }).click();
    // The form opens the new incident's page.
    await page.waitForURL(/\/dashboard\/incidents\//, { timeout: 30_000 });
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const facts = page.locator('#facts');
    await expect.poll(() => facts.textContent(), { timeout: 30_000 }).toContain('Declaredby carol (dashboard)');
    expect(await facts.textContent()).toContain('CommanderBob SRE');

    await page.getByText('Assign roles').click();
    await page.locator('#role-scribe').selectOption('alice');
    await page.locator('#role-responders').selectOption(['alice', 'bob']);
    await page.getByRole('button', { name: 'Save roles' }).click();
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toBe('Roles saved.');
    await expect.poll(() => facts.textContent(), { timeout: 30_000 }).toContain('ScribeAlice Ops');
    expect(await facts.textContent()).toContain('RespondersAlice Ops, Bob SRE');

    const view = await incident(id);
    expect(view).toMatchObject({ service: 'search', severity: 'error', declaredBy: 'carol (dashboard)', paged: [] });
    expect(view.roles).toEqual({ commander: { id: 'bob', name: 'Bob SRE' }, scribe: { id: 'alice', name: 'Alice Ops' }, responders: [{ id: 'alice', name: 'Alice Ops' }, { id: 'bob', name: 'Bob SRE' }] });
    expect(view.timeline.filter((entry) => entry.kind === 'role').map((entry) => entry.text)).toEqual([
      'commander: Bob SRE, assigned by carol (dashboard)',
      'scribe: Alice Ops, assigned by carol (dashboard)',
      'responders: Alice Ops, Bob SRE, assigned by carol (dashboard)',
    ]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'incident-roles.png'), fullPage: true });
    await page.close();
    expect(pageProblems).toEqual([]);
  });
  it("lists every open row from the workflows' memos exactly as the per-incident query reads it, in different states (decision 73)", async () => {
    const post = (path: string, body: Record<string, unknown>) =>
      fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(body) });
    const paged = await postAlert({ service: 'search', summary: 'search shards red', severity: 'warning', dedupKey: 'rows-paged' });
    const acked = await postAlert({ service: 'checkout', summary: 'checkout 5xx above 1%', severity: 'error', dedupKey: 'rows-acked' });
    const escalated = await postAlert({ service: 'checkout', summary: 'checkout queue backlog', severity: 'critical', dedupKey: 'rows-escalated' });
    await expect.poll(async () => (await incident(acked)).paged.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect((await post(`/v1/incidents/${encodeURIComponent(acked)}/updates`, { text: 'failing over', eta: '2031-02-03T04:05:00Z' })).status).toBe(201);
    expect((await post(`/v1/incidents/${encodeURIComponent(acked)}/ack`, {})).status).toBe(200);
    await expect.poll(async () => (await incident(escalated)).paged.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect((await post(`/v1/incidents/${encodeURIComponent(escalated)}/escalate`, {})).status).toBe(200);
    await expect.poll(async () => (await incident(escalated)).paged.some((page) => page.level === 2), { timeout: 30_000 }).toBe(true);

    const listAll = async () => {
      const rows: Array<Record<string, unknown> & { id: string }> = [];
      let after: string | undefined;
      do {
        const page = (await (await fetch(`${stack.apiUrl}/v1/dashboard/rows?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: STACK_AUTH })).json()) as { incidents: typeof rows; next?: string };
        rows.push(...page.incidents);
        after = page.next;
      } while (after && rows.length < 100);
      return rows;
    };
    const byQuery = async (ids: string[]) => ((await (await fetch(`${stack.apiUrl}/v1/dashboard/incidents?ids=${ids.map(encodeURIComponent).join(',')}`, { headers: STACK_AUTH })).json()) as { incidents: Array<{ id: string }> }).incidents;
    // Visibility is eventually consistent: the listing catches up with the query within moments.
    await expect
      .poll(
        async () => {
          const rows = await listAll();
          const queried = await byQuery(rows.map((row) => row.id));
          const differing = rows.filter((row) => JSON.stringify(row) !== JSON.stringify(queried.find((digest) => digest.id === row.id)));
          const missing = [paged, acked, escalated].filter((id) => !rows.some((row) => row.id === id));
          return { differing: differing.map((row) => [row, queried.find((digest) => digest.id === row.id)]), missing };
        },
        { timeout: 30_000 },
      )
      .toEqual({ differing: [], missing: [] });
    const rows = await listAll();
    const row = (id: string) => rows.find((entry) => entry.id === id);
    expect(row(paged)).toMatchObject({ status: 'triggered', heldBy: ['Alice Ops'], escalation: { level: 1 }, escalateTo: { label: 'level 2', names: ['Bob SRE'] } });
    expect(row(acked)).toMatchObject({ status: 'acknowledged', heldBy: ['carol (api)'], eta: '2031-02-03T04:05:00.000Z', action: { kind: 'update' } });
    expect(row(escalated)).toMatchObject({ status: 'triggered', heldBy: ['Bob SRE'], escalation: { level: 2 } });
    expect(rows.findIndex((entry) => entry.id === escalated)).toBeLessThan(rows.findIndex((entry) => entry.id === paged));
  });
});
