/**
 * Where every route hands the alerts of a request: straight to Temporal while it answers, into
 * the spool while it does not, and into the spool too while the store says items wait there
 * (spooled by this replica or another), so nothing overtakes an item answered before it. A 2xx
 * follows only when every item is held by one or the other; when neither can take them the
 * caller gets BackendUnavailableError (the API answers 503).
 */
import type { Logger } from 'pino';
import { BackendUnavailableError, type IncidentGateway } from '../gateways/incidentGateway';
import type { AlertSpool } from './alertSpool';
import type { ForwardedItem, IntakeItem } from './intakeItem';
import { createKeyLanes, type KeyLanes } from './keyLanes';

export type IntakeOutcome = ({ held: 'temporal' } & ForwardedItem) | { held: 'spool' };

export interface AlertIntake {
  /** Holds the items in order. @throws BackendUnavailableError when neither Temporal nor a spool can. */
  accept(items: IntakeItem[]): Promise<IntakeOutcome[]>;
  /** The per-key lanes items travel to Temporal by. */
  readonly lanes: KeyLanes;
}

export interface AlertIntakeDeps {
  gateway: IncidentGateway;
  /** Without one (tests of the routes alone) a Temporal outage is a 503. */
  spool?: AlertSpool;
  onSpooled?: (count: number) => void;
  logger?: Logger;
}

export function createAlertIntake(deps: AlertIntakeDeps): AlertIntake {
  const { spool } = deps;
  const lanes = createKeyLanes(deps.gateway);

  /**
   * Whether items wait in the spool. If the store cannot say, it cannot take new items either:
   * deliver directly rather than refuse alerts Temporal would hold (only keys with items already
   * waiting could be overtaken, and only while the store is down).
   */
  async function spoolWaiting(): Promise<boolean> {
    if (!spool) return false;
    try {
      return await spool.waiting();
    } catch (error) {
      deps.logger?.warn({ err: error }, 'could not ask the store whether spooled alerts wait; delivering directly');
      return false;
    }
  }

  async function toSpool(items: IntakeItem[], outage: unknown): Promise<IntakeOutcome[]> {
    if (!spool) throw outage;
    try {
      await spool.append(items);
    } catch (error) {
      // Neither can hold them: the sender must retry, so this is a 503 and never a 4xx.
      throw new BackendUnavailableError(
        new Error(`${(outage as Error)?.message ?? 'Temporal unavailable'}; the spool failed too: ${(error as Error).message}`),
        'Temporal is unavailable and the spool cannot hold alerts',
      );
    }
    deps.onSpooled?.(items.length);
    return items.map(() => ({ held: 'spool' as const }));
  }

  return {
    lanes,
    async accept(items) {
      if (items.length === 0) return [];
      if (await spoolWaiting()) return toSpool(items, new BackendUnavailableError(new Error('spooled alerts are waiting')));
      const outcomes: IntakeOutcome[] = [];
      for (const [index, item] of items.entries()) {
        try {
          outcomes.push({ held: 'temporal', ...(await lanes.deliver(item)) });
        } catch (error) {
          if (!(error instanceof BackendUnavailableError)) throw error;
          // The rest of the request, in order, behind anything already waiting.
          return [...outcomes, ...(await toSpool(items.slice(index), error))];
        }
      }
      return outcomes;
    },
  };
}
