/**
 * A real self-hosted Temporal server, not the dev server: persistence on PostgreSQL and SQL
 * visibility, as a production cluster without Elasticsearch runs. Used by the multi-host test and
 * the two-host kill trials, and by a user who runs Vigil's topology without containers
 * (`npx tsx scripts/temporalServer.ts postgres://…`, see docs/deployment.md).
 *
 * Temporal publishes no server binary on a registry this project can reach, so it is built from
 * the Go module proxy once per machine, into a cache outside the repository.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { status as grpcStatus } from '@grpc/grpc-js';
import pg from 'pg';
import { freeLowPort } from '../devkit/freePort';
import { retryUntilReady, stopChild, stopOnSignal } from '../devkit/childProcess';

export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
/** The Go release the server's module asks for; `go` fetches it itself when older. */
const GO_TOOLCHAIN = 'go1.27.3';
const MODULE = 'go.temporal.io/server';
/** `go install` names each binary after its package directory. */
const BINARIES = { server: 'server', sqlTool: 'sql' } as const;
const PACKAGES = { server: `${MODULE}/cmd/server`, sqlTool: `${MODULE}/cmd/tools/sql` } as const;

export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vigil', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/**
 * The server and its SQL schema tool, built with `go install` the first time (minutes on 2 cores)
 * and found in the cache afterwards. Each binary is built into a scratch directory and renamed
 * into place, so a build cut short never leaves a half-written binary that looks finished.
 */
export function ensureTemporalServerBinaries(options: { build?: boolean } = {}): TemporalServerBinaries {
  const dir = temporalServerCacheDir();
  const paths = { server: join(dir, BINARIES.server), sqlTool: join(dir, BINARIES.sqlTool) };
  const missing = (Object.keys(paths) as Array<keyof TemporalServerBinaries>).filter((name) => !existsSync(paths[name]));
  if (missing.length === 0) return paths;
  if (options.build === false) {
    throw new Error(
      `The Temporal server ${TEMPORAL_SERVER_VERSION} is not built (${missing.map((name) => paths[name]).join(', ')} missing). Build it once with \`npx tsx scripts/temporalServer.ts --build\` (needs Go; minutes; bash .ci/run does it before the tests).`,
    );
  }
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      `The Temporal server ${TEMPORAL_SERVER_VERSION} is not built yet (${missing.map((name) => paths[name]).join(', ')} missing) and \`go\` is not on PATH. Install Go (https://go.dev/doc/install, or Debian's golang-go), then run \`npx tsx scripts/temporalServer.ts --build\`.`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, '.build-'));
  try {
    const targets = missing.map((name) => `${PACKAGES[name]}@${TEMPORAL_SERVER_VERSION}`);
    process.stderr.write(`[vigil] building ${targets.join(' and ')} into ${dir} (once per machine; minutes)\n`);
    const result = spawnSync('go', ['install', ...targets], {
      env: { ...process.env, GOTOOLCHAIN: GO_TOOLCHAIN, GOBIN: scratch },
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 30 * 60_000,
    });
    if (result.status !== 0) throw new Error(`go install ${targets.join(' ')} failed (exit ${result.status ?? result.error?.message})`);
    for (const name of missing) renameSync(join(scratch, BINARIES[name]), paths[name]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return paths;
}

/** Where the server keeps its state: two databases on one PostgreSQL. */
export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** Defaults `temporal` and `temporal_visibility`, as Temporal's own configs name them. */
  databaseName?: string;
  visibilityDatabaseName?: string;
}

function databaseNames(db: TemporalDatabase) {
  return { main: db.databaseName ?? 'temporal', visibility: db.visibilityDatabaseName ?? 'temporal_visibility' };
}

async function createDatabaseIfMissing(db: TemporalDatabase, name: string): Promise<void> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: 'postgres' });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/**
 * Creates both databases if missing and brings their schemas to the version this server expects
 * with the server's own tool: `setup-schema -v 0.0` (version tables only; a no-op once done), then
 * `update-schema` with the schema embedded in the tool (`postgresql/v12/...`, the same files as
 * `schema/postgresql/v12/` in the module source). Safe to run before every start.
 */
