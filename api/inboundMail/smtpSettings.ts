/**
 * The inbound-mail listener's settings, from the environment only (docs/integrations.md, "Inbound
 * email"). Off unless `VIGIL_SMTP_PORT` is set. A bad value stops the start, naming the variable.
 */
import { readFileSync } from 'node:fs';

export interface SmtpSettings {
  port: number;
  /** Loopback by default: a local MTA (Postfix) relays to it; `0.0.0.0` takes mail directly. */
  host: string;
  /** Most bytes of one message (announced as SIZE; more is a 552). */
  maxBytes: number;
  /** Most recipients of one message (more are a 452). */
  maxRecipients: number;
  /** Messages one client address may send per minute, across replicas (more are a 451). */
  messagesPerMinute: number;
  /** Connections at once per process. */
  maxClients: number;
  /** An idle connection is closed after this long. */
  socketTimeoutMs: number;
  /** The name in the greeting and EHLO answer. */
  name?: string;
  /** Offered as STARTTLS when both files are given. */
  tls?: { key: Buffer; cert: Buffer };
}

export const SMTP_DEFAULTS = {
  host: '127.0.0.1',
  maxBytes: 1024 * 1024,
  maxRecipients: 10,
  messagesPerMinute: 60,
  maxClients: 100,
  socketTimeoutMs: 60_000,
} as const;

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** Undefined when `VIGIL_SMTP_PORT` is unset: no listener. */
export function smtpSettingsFromEnv(env: NodeJS.ProcessEnv): SmtpSettings | undefined {
  if (env.VIGIL_SMTP_PORT === undefined || env.VIGIL_SMTP_PORT === '') return undefined;
  const keyFile = env.VIGIL_SMTP_TLS_KEY_FILE || undefined;
  const certFile = env.VIGIL_SMTP_TLS_CERT_FILE || undefined;
  if ((keyFile === undefined) !== (certFile === undefined)) throw new Error('VIGIL_SMTP_TLS_KEY_FILE and VIGIL_SMTP_TLS_CERT_FILE: give both for STARTTLS, or neither');
  return {
    port: whole(env, 'VIGIL_SMTP_PORT', 0, 0, 65_535),
    host: env.VIGIL_SMTP_HOST || SMTP_DEFAULTS.host,
    maxBytes: whole(env, 'VIGIL_SMTP_MAX_BYTES', SMTP_DEFAULTS.maxBytes, 1024, 50 * 1024 * 1024),
    maxRecipients: whole(env, 'VIGIL_SMTP_MAX_RECIPIENTS', SMTP_DEFAULTS.maxRecipients, 1, 1000),
    messagesPerMinute: whole(env, 'VIGIL_SMTP_MESSAGES_PER_MINUTE', SMTP_DEFAULTS.messagesPerMinute, 1, 1_000_000),
    maxClients: whole(env, 'VIGIL_SMTP_MAX_CLIENTS', SMTP_DEFAULTS.maxClients, 1, 100_000),
    socketTimeoutMs: whole(env, 'VIGIL_SMTP_SOCKET_TIMEOUT_MS', SMTP_DEFAULTS.socketTimeoutMs, 1000, 3_600_000),
    name: env.VIGIL_SMTP_NAME || undefined,
    tls: keyFile && certFile ? { key: readFileSync(keyFile), cert: readFileSync(certFile) } : undefined,
  };
}
