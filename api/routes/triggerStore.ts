/**
 * The remembered triggers (`api/records/senderTriggers.ts`) as the PagerDuty and Opsgenie routes
 * use them: a store that cannot answer is a 503 (an acknowledge or close must not be answered as
 * if its trigger were unknown), and without a store nothing is remembered or recalled.
 */
import { BackendUnavailableError } from '../gateways/incidentGateway';
import type { RememberedTrigger, SenderTriggers } from '../records/senderTriggers';

export interface TriggerStore extends SenderTriggers {
  /** False without a store: a payload-less acknowledge then has no trigger to take its service from. */
  configured: boolean;
}

export function triggerStore(triggers: SenderTriggers | undefined): TriggerStore {
  async function guarded<T>(work: (store: SenderTriggers) => Promise<T>, absent: T): Promise<T> {
    if (!triggers) return absent;
    try {
      return await work(triggers);
    } catch (error) {
      throw new BackendUnavailableError(error, 'the trigger store is unavailable');
    }
  }
  return {
    configured: triggers !== undefined,
    remember: (integrationId: string, dedupKey: string, trigger: RememberedTrigger) => guarded((store) => store.remember(integrationId, dedupKey, trigger), undefined),
    recall: (integrationId: string, dedupKey: string) => guarded((store) => store.recall(integrationId, dedupKey), undefined),
  };
}
