/**
 * What a sender asked of Vigil, one alert at a time, in the order it asked: the unit the API
 * hands to Temporal directly or, while Temporal is unreachable, keeps in the spool.
 */
import type { Alert } from '../../domain/alert';
import type { ActorInput } from '../../contracts/incident';
import type { IncidentGateway } from '../gateways/incidentGateway';

export type IntakeItem =
  /** A firing alert: opens an incident or joins the open one of its key. */
  | { action: 'trigger'; alert: Alert }
  /** The source says the alert is over: noted on the open incident of its key, if any. */
  | { action: 'resolve'; alert: Alert }
  /** The sender's side says someone is on it (PagerDuty's acknowledge). */
  | { action: 'acknowledge'; alert: Alert; actor: ActorInput };

export interface ForwardedItem {
  /** The incident a trigger opened or joined. */
  incidentId?: string;
  /** Whether the item reached an incident (a resolve or acknowledge may find none open). */
  reachedIncident: boolean;
}

/** Hands one item to Temporal. Throws BackendUnavailableError when Temporal cannot take it now. */
export async function forwardToTemporal(gateway: IncidentGateway, item: IntakeItem): Promise<ForwardedItem> {
  switch (item.action) {
    case 'trigger':
      return { incidentId: (await gateway.submitAlert(item.alert)).incidentId, reachedIncident: true };
    case 'resolve':
      return { reachedIncident: await gateway.noteSourceResolved(item.alert) };
    case 'acknowledge':
      return { reachedIncident: await gateway.acknowledgeOpen(item.alert, item.actor) };
  }
}
