/**
 * Drains the spool into Temporal once it answers again: each incident's items oldest first, one
 * at a time (incidents side by side), each row deleted only after Temporal holds its item. A crash between the two re-sends that one item;
 * the incident workflow ignores an alert id it has already counted, so each counts once.
 *
 * Every replica runs one; the one holding the lease forwards, the others only look again now and
 * then in case the holder is gone. Every look is one or two queries, at most once per `idleMs`
 * (with jitter, so replicas started together do not stay in step): never a loop without a pause.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { BackendUnavailableError } from '../gateways/incidentGateway';
import { incidentWorkflowId } from '../../domain/alert';
import type { AlertSpool, SpooledItem } from './alertSpool';
import type { ForwardedItem, IntakeItem } from './intakeItem';

export interface ForwarderOptions {
  spool: AlertSpool;
  deliver: (item: IntakeItem) => Promise<ForwardedItem>;
  logger: Logger;
  /** Called after each item Temporal took from the spool. */
  onForwarded?: (item: IntakeItem) => void;
  /**
   * Pause between looks at the spool once it is empty or another replica holds the lease (other
   * replicas may spool too: what they append waits at most this long). ±20% jitter.
   */
  idleMs?: number;
  /** Longest pause between retries while Temporal stays down. */
  maxBackoffMs?: number;
}

export interface Forwarder {
  /** One pass: forwards until the spool is empty or Temporal refuses. @returns items forwarded. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/** An item that fails this often for a reason other than an outage is set aside, not retried forever. */
const MAX_ATTEMPTS = 5;
const LEASE_MS = 30_000;
const BATCH = 100;

export function startForwarder(options: ForwarderOptions): Forwarder {
  const { spool, logger } = options;
  const holder = randomUUID();
  const idleMs = options.idleMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  let backoffMs = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  /** Delivers one incident's items in order; stops at the first that Temporal cannot take. */
  async function deliverInOrder(items: SpooledItem[]): Promise<number> {
    let forwarded = 0;
    for (const spooled of items) {
      if (stopped) return forwarded;
      try {
        await options.deliver(spooled.item);
      } catch (error) {
        if (error instanceof BackendUnavailableError) throw error;
        const setAside = spooled.attempts + 1 >= MAX_ATTEMPTS;
        await spool.recordFailure(spooled.seq, String((error as Error)?.message ?? error), setAside);
        logger.error({ err: error, seq: spooled.seq, setAside }, 'spooled alert could not be delivered');
        // Keep this incident's order: retry this item before its later ones, unless set aside.
        if (!setAside) throw error;
        continue;
      }
      await spool.remove(spooled.seq);
      forwarded += 1;
      options.onForwarded?.(spooled.item);
    }
    return forwarded;
  }

  async function drain(): Promise<number> {
    let forwarded = 0;
    for (;;) {
      if (!(await spool.tryLease(holder, LEASE_MS))) return forwarded;
      const batch = await spool.oldest(BATCH);
      // Empty: every replica sees so in the store and delivers directly again.
      if (batch.length === 0) return forwarded;
      // In order within each incident, incidents side by side: one slow key never holds up the rest.
      const byIncident = new Map<string, SpooledItem[]>();
      for (const spooled of batch) {
        const key = incidentWorkflowId(spooled.item.alert);
        byIncident.set(key, [...(byIncident.get(key) ?? []), spooled]);
      }
      const results = await Promise.allSettled([...byIncident.values()].map(deliverInOrder));
      for (const result of results) if (result.status === 'fulfilled') forwarded += result.value;
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
      if (stopped) return forwarded;
    }
  }

  function withJitter(ms: number): number {
    return Math.round(ms * (0.8 + Math.random() * 0.4));
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = drain().then(
        (forwarded) => {
          if (forwarded > 0) logger.info({ forwarded }, 'spooled alerts delivered to Temporal');
          backoffMs = 0;
          // drain() returns only once the spool is empty or another replica forwards it.
          schedule(withJitter(idleMs));
        },
        (error: unknown) => {
          backoffMs = Math.min(maxBackoffMs, Math.max(500, backoffMs * 2));
          if (!(error instanceof BackendUnavailableError)) logger.warn({ err: error }, 'spool forwarding paused');
          schedule(withJitter(backoffMs));
        },
      );
    }, delayMs);
  }
  schedule(0);

  return {
    drain,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      await spool.releaseLease(holder).catch(() => undefined);
    },
  };
}
