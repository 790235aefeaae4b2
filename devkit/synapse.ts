/**
 * A real Matrix homeserver (Synapse, pinned in `scripts/pythonTools.ts`) on a free loopback port in
 * a temporary folder, for the Matrix tests (#16): SQLite, a client listener only (no federation),
 * registration closed except through the shared-secret admin API, rate limits out of the way, and
 * optionally application services (Vigil's inbound route) in its config. Start one per test file.
 */
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateSynapse } from '../scripts/pythonTools';
import { retryUntilReady, stopChild } from './childProcess';
import { freePort } from './freePort';

/** An application service registration, as Synapse reads it from `app_service_config_files`. */
export interface AppServiceRegistration {
  id: string;
  /** Where Synapse pushes transactions (`<url>/_matrix/app/v1/transactions/<txnId>`). */
  url: string;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: Record<'users' | 'aliases' | 'rooms', Array<{ exclusive: boolean; regex: string }>>;
  rate_limited?: boolean;
}

export interface RegisteredUser {
  userId: string;
  accessToken: string;
}

export interface SynapseServer {
  /** `http://127.0.0.1:<port>`: the client-server API. */
  baseUrl: string;
  /** The homeserver's name, the part of user ids after the colon. */
  serverName: string;
  /** Registers a user through the shared-secret admin API (`/_synapse/admin/v1/register`). */
  registerUser(localpart: string, options?: { admin?: boolean }): Promise<RegisteredUser>;
  /** Where Synapse's own log goes, for failure messages. */
  logFile: string;
  stop(): Promise<void>;
}

const SERVER_NAME = 'localhost';

/** Rate limits no test run comes near (Synapse's defaults throttle a test that creates rooms quickly). */
const unlimited = { per_second: 10_000, burst_count: 10_000 };

/**
 * Synapse's signing key file (`ed25519 <key id> <unpadded base64 seed>`), made here rather than by
 * `--generate-keys`, which is a second Python start (seconds on a loaded machine).
 */
function signingKeyFile(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  return `ed25519 a_${randomBytes(3).toString('hex')} ${seed.toString('base64').replace(/=+$/, '')}\n`;
}

/** homeserver.yaml as JSON (which YAML reads as is). */
function homeserverConfig(dir: string, port: number, sharedSecret: string, appServiceFiles: string[]) {
  return {
    server_name: SERVER_NAME,
    public_baseurl: `http://127.0.0.1:${port}/`,
    pid_file: join(dir, 'homeserver.pid'),
    listeners: [{ port, bind_addresses: ['127.0.0.1'], type: 'http', tls: false, x_forwarded: false, resources: [{ names: ['client'], compress: false }] }],
    database: { name: 'sqlite3', args: { database: join(dir, 'homeserver.db') } },
    log_config: join(dir, 'log.yaml'),
    media_store_path: join(dir, 'media'),
    signing_key_path: join(dir, 'signing.key'),
    registration_shared_secret: sharedSecret,
    enable_registration: false,
    report_stats: false,
    enable_metrics: false,
    presence: { enabled: false },
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    federation_domain_whitelist: [],
    app_service_config_files: appServiceFiles,
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_room_creation: unlimited,
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
    rc_joins: { local: unlimited, remote: unlimited },
    rc_joins_per_room: unlimited,
    rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
    rc_admin_redaction: unlimited,
  };
}

/** Warnings and errors only, to the child's stderr (which goes to a file). */
const LOG_CONFIG = {
  version: 1,
  formatters: { precise: { format: '%(asctime)s - %(name)s - %(levelname)s - %(message)s' } },
  handlers: { console: { class: 'logging.StreamHandler', formatter: 'precise' } },
  root: { level: 'WARNING', handlers: ['console'] },
  disable_existing_loggers: false,
};

async function readJson<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function startSynapse(options: { appServices?: AppServiceRegistration[]; startTimeoutMs?: number } = {}): Promise<SynapseServer> {
  const executable = locateSynapse();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-synapse-'));
  const port = await freePort();
  const sharedSecret = randomBytes(24).toString('hex');
  const appServiceFiles = (options.appServices ?? []).map((registration) => {
    const file = join(dir, `appservice-${registration.id}.yaml`);
    writeFileSync(file, JSON.stringify(registration));
    return file;
  });
  const configFile = join(dir, 'homeserver.yaml');
  writeFileSync(configFile, JSON.stringify(homeserverConfig(dir, port, sharedSecret, appServiceFiles), null, 2));
  writeFileSync(join(dir, 'log.yaml'), JSON.stringify(LOG_CONFIG));
  writeFileSync(join(dir, 'signing.key'), signingKeyFile(), { mode: 0o600 });
  const logFile = join(dir, 'synapse.log');
  const log = openSync(logFile, 'a');
  const child = spawn(executable, ['-c', configFile], { cwd: dir, stdio: ['ignore', log, log], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  closeSync(log);
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async () => {
    await stopChild(child, 'SIGTERM', 10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await retryUntilReady(child, { name: 'Synapse', what: 'answering /_matrix/client/versions', timeoutMs: options.startTimeoutMs ?? 120_000, intervalMs: 100, hint: `; see ${logFile}` }, async () => {
      await readJson(await fetch(`${baseUrl}/_matrix/client/versions`), 'versions');
    });
  } catch (error) {
    await stopChild(child, 'SIGKILL', 1_000);
    throw error;
  }

  async function registerUser(localpart: string, registerOptions: { admin?: boolean } = {}): Promise<RegisteredUser> {
    const url = `${baseUrl}/_synapse/admin/v1/register`;
    const { nonce } = await readJson<{ nonce: string }>(await fetch(url), 'register nonce');
    const password = randomBytes(12).toString('hex');
    const admin = registerOptions.admin ?? false;
    // Synapse's shared-secret registration: HMAC-SHA1 over the NUL-separated fields.
    const mac = createHmac('sha1', sharedSecret)
      .update([nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
      .digest('hex');
    const body = { nonce, username: localpart, password, admin, mac };
    const registered = await readJson<{ user_id: string; access_token: string }>(
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      `register ${localpart}`,
    );
    return { userId: registered.user_id, accessToken: registered.access_token };
  }

  return { baseUrl, serverName: SERVER_NAME, registerUser, logFile, stop };
}
