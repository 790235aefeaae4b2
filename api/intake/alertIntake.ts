/**
 * Where every route hands the alerts of a request: straight to Temporal while it answers, into
 * the spool while it does not. A 2xx follows only when every item is held by one or the other;
 * when neither can take them the caller gets SpoolUnavailableError (the API answers 503).
 */
import { TemporalUnavailableError, type IncidentGateway } from '../incidentGateway';
import type { AlertSpool } from './alertSpool';
import type { DeliveredItem, IntakeItem } from './intakeItem';
import { createKeyLanes, type KeyLanes } from './keyLanes';

export type IntakeOutcome = ({ held: 'temporal' } & DeliveredItem) | { held: 'spool' };

export interface AlertIntake {
  /** Holds the items in order. @throws TemporalUnavailableError when neither Temporal nor a spool can. */
  accept(items: IntakeItem[]): Promise<IntakeOutcome[]>;
  /** The per-key lanes items travel to Temporal by. */
  readonly lanes: KeyLanes;
}

export interface AlertIntakeDeps {
  gateway: IncidentGateway;
  /** Without one (tests of the routes alone) a Temporal outage is a 503. */
  spool?: AlertSpool;
  onSpooled?: (count: number) => void;
}

export function createAlertIntake(deps: AlertIntakeDeps): AlertIntake {
  const { spool } = deps;
  const lanes = createKeyLanes(deps.gateway);

  async function toSpool(items: IntakeItem[], outage: unknown): Promise<IntakeOutcome[]> {
    if (!spool) throw outage;
    try {
      await spool.append(items);
    } catch (error) {
      // Neither can hold them: the sender must retry, so this is a 503 and never a 4xx.
      throw new TemporalUnavailableError(
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
      if (spool?.active) return toSpool(items, new TemporalUnavailableError(new Error('spool is draining')));
      const outcomes: IntakeOutcome[] = [];
      for (const [index, item] of items.entries()) {
        try {
          outcomes.push({ held: 'temporal', ...(await lanes.deliver(item)) });
        } catch (error) {
          if (!(error instanceof TemporalUnavailableError)) throw error;
          // The rest of the request, in order, behind anything already waiting.
          return [...outcomes, ...(await toSpool(items.slice(index), error))];
        }
      }
      return outcomes;
    },
  };
}
