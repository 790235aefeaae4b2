/** The dashboard's static files, their Content-Security-Policy, and its two read-only endpoints. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import { digestIncident } from '../../domain/incidentDigest';
import { Incident } from '../../domain/incident';
import { DASHBOARD_DIR, inlineScriptHashes } from '../../api/routes/dashboard';
import { MAX_DIGEST_IDS } from '../../api/routes/dashboardSchemas';
import { makeAlert } from '../../devkit/alerts';
import { startTestApp, AUTH } from '../../devkit/testApp';
import { createChatRecords } from '../../platform/chatRecords';
import { openSqlStore } from '../../platform/sqlStore';

const config = parseConfig(
  {
    services: { checkout: { name: 'Checkout', escalationPolicy: 'three' } },
    defaultEscalationPolicy: 'three',
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test' },
      bob: { name: 'Bob', email: 'bob@example.test' },
      carol: { name: 'Carol', email: 'carol@example.test' },
      dan: { name: 'Dan', email: 'dan@example.test' },
    },
    teams: { leads: { members: ['carol', 'dan'] } },
    escalationPolicies: {
      three: {
        levels: [
          { notify: ['alice'], timeout: '5m' },
          { notify: ['bob'], timeout: '5m' },
          { notify: ['team:leads'], timeout: '5m' },
        ],
        onExhausted: { notify: ['dan'] },
      },
    },
    statusPages: [{ id: 'shop', title: 'Shop', services: ['checkout'] }],
  },
  'dashboard test config',
);

let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('dashboard rows', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  const alert = makeAlert({ service: 'checkout' });
  const fresh = () => new Incident({ id: 'i', code: 'ABC123', workflowId: 'incident/checkout/x', alert, now });

  it('names who holds an incident, what is under way, the ETA and whom to call next', () => {
    const incident = fresh();
    expect(digestIncident(incident.view(), config, now)).toMatchObject({ heldBy: [], escalation: { level: 0 }, escalateTo: { label: 'level 1', names: ['Alice'] } });

    incident.recordEscalation({ cycle: 0, levelIndex: 0 }, 'three', now, new Date(now.getTime() + 300_000));
    incident.recordPage({ id: 'alice', name: 'Alice' }, 'email', { cycle: 0, levelIndex: 0 }, now, 'sent');
    incident.recordEscalation({ cycle: 0, levelIndex: 1 }, 'three', now, undefined);
    incident.recordPage({ id: 'bob', name: 'Bob' }, 'email', { cycle: 0, levelIndex: 1 }, now, 'sent');
    incident.startRunbook('restart', now);
    incident.recordRunbookStep({ step: 'diagnose', ok: true, summary: 'health check fails', at: now.toISOString() });
    const paged = digestIncident(incident.view(), config, now);
    expect(paged.heldBy).toEqual(['Bob']);
    expect(paged.action).toEqual({ at: now.toISOString(), kind: 'runbook', text: 'diagnose ok: health check fails' });
    expect(paged.escalateTo).toEqual({ label: 'level 3', names: ['Carol', 'Dan'] });
    expect(paged.eta).toBeUndefined();

    incident.recordStatusUpdate({ at: now.toISOString(), by: 'Bob', text: 'rolling back', eta: '2026-03-01T11:00:00.000Z' });
    incident.recordStatusUpdate({ at: now.toISOString(), by: 'Bob', text: 'rollback at 50%' });
    incident.acknowledge('Bob (sms)', now);
    const acked = digestIncident(incident.view(), config, now);
    expect(acked.heldBy).toEqual(['Bob (sms)']);
    // The newest update is under way; the ETA is the newest one given.
    expect(acked.action).toMatchObject({ kind: 'update', text: 'update: rollback at 50%' });
    expect(acked.eta).toBe('2026-03-01T11:00:00.000Z');

    incident.recordEscalation({ cycle: 0, levelIndex: 2 }, 'three', now, undefined);
    expect(digestIncident(incident.view(), config, now).escalateTo).toEqual({ label: 'after the last level', names: ['Dan'] });
    incident.resolve('Bob', now);
    expect(digestIncident(incident.view(), config, now).escalateTo).toBeUndefined();
  });
});

describe('dashboard', () => {
  it('redirects / to the dashboard and serves its pages under a CSP with no inline style, and no inline script but the first page\'s own, by its hash', async () => {
    app = await startTestApp({ config });
    const root = await fetch(`${app.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard');

    for (const path of ['/dashboard', `/dashboard/incidents/${encodeURIComponent('some.id')}`, '/dashboard/policies']) {
      const page = await fetch(`${app.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      // Only the first page has an inline script (its first listings, decision 85): its CSP names that script's hash and nothing else inline.
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1].split(' ') ?? [];
      const inline = [...(await page.text()).matchAll(/<script>([\s\S]*?)<\/script>/g)].map(([, code]) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`);
      expect(inline).toHaveLength(path === '/dashboard' ? 1 : 0);
      expect(scriptSrc.sort()).toEqual(["'self'", ...inline].sort());
    }
    const script = await fetch(`${app.url}/dashboard/assets/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${app.url}/dashboard/assets/nothing.js`)).status).toBe(404);
    expect((await fetch(`${app.url}/dashboard/assets/..%2f..%2fapp.ts`)).status).toBe(404);
  });

  it('ships no inline handler or style attribute, no inline script but the first page\'s one, and labels every form field', async () => {
    const files = await readdir(DASHBOARD_DIR);
    const pages = files.filter((file) => file.endsWith('.html'));
    expect(pages.sort()).toEqual(['incident.html', 'index.html', 'policies.html']);
    for (const file of pages) {
      const html = await readFile(join(DASHBOARD_DIR, file), 'utf8');
      expect(html, file).toMatch(/<html lang="en">/);
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)].map(([tag]) => tag);
      expect(inline, file).toEqual(file === 'index.html' ? ['<script>'] : []);
      expect(inlineScriptHashes(html), file).toHaveLength(inline.length);
      expect(html, file).not.toMatch(/\son[a-z]+=/i);
      expect(html, file).not.toMatch(/\sstyle=/i);
      for (const [, id] of html.matchAll(/<(?:input|textarea|select)[^>]*\bid="([^"]+)"/g)) expect(html, `${file}: label for ${id}`).toContain(`<label for="${id}">`);
    }
    for (const file of files.filter((name) => name.endsWith('.js'))) {
      const code = await readFile(join(DASHBOARD_DIR, file), 'utf8');
      // Text goes in as text: no HTML parsing of data anywhere.
      expect(code, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
  });

  it('gives the Temporal UI address and the dashboard rows of the incidents asked for', async () => {
    app = await startTestApp({ config, env: { VIGIL_TEMPORAL_UI_URL: 'https://temporal.example.test/', TEMPORAL_NAMESPACE: 'vigil' } });
    const context = await (await fetch(`${app.url}/v1/dashboard/context`, { headers: AUTH })).json();
    expect(context).toEqual({ temporalUi: { url: 'https://temporal.example.test', namespace: 'vigil' }, services: { checkout: 'Checkout' }, statusPages: [{ id: 'shop', title: 'Shop' }], contacts: { alice: 'Alice', bob: 'Bob', carol: 'Carol', dan: 'Dan' } });

    const view = app.fake.open(makeAlert({ service: 'checkout', summary: 'checkout down' }));
    const rows = await fetch(`${app.url}/v1/dashboard/incidents?ids=${encodeURIComponent(view.id)},nonsense`, { headers: AUTH });
    expect(rows.status).toBe(200);
    const body = await rows.json();
    expect(body.missing).toEqual(['nonsense']);
    expect(body.incidents).toHaveLength(1);
    expect(body.incidents[0]).toMatchObject({ id: view.id, code: view.code, status: 'triggered', summary: 'checkout down', heldBy: [], escalateTo: { label: 'level 1', names: ['Alice'] } });

    const tooMany = Array.from({ length: MAX_DIGEST_IDS + 1 }, (_, index) => `id${index}`).join(',');
    const refused = await fetch(`${app.url}/v1/dashboard/incidents?ids=${tooMany}`, { headers: AUTH });
    expect(refused.status).toBe(400);
    expect((await refused.json()).details[0].field).toBe('query.ids');
  });

  it("links each incident row to its chat room, when it has one (#16)", async () => {
    const store = await openSqlStore({});
    try {
      const chatRecords = createChatRecords(store);
      app = await startTestApp({ config, env: {}, chatRooms: chatRecords });
      const withRoom = app.fake.open(makeAlert({ service: 'checkout', summary: 'checkout down' }));
      const without = app.fake.open(makeAlert({ service: 'checkout', summary: 'checkout slow', dedupKey: 'other' }));
      await chatRecords.recordRoom(withRoom.id, { platform: 'slack', channelId: 'C0ROOM', url: 'https://chat.example.test/inc' }, new Date());
      const body = await (await fetch(`${app.url}/v1/dashboard/incidents?ids=${encodeURIComponent(withRoom.id)},${encodeURIComponent(without.id)}`, { headers: AUTH })).json();
      const rowOf = (id: string) => body.incidents.find((row: { id: string }) => row.id === id);
      expect(rowOf(withRoom.id).chatRoom).toEqual({ platform: 'slack', channelId: 'C0ROOM', url: 'https://chat.example.test/inc', archived: false });
      expect(rowOf(without.id).chatRoom).toBeUndefined();
      // Both pages show it: the list beside the code, the incident page among its facts.
      expect(await readFile(join(DASHBOARD_DIR, 'dashboard.js'), 'utf8')).toContain('digest?.chatRoom');
      expect(await readFile(join(DASHBOARD_DIR, 'incident.js'), 'utf8')).toContain("fact('Chat room'");
    } finally {
      await store.close();
    }
  });

  it('lists every open row a page at a time, most severe and newest first, each as the per-incident read shows it (decision 73)', async () => {
    app = await startTestApp({ config, env: {} });
    const fake = app.fake;
    const now = new Date();
    const severities = ['warning', 'critical', 'error', 'critical', 'info', 'warning', 'critical'] as const;
    // Opened in the same millisecond or apart: the cursor must neither skip nor repeat a row.
    const ids = severities.map((severity, index) => fake.open(makeAlert({ service: 'checkout', severity, summary: `incident ${index}`, dedupKey: `rows-${index}` })).id);
    const incident = (index: number) => fake.incidents.get(ids[index])!;
    // Different states: paged at level 1, escalated to level 2 and acknowledged with an ETA, a runbook under way, resolved.
    incident(0).recordEscalation({ cycle: 0, levelIndex: 0 }, 'three', now, new Date(now.getTime() + 300_000));
    incident(0).recordPage({ id: 'alice', name: 'Alice' }, 'email', { cycle: 0, levelIndex: 0 }, now, 'sent');
    incident(1).recordEscalation({ cycle: 0, levelIndex: 1 }, 'three', now, undefined);
    incident(1).recordPage({ id: 'bob', name: 'Bob' }, 'email', { cycle: 0, levelIndex: 1 }, now, 'sent');
    incident(1).recordStatusUpdate({ at: now.toISOString(), by: 'Bob', text: 'x'.repeat(2000), eta: '2031-01-02T03:04:00.000Z' });
    incident(1).acknowledge('Bob (sms)', now);
    incident(2).startRunbook('restart', now);
    incident(2).recordRunbookStep({ step: 'diagnose', ok: false, summary: 'health check fails', at: now.toISOString() });
    incident(4).resolve('Carol (api)', now);
    // A run from before the row facts: its row is read by query, and only its row.
    fake.withoutRowFacts.add(ids[3]);

    const listed: Array<{ id: string; severity: string; createdAt: string }> = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const response = await fetch(`${app.url}/v1/dashboard/rows?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: AUTH });
      expect(response.status).toBe(200);
      const page = await response.json();
      listed.push(...page.incidents);
      after = page.next;
      pages++;
    } while (after && pages < 10);
    expect(after).toBeUndefined();
    const open = ids.filter((_, index) => index !== 4);
    expect(listed.map((row) => row.id).sort()).toEqual([...open].sort());
    const order = ['critical', 'error', 'warning', 'info'];
    for (let index = 1; index < listed.length; index++) {
      const [before, row] = [listed[index - 1], listed[index]];
      expect(order.indexOf(before.severity) < order.indexOf(row.severity) || (before.severity === row.severity && before.createdAt >= row.createdAt)).toBe(true);
    }
    expect(fake.read).toEqual([ids[3]]);

    // The same thing as the per-incident read (the query) shows, row for row, in every state.
    const byQuery = await (await fetch(`${app.url}/v1/dashboard/incidents?ids=${open.map(encodeURIComponent).join(',')}`, { headers: AUTH })).json();
    for (const row of listed) expect(row).toEqual(byQuery.incidents.find((digest: { id: string }) => digest.id === row.id));
    const acked = listed.find((row) => row.id === ids[1]) as unknown as Record<string, unknown>;
    expect(acked).toMatchObject({ status: 'acknowledged', heldBy: ['Bob (sms)'], eta: '2031-01-02T03:04:00.000Z', escalation: { level: 2 }, escalateTo: { label: 'level 3', names: ['Carol', 'Dan'] } });
    // A long update is cut to a line, in both reads.
    expect(((acked.action as { text: string }).text).length).toBe(280);
    expect(listed.find((row) => row.id === ids[0])).toMatchObject({ heldBy: ['Alice'], escalation: { level: 1 }, escalateTo: { label: 'level 2', names: ['Bob'] } });
    expect(listed.find((row) => row.id === ids[2])).toMatchObject({ action: { kind: 'runbook', text: 'diagnose failed: health check fails' }, heldBy: [] });
  });

  it('gzips a page of rows for a client that accepts it, and refuses a bad page', async () => {
    app = await startTestApp({ config, env: {} });
    for (let index = 0; index < 20; index++) app.fake.open(makeAlert({ service: 'checkout', summary: `incident ${index}`, dedupKey: `gzip-${index}` }));
    const { request } = await import('node:http');
    const get = (headers: Record<string, string>) =>
      new Promise<{ status?: number; encoding?: string; etag?: string }>((resolve, reject) => {
        request(`${app!.url}/v1/dashboard/rows?limit=50`, { headers: { ...AUTH, 'accept-encoding': 'gzip', ...headers } }, (response) => {
          response.resume();
          resolve({ status: response.statusCode, encoding: response.headers['content-encoding'], etag: response.headers.etag as string | undefined });
        })
          .on('error', reject)
          .end();
      });
    const first = await get({});
    expect(first).toMatchObject({ status: 200, encoding: 'gzip' });
    // Unchanged: a 304, as the page's polling expects.
    expect((await get({ 'if-none-match': first.etag ?? '' })).status).toBe(304);
    expect((await get({ 'accept-encoding': 'identity' })).encoding).toBeUndefined();

    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['after=bm90LWEtY3Vyc29y', 'query.after'],
      ['whatever=1', 'query'],
    ]) {
      const refused = await fetch(`${app.url}/v1/dashboard/rows?${query}`, { headers: AUTH });
      expect(refused.status, query).toBe(400);
      expect((await refused.json()).details[0].field, query).toBe(field);
    }
  });

  it('defaults the Temporal UI to the dev server started by npm start', async () => {
    app = await startTestApp({ config, env: {} });
    expect((await (await fetch(`${app.url}/v1/dashboard/context`, { headers: AUTH })).json()).temporalUi).toEqual({ url: 'http://localhost:8233', namespace: 'default' });
  });
});
