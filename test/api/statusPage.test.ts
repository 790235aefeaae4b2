/**
 * Public status pages: what stakeholders see, and above all what they do not. Internal detail
 * (alert text, labels, dedup keys, responders' names, pages, runbook output, timeline) is put
 * on an incident here on purpose, and must not reach the page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../domain/config';
import { makeAlert } from '../../devkit/alerts';
import { startTestApp, testConfig } from '../../devkit/testApp';

const config = parseConfig(
  {
    services: {
      checkout: { name: 'Checkout', escalationPolicy: 'p' },
      storage: { name: 'Storage <nodes>', escalationPolicy: 'p' },
      search: { escalationPolicy: 'p' },
    },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice Secretname', email: 'alice@example.test', phone: '+15550100001' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    statusPages: [{ id: 'shop', title: 'Shop & <friends> status', services: ['checkout', 'storage'] }],
  },
  'status page test config',
);

let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An incident with every kind of internal detail on it, and two published updates. */
function openLoudIncident(fake: Awaited<ReturnType<typeof startTestApp>>['fake']) {
  const view = fake.open(
    makeAlert({
      service: 'checkout',
      severity: 'critical',
      summary: 'INTERNAL-SUMMARY db-primary-7 out of memory',
      dedupKey: 'INTERNAL-DEDUP-KEY',
      source: 'alertmanager',
      labels: { instance: 'INTERNAL-LABEL-host-42', team: 'INTERNAL-TEAM' },
    }),
  );
  const incident = fake.incidents.get(view.id)!;
  const now = new Date();
  incident.recordPage({ id: 'bob', name: 'Bob Pagedperson', phone: '+15550100002' }, 'sms', { cycle: 0, levelIndex: 0 }, now, 'sent');
  incident.startRunbook('INTERNAL-RUNBOOK-ID', now);
  incident.recordRunbookStep({ step: 'diagnose', ok: false, summary: 'INTERNAL-RUNBOOK-OUTPUT heap 98%', at: now.toISOString() });
  incident.recordNote('INTERNAL-NOTE from the workflow', now);
  incident.acknowledge('Alice Secretname (sms)', now);
  incident.recordStatusUpdate({ at: new Date(now.getTime() - 60_000).toISOString(), by: 'Carol Writer', text: 'Older update with an ETA', eta: '2031-01-02T03:04:00.000Z' });
  incident.recordStatusUpdate({ at: now.toISOString(), by: 'Carol Writer (api)', text: 'Payments <b>are</b> slow & we are failing over' });
  return view;
}

describe('status pages', () => {
  it('names the incident commander, and no other role holder', async () => {
    app = await startTestApp({ config });
    const view = openLoudIncident(app.fake);
    app.fake.incidents.get(view.id)!.assignRoles(
      { commander: { id: 'alice', name: 'Alice Commander' }, scribe: { id: 'bob', name: 'Bob Scribename' }, responders: [{ id: 'carol', name: 'Carol Respondername' }] },
      'alice (api)',
      new Date(),
    );
    const html = await (await fetch(`${app.url}/status/shop`)).text();
    expect(html).toContain('<dt>Incident commander</dt><dd>Alice Commander</dd>');
    expect(html).not.toContain('Scribename');
    expect(html).not.toContain('Respondername');
  });

  it('shows impact, severity, ETA and the latest update of open incidents, and no internal detail', async () => {
    app = await startTestApp({ config });
    const view = openLoudIncident(app.fake);
    app.fake.open(makeAlert({ service: 'search', severity: 'warning', summary: 'search is slow', dedupKey: 'search-slow' }));

    const response = await fetch(`${app.url}/status/shop`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src/);
    const html = await response.text();

    // What stakeholders are told, escaped.
    expect(html).toContain('<title>Shop &amp; &lt;friends&gt; status</title>');
    expect(html).toContain('Storage &lt;nodes&gt;');
    expect(html).toContain('Major outage');
    expect(html).toContain('critical');
    expect(html).toContain('Responders are working on it');
    expect(html).toContain('Payments &lt;b&gt;are&lt;/b&gt; slow &amp; we are failing over');
    expect(html).toContain('datetime="2031-01-02T03:04:00.000Z"');
    expect(html).toMatch(/Storage &lt;nodes&gt;<\/h2><p class="condition">Operational/);
    expect(html).not.toContain('<b>');

    // What they are not: nothing a responder did not publish as an update.
    const internal = [
      'INTERNAL-SUMMARY',
      'db-primary-7',
      'INTERNAL-DEDUP-KEY',
      'INTERNAL-LABEL',
      'INTERNAL-TEAM',
      'instance',
      'alertmanager',
      'INTERNAL-RUNBOOK',
      'INTERNAL-NOTE',
      'Alice',
      'Secretname',
      'Bob',
      'Pagedperson',
      'Carol',
      'Writer',
      '+1555',
      'Older update',
      view.code,
      view.id,
      view.workflowId,
      'search',
    ];
    for (const text of internal) expect(html, `leaks ${text}`).not.toContain(text);
  });

  it('says so when an open incident has no update yet, and is all green once it is resolved', async () => {
    app = await startTestApp({ config });
    const view = app.fake.open(makeAlert({ service: 'storage', severity: 'warning', summary: 'disk 91% on node-3', dedupKey: 'disk' }));
    const before = await (await fetch(`${app.url}/status/shop`)).text();
    expect(before).toContain('Degraded performance');
    expect(before).toContain('Investigating');
    expect(before).toContain('No update has been published yet');
    expect(before).toContain('Some services are affected.');
    expect(before).not.toContain('node-3');
    await app.close();

    // A new app: the page is cached for a few seconds, and this one starts without a cache.
    const fake = app.fake;
    fake.incidents.get(view.id)!.resolve('Alice', new Date());
    app = await startTestApp({ config, gateway: fake.gateway });
    const after = await (await fetch(`${app.url}/status/shop`)).text();
    expect(after).toContain('All services are operating normally.');
    expect(after).not.toContain('Degraded performance');
  });

  it('answers 404 for a page that is not configured, and lists the configured ones', async () => {
    app = await startTestApp({ config });
    const missing = await fetch(`${app.url}/status/__proto__`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No such status page');
    const index = await (await fetch(`${app.url}/status`)).text();
    expect(index).toContain('<a href="/status/shop">Shop &amp; &lt;friends&gt; status</a>');
  });

  it('answers 503, not an error page with internals, while Temporal is unreachable', async () => {
    app = await startTestApp({ config });
    app.fake.state.available = false;
    const response = await fetch(`${app.url}/status/shop`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('cannot be read right now');
  });

  it('rejects a config whose status page names an unknown service or repeats an id', () => {
    const raw = {
      services: { checkout: { escalationPolicy: 'p' } },
      defaultEscalationPolicy: 'p',
      contacts: testConfig.contacts,
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
      statusPages: [
        { id: 'shop', title: 'Shop', services: ['checkout', 'checkuot'] },
        { id: 'shop', title: 'Again', services: ['checkout'] },
      ],
    };
    let error: unknown;
    try {
      parseConfig(raw, 'bad');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toContainEqual({ path: 'statusPages.1.id', message: 'status page "shop" is declared twice' });
    // Cross-field checks run once the fields themselves are valid: fix the duplicate and see it.
    const second = (() => {
      try {
        parseConfig({ ...raw, statusPages: [raw.statusPages[0]] }, 'bad');
      } catch (caught) {
        return (caught as ConfigError).issues;
      }
      return [];
    })();
    expect(second).toContainEqual({ path: 'statusPages.0.services.1', message: 'no service "checkuot"' });
  });
});
