/**
 * The optional SMTP listener: mail to `<integration id>+<token>@<any domain>` becomes alerts of that
 * `email` integration, through the same receive pipeline as HTTP senders. The token in the address
 * is the credential (no AUTH); an unknown address and a wrong token get the same 550 at RCPT and
 * count as failed authentication of the client address. The 250 after DATA is sent only once
 * every alert of the message is held; if none can be, a 451 makes the sending MTA retry later.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { VigilConfig } from '../../domain/config';
import type { AuthFailureGuard } from '../access/authFailureGuard';
import { emailAdapter } from '../adapters/email';
import { AdapterInputError } from '../adapters/types';
import { acceptAlerts } from '../intake/receive';
import type { ReceiveDeps } from '../intake/receive';
import { sameSecret } from '../http/sameSecret';
import { readMail } from './readMail';
import type { SmtpSettings } from './smtpSettings';

export interface SmtpListenerDeps {
  settings: SmtpSettings;
  config: VigilConfig;
  /** Where integration tokens are read from. */
  env: NodeJS.ProcessEnv;
  receive: ReceiveDeps;
  /** Counts wrong addresses per client and refuses a blocked client at connect. */
  authFailures?: AuthFailureGuard;
  /** Messages per client address (SQL-backed, so the rate holds across replicas). */
  messageLimiter?: RateLimiterAbstract;
  logger: Logger;
  /** Counts what each message (or refused recipient) met: `vigil_smtp_messages_total`. */
  onOutcome?: (outcome: SmtpOutcome) => void;
  /** How long `close` lets sessions in progress finish. */
  closeTimeoutMs?: number;
}

export type SmtpOutcome = 'held' | 'rate_limited' | 'unknown_recipient' | 'blocked' | 'too_large' | 'unreadable' | 'not_held';

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

/** An SMTP reply the session sends instead of the default. */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** `<id>+<token>@domain` → its parts; undefined for any other shape. */
export function integrationAddress(address: string): { integrationId: string; token: string } | undefined {
  const at = address.lastIndexOf('@');
  const local = at > 0 ? address.slice(0, at) : address;
  const plus = local.indexOf('+');
  if (plus <= 0 || plus === local.length - 1) return undefined;
  return { integrationId: local.slice(0, plus).toLowerCase(), token: local.slice(plus + 1) };
}

