/**
 * Several API replicas in one process, as a deployment runs them on several hosts: each has its own
 * app, intake, spool object and forwarder, and all share ONE SQL store (one PGlite here stands for
 * one PostgreSQL) and one fake Temporal that can be made unavailable. Every store query is counted,
 * and every item Temporal took is recorded in the one order Temporal saw them.
 */
import pino from 'pino';
import type { Alert } from '../domain/alert';
import type { VigilConfig } from '../domain/config';
import type { IncidentGateway } from '../api/gateways/incidentGateway';
import { createAlertSpool, type AlertSpool } from '../api/intake/alertSpool';
import { startForwarder, type Forwarder } from '../api/intake/forwarder';
import { forwardToTemporal } from '../api/intake/intakeItem';
import { createEventLog, type EventLog } from '../api/records/eventLog';
import { createRequestDigests } from '../api/records/requestDigests';
import { openSqlStore, type SqlStore } from '../platform/sqlStore';
import { startTestApp, testConfig } from './testApp';
import { createFakeGateway } from './fakeGateway';
import { waitFor } from './waitFor';

export interface TakenItem {
  action: 'trigger' | 'resolve' | 'acknowledge';
  alert: Alert;
}

export interface Replica {
  name: string;
  url: string;
  spool: AlertSpool;
  forwarder: Forwarder;
}

export interface ReplicaOptions {
  count: number;
  config?: VigilConfig;
  env?: NodeJS.ProcessEnv;
  /** The forwarders' pause between looks (their default when absent). */
  idleMs?: number;
  maxBackoffMs?: number;
  /** How long an identical body is taken for a retry (the API's default when absent). */
  retryWindowSeconds?: number;
}

/** A store whose queries are counted, as PostgreSQL would count transactions. */
function counting(store: SqlStore): SqlStore & { readonly queries: number } {
  let queries = 0;
  return {
    kind: store.kind,
    get queries() {
      return queries;
    },
    query(sql, params) {
      queries += 1;
      return store.query(sql, params);
    },
    transaction(work) {
      queries += 1;
      return store.transaction(work);
    },
    close: () => store.close(),
  };
}

/** Temporal's side: what it took, in the order it took it. */
function recording(gateway: IncidentGateway, taken: TakenItem[]): IncidentGateway {
  return {
    ...gateway,
    async submitAlert(alert) {
      const result = await gateway.submitAlert(alert);
      taken.push({ action: 'trigger', alert });
      return result;
    },
    async submitAlerts(alerts) {
      const result = await gateway.submitAlerts(alerts);
      for (const alert of alerts) taken.push({ action: 'trigger', alert });
      return result;
    },
    async noteSourceResolved(alert) {
      const result = await gateway.noteSourceResolved(alert);
      taken.push({ action: 'resolve', alert });
      return result;
    },
    async acknowledgeOpen(alert, actor) {
      const result = await gateway.acknowledgeOpen(alert, actor);
      taken.push({ action: 'acknowledge', alert });
      return result;
    },
  };
}

export async function startReplicas(options: ReplicaOptions) {
  const raw = await openSqlStore({});
  const store = counting(raw);
  const fake = createFakeGateway();
  const taken: TakenItem[] = [];
  const gateway = recording(fake.gateway, taken);
  const events: EventLog = createEventLog(store);
  const logger = pino({ level: 'silent' });
  const replicas: Replica[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  for (let index = 0; index < options.count; index++) {
    const spool = await createAlertSpool(store);
    const app = await startTestApp({
      gateway,
      spool,
      events,
      requestDigests: createRequestDigests(store),
      retryWindowSeconds: options.retryWindowSeconds,
      config: options.config ?? testConfig,
      env: options.env ?? {},
    });
    const forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(gateway, item), logger, idleMs: options.idleMs, maxBackoffMs: options.maxBackoffMs });
    // The first replica takes the lease before the next starts, so tests know which one holds it.
    if (index === 0) await waitFor('the first forwarder to take the lease', async () => (await raw.query('SELECT 1 FROM spool_lease')).length === 1);
    replicas.push({ name: String.fromCharCode(65 + index), url: app.url, spool, forwarder });
    closers.push(() => forwarder.stop(), app.close);
  }
  return {
    replicas,
    store,
    fake,
    taken,
    events,
    /** Store queries per second over `ms` of whatever happens meanwhile (idle, in tests). */
    async queryRate(ms: number): Promise<number> {
      const before = store.queries;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ((store.queries - before) * 1000) / ms;
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await raw.close();
    },
  };
}
