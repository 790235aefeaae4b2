/**
 * Vigil's Matrix bot as a matrix-js-sdk client, shared by the worker (cards, incident rooms) and the
 * API (answers to reactions and `!vigil` commands). Built from the environment; the SDK is loaded on
 * first use, not at start (most processes never talk to Matrix), and its end-to-end crypto is never
 * initialised: incident rooms are not encrypted, so the bot needs no device keys to store.
 */
import type { MatrixClient } from 'matrix-js-sdk';

export interface MatrixSettings {
  /** `MATRIX_HOMESERVER_URL`: the client-server API, `https://matrix.example.com`. */
  baseUrl: string;
  /** `MATRIX_ACCESS_TOKEN`: the bot's token (the application service's `as_token`, docs/chat.md). */
  accessToken: string;
  /** `MATRIX_USER_ID`: the bot, `@vigil:example.com`. */
  userId: string;
}

const VARIABLES = { baseUrl: 'MATRIX_HOMESERVER_URL', accessToken: 'MATRIX_ACCESS_TOKEN', userId: 'MATRIX_USER_ID' } as const;

/**
 * The bot's settings, or undefined when none of the variables is set (Matrix not used).
 * @throws Error naming the variables missing or malformed when only some are set.
 */
export function matrixSettingsFromEnv(env: NodeJS.ProcessEnv): MatrixSettings | undefined {
  const values = Object.fromEntries(Object.entries(VARIABLES).map(([key, name]) => [key, env[name]?.trim() || undefined])) as Record<keyof MatrixSettings, string | undefined>;
  const missing = Object.entries(VARIABLES).filter(([key]) => values[key as keyof MatrixSettings] === undefined).map(([, name]) => name);
  if (missing.length === 3) return undefined;
  if (missing.length > 0) throw new Error(`Matrix is half configured: set ${missing.join(' and ')} too (docs/chat.md, "Matrix")`);
  const settings = values as MatrixSettings;
  if (!/^https?:\/\/[^\s/]+/.test(settings.baseUrl)) throw new Error('MATRIX_HOMESERVER_URL must be an http(s) URL');
  if (!/^@[^:\s]+:\S+$/.test(settings.userId)) throw new Error('MATRIX_USER_ID must be a Matrix user id such as @vigil:example.com');
  return { ...settings, baseUrl: settings.baseUrl.replace(/\/+$/, '') };
}

/** The homeserver's name: what follows the first colon of the bot's user id. */
export function serverNameOf(userId: string): string {
  return userId.slice(userId.indexOf(':') + 1);
}

/** The SDK logs requests and state at debug level; nothing of it is needed in Vigil's logs. */
const quiet = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild() {
    return quiet;
  },
};

/**
 * A loader of one client for these settings (the SDK's module is imported at the first call). The
 * client is made bare, not by `createClient`, which adds a send queue that retries by itself and an
 * in-memory store: Temporal retries activities, and a transaction id makes its retries harmless.
 */
export function lazyMatrixClient(settings: MatrixSettings): () => Promise<MatrixClient> {
  let loaded: Promise<MatrixClient> | undefined;
  return () =>
    (loaded ??= import('matrix-js-sdk').then(
      ({ MatrixClient: Client }) => new Client({ baseUrl: settings.baseUrl, accessToken: settings.accessToken, userId: settings.userId, localTimeoutMs: 10_000, logger: quiet }),
    ));
}