export async function setupTemporalSchemas(sqlTool: string, db: TemporalDatabase): Promise<void> {
  const names = databaseNames(db);
  for (const [database, schema] of [
    [names.main, 'postgresql/v12/temporal'],
    [names.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    await createDatabaseIfMissing(db, database);
    const common = ['--ep', db.host, '-p', String(db.port), '-u', db.user, '--pl', 'postgres12', '--db', database];
    // The password goes by environment, never on a command line other users can read.
    const env = { ...process.env, SQL_PASSWORD: db.password ?? '' };
    for (const command of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', schema],
    ]) {
      const result = spawnSync(sqlTool, [...common, ...command], { env, encoding: 'utf8', timeout: 120_000 });
      if (result.status !== 0) throw new Error(`temporal sql tool ${command[0]} on ${database} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
    }
  }
}

export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

async function freePorts(): Promise<TemporalServerPorts> {
  const names: Array<keyof TemporalServerPorts> = ['frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching', 'matchingMembership', 'worker', 'workerMembership'];
  const ports = {} as TemporalServerPorts;
  const taken = new Set<number>();
  for (const name of names) {
    // Below 32768: the server stores membership ports as a PostgreSQL smallint, and an ephemeral
    // port overflows it ("value out of range for type smallint" at start).
    const port = await freeLowPort(taken);
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

const quote = (value: string) => JSON.stringify(value);

/**
 * The server's configuration, derived from its own `config/development-postgres12.yaml`: the same
 * persistence and SQL visibility on PostgreSQL, every service on loopback ports of our choosing,
 * no archival, no metrics or pprof listener, and a dynamic config file of our own.
 */
export function temporalServerConfig(db: TemporalDatabase, ports: TemporalServerPorts, dynamicConfigFile: string, numHistoryShards = 4): string {
  const names = databaseNames(db);
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: ${quote(database)}
        connectAddr: ${quote(`${db.host}:${db.port}`)}
        connectProtocol: "tcp"
        user: ${quote(db.user)}
        password: ${quote(db.password ?? '')}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${numHistoryShards}
  datastores:
    postgres-default:
${datastore(names.main, 20)}
    postgres-visibility:
${datastore(names.visibility, 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(ports.frontend, ports.frontendMembership, `\n      httpPort: ${ports.frontendHttp}`)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${quote(dynamicConfigFile)}
  pollInterval: "10s"
`;
}

/** As the development config's dynamic config: workflow ids up to 255 characters. */
const DYNAMIC_CONFIG = `limit.maxIDLength:
  - value: 255
    constraints: {}
`;

export interface TemporalServer {
  address: string;
  namespace: string;
  process: ChildProcess;
  /** Directory of its config and log (`temporal.log`). */
  dir: string;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  db: TemporalDatabase;
  /** Namespace created if missing (default `default`). */
  namespace?: string;
  /** Retention of closed workflows in that namespace (default 3 days). */
  retentionDays?: number;
  /** Where config and log go; a temporary directory when absent. */
  dir?: string;
  /** Echo the server's output here instead of only to `temporal.log`. */
  stdio?: 'inherit';
  /** Build the binaries when missing (default); tests say what to run instead of building for minutes. */
  build?: boolean;
}

async function withConnection<T>(address: string, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

/**
 * Builds the binaries if needed, sets up the schemas, starts the server and waits until its
 * frontend answers and the namespace exists and is served (a namespace just registered is
 * unknown to the services until their cache refreshes).
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const binaries = ensureTemporalServerBinaries({ build: options.build });
  await setupTemporalSchemas(binaries.sqlTool, options.db);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'vigil-temporal-'));
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts();
  const dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  const configFile = join(dir, 'temporal.yaml');
  writeFileSync(configFile, temporalServerConfig(options.db, ports, dynamicConfigFile));
  const logFile = join(dir, 'temporal.log');
  const log = createWriteStream(logFile);
  const child = spawn(binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (options.stdio === 'inherit') {
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  }
  const address = `127.0.0.1:${ports.frontend}`;
  const namespace = options.namespace ?? 'default';
  const stop = async () => {
    await stopChild(child, 'SIGTERM');
    log.end();
  };
  try {
    await retryUntilReady(child, { name: 'the Temporal server', what: 'the frontend answering', timeoutMs: 120_000, hint: `; see ${logFile}` }, () =>
      withConnection(address, (connection) => connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}))),
    );
    await withConnection(address, async (connection) => {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays ?? 3} days`),
        });
      } catch (error) {
        if ((error as { code?: number }).code !== grpcStatus.ALREADY_EXISTS) throw error;
      }
      await retryUntilReady(child, { name: 'the Temporal server', what: `namespace ${namespace} served`, timeoutMs: 60_000, hint: `; see ${logFile}` }, () => connection.workflowService.countWorkflowExecutions({ namespace }));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, namespace, process: child, dir, stop };
}

/** Parses `postgres://user:password@host:port/…` into the server's database settings. */
export function temporalDatabaseFromUrl(url: string): TemporalDatabase {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

// `tsx scripts/temporalServer.ts --build` builds the binaries (CI, before `npm test`);
// `tsx scripts/temporalServer.ts postgres://user:pw@host:port` also sets up schemas and runs the server.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const argument = process.argv[2];
  if (argument === '--build' || !argument) {
    const binaries = ensureTemporalServerBinaries();
    console.log(`temporal server: ${binaries.server}\nschema tool:     ${binaries.sqlTool}`);
    console.log(execFileSync(binaries.server, ['--version'], { encoding: 'utf8' }).trim());
  } else {
    const server = await startTemporalServer({ db: temporalDatabaseFromUrl(argument), dir: process.argv[3], stdio: 'inherit' });
    console.log(`Temporal ${TEMPORAL_SERVER_VERSION} serving namespace ${server.namespace} on ${server.address}; set TEMPORAL_ADDRESS=${server.address} (Ctrl-C stops it)`);
    stopOnSignal(server);
  }
}
