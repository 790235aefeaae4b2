/**
 * Keying alerts before they reach an incident: the sender's alert group, grouping rules with a
 * window, dedup keys from a label template and severities read through a table.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertGroups } from '../../api/records/alertGroups';
import { incidentWorkflowId } from '../../domain/alert';
import { parseConfig } from '../../domain/config';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { startTestApp } from '../../devkit/testApp';

const config = parseConfig(
  {
    services: { storage: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '5m' }] } },
    integrations: {
      am: { source: 'alertmanager', service: 'storage', tokenEnv: 'TOKEN' },
      'am-apart': { source: 'alertmanager', service: 'storage', tokenEnv: 'TOKEN', groupBySender: false },
      keyed: {
        source: 'alertmanager',
        service: 'storage',
        tokenEnv: 'TOKEN',
        groupBySender: false,
        dedupKey: '{alertname}/{instance}',
        severityFrom: { label: 'priority', values: { P1: 'critical', P4: 'info' } },
      },
    },
    grouping: [{ name: 'per-cluster', match: { labels: { cluster: '*' } }, by: ['cluster'], window: '10m' }],
  },
  'test',
);

let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeEach(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ config, env: { TOKEN: 'secret' }, groups: createAlertGroups(store) });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

function alertmanager(integration: string, alerts: Array<{ labels: Record<string, string>; status?: 'firing' | 'resolved'; fingerprint: string }>) {
  const body = {
    version: '4',
    groupKey: '{}/{}:{alertname="DiskFull"}',
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://am',
    alerts: alerts.map((alert) => ({ status: alert.status ?? 'firing', labels: { alertname: 'DiskFull', ...alert.labels }, annotations: {}, startsAt: '2026-11-25T10:00:00Z', fingerprint: alert.fingerprint })),
  };
  return fetch(`${app.url}/v1/integrations/${integration}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer secret' }, body: JSON.stringify(body) });
}

const incidentKeys = () => app.fake.submitted.map((alert) => incidentWorkflowId(alert));

describe('grouping', () => {
  it("puts the alerts of one Alertmanager group in one incident, unless the integration keeps them apart", async () => {
    expect((await alertmanager('am', [{ labels: { instance: 'a' }, fingerprint: '01' }, { labels: { instance: 'b' }, fingerprint: '02' }])).status).toBe(202);
    const [first, second] = incidentKeys();
    expect(first).toBe(second);
    expect(first).toMatch(/^incident\/storage\/alertmanager-group-/);
    expect(app.fake.submitted.map((alert) => alert.dedupKey)).toEqual(['am-01', 'am-02']);

    await alertmanager('am-apart', [{ labels: { instance: 'a' }, fingerprint: '01' }, { labels: { instance: 'b' }, fingerprint: '02' }]);
    expect(incidentKeys().slice(2)).toEqual(['incident/storage/am-01', 'incident/storage/am-02']);
  });

  it('groups alerts sharing the rule labels, and sends a resolution to the group it belongs to', async () => {
    await alertmanager('am-apart', [
      { labels: { cluster: 'eu-1', instance: 'a' }, fingerprint: '01' },
      { labels: { cluster: 'eu-1', instance: 'b' }, fingerprint: '02' },
      { labels: { cluster: 'us-1', instance: 'c' }, fingerprint: '03' },
    ]);
    const [a, b, c] = incidentKeys();
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^incident\/storage\/group-per-cluster-[0-9A-Z]{14}-1$/);
    await alertmanager('am-apart', [{ labels: { cluster: 'eu-1', instance: 'a' }, fingerprint: '01', status: 'resolved' }]);
    expect(incidentWorkflowId(app.fake.sourceResolved[0])).toBe(a);
  });

  it('starts the next group of a rule once the group has been quiet for longer than its window', async () => {
    const groups = createAlertGroups(store);
    const t = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 10, minutes));
    expect(await groups.touch('g', 600, t(0))).toBe(1);
    expect(await groups.touch('g', 600, t(9))).toBe(1);
    expect(await groups.touch('g', 600, t(18))).toBe(1); // 9 minutes after the last: still open
    expect(await groups.current('g')).toBe(1);
    expect(await groups.touch('g', 600, t(29))).toBe(2); // 11 minutes of quiet
    expect(await groups.current('g')).toBe(2);
    expect(await groups.current('never-seen')).toBe(1);
  });

  it("keys by the integration's label template and reads severity through its table", async () => {
    await alertmanager('keyed', [
      { labels: { instance: 'db-1', priority: 'p1' }, fingerprint: '01' },
      { labels: { instance: 'db-2', priority: 'P4' }, fingerprint: '02' },
      { labels: { instance: 'db-3', priority: 'warning' }, fingerprint: '03' },
      { labels: { instance: 'db-4', priority: 'unheard-of', severity: 'error' }, fingerprint: '04' },
    ]);
    expect(app.fake.submitted.map((alert) => `${alert.dedupKey}:${alert.severity}`)).toEqual(['DiskFull/db-1:critical', 'DiskFull/db-2:info', 'DiskFull/db-3:warning', 'DiskFull/db-4:error']);
  });
});