export async function startSmtpListener(deps: SmtpListenerDeps): Promise<SmtpListener> {
  const { settings, logger } = deps;
  const count = (outcome: SmtpOutcome) => deps.onOutcome?.(outcome);

  /** The email integration an address names with its right token, or undefined (one answer for both failures). */
  function integrationFor(address: string): string | undefined {
    const parts = integrationAddress(address);
    if (!parts || !Object.hasOwn(deps.config.integrations, parts.integrationId)) return undefined;
    const integration = deps.config.integrations[parts.integrationId];
    const expected = deps.env[integration.tokenEnv];
    if (integration.source !== 'email' || !expected || !sameSecret(expected, parts.token)) return undefined;
    return parts.integrationId;
  }

  async function checkRecipient(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    if (integrationFor(address.address)) return;
    count('unknown_recipient');
    const retryAfter = await deps.authFailures?.recordFailure(session.remoteAddress).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not count a failed authentication');
      return undefined;
    });
    if (retryAfter !== undefined) throw reply(421, `4.7.0 too many unknown recipients from this address; try again in ${Math.ceil(retryAfter)} s`);
    throw reply(550, '5.1.1 mailbox unavailable: no such integration address');
  }

  async function checkRate(session: SMTPServerSession): Promise<void> {
    if (!deps.messageLimiter) return;
    try {
      await deps.messageLimiter.consume(session.remoteAddress);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        count('rate_limited');
        throw reply(451, `4.7.1 too many messages from this address; try again in ${Math.ceil(rejection.msBeforeNext / 1000)} s`);
      }
      // The store failing must not refuse mail the pipeline might still hold.
      logger.warn({ err: rejection }, 'SMTP rate limiter store failed; message let through');
    }
  }

  /** The message, read whole (at most `maxBytes`; the rest is drained, not kept). */
  function collect(stream: SMTPServerDataStream): Promise<Buffer | 'too-large'> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      stream.on('data', (chunk: Buffer) => {
        if (kept + chunk.length <= settings.maxBytes) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(stream.sizeExceeded ? 'too-large' : Buffer.concat(chunks)));
    });
  }

  async function accept(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const raw = await collect(stream);
    if (raw === 'too-large') {
      count('too_large');
      throw reply(552, `5.3.4 message larger than ${settings.maxBytes} bytes`);
    }
    let message;
    try {
      message = await readMail(raw);
    } catch (error) {
      logger.info({ err: error, client: session.remoteAddress }, 'unreadable inbound mail refused');
      count('unreadable');
      throw reply(554, '5.6.0 the message could not be read as MIME');
    }
    const integrationIds = [...new Set(session.envelope.rcptTo.map((rcpt) => integrationFor(rcpt.address)).filter((id): id is string => id !== undefined))];
    const held: string[] = [];
    for (const integrationId of integrationIds) {
      const integration = deps.config.integrations[integrationId];
      let parsed;
      try {
        parsed = emailAdapter.parse(message, { defaultService: integration.service, email: integration.email });
      } catch (error) {
        if (error instanceof AdapterInputError) {
          count('unreadable');
          throw reply(554, `5.6.0 ${error.field}: ${error.message}`);
        }
        throw error;
      }
      try {
        await acceptAlerts(deps, parsed, integrationId, { route: 'smtp', body: message });
      } catch (error) {
        logger.warn({ err: error, integrationId }, 'inbound mail not held; the sender is told to retry');
        count('not_held');
        // Earlier recipients' alerts are held: the retry gives them the same ids, so they count once.
        throw reply(451, '4.3.0 the alert cannot be held right now; try again later');
      }
      held.push(integrationId);
    }
    count('held');
    return `2.0.0 held as alerts of ${held.join(', ')}`;
  }

  const server = new SMTPServer({
    name: settings.name,
    banner: 'Vigil inbound alerts',
    size: settings.maxBytes,
    rejectOversized: true,
    maxRecipients: settings.maxRecipients,
    maxClients: settings.maxClients,
    socketTimeout: settings.socketTimeoutMs,
    closeTimeout: deps.closeTimeoutMs ?? 10_000,
    authOptional: true,
    disabledCommands: settings.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(settings.tls ? { key: settings.tls.key, cert: settings.tls.cert } : {}),
    // A reverse lookup per connection would let any client make Vigil query DNS.
    disableReverseLookup: true,
    logger: false,
    onConnect(session, callback) {
      try {
        deps.authFailures?.check(session.remoteAddress);
        callback();
      } catch {
        count('blocked');
        callback(reply(421, '4.7.0 too many failed attempts from this address; try again later'));
      }
    },
    onMailFrom(_address, session, callback) {
      checkRate(session).then(() => callback(), (error: Error) => callback(error));
    },
    onRcptTo(address, session, callback) {
      checkRecipient(address, session).then(() => callback(), (error: Error) => callback(error));
    },
    onData(stream, session, callback) {
      accept(stream, session).then(
        (message) => callback(null, message),
        (error: unknown) => {
          // Drain what is left, so the session reads the next command and not the message's tail.
          stream.resume();
          if (error instanceof Error && 'responseCode' in error) return callback(error);
          logger.error({ err: error }, 'inbound mail failed');
          callback(reply(451, '4.3.0 local error; try again later'));
        },
      );
    },
  });
  server.on('error', (error) => logger.warn({ err: error }, 'SMTP session error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  logger.info({ port, host: settings.host, starttls: settings.tls !== undefined }, 'inbound mail listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
