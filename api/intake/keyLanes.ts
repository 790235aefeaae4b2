/**
 * One lane per incident key between the API and Temporal. A key's items go one call at a time,
 * in the order received, and the triggers that queue up while a call is in flight go together as
 * one batch signal. A lone alert is sent at once (no added wait); a storm of one key becomes a
 * few large signals instead of one per alert, so the incident's history grows with the number
 * of calls, not alerts, and each workflow task has little to read.
 *
 * Every caller still waits until Temporal holds its own item. When Temporal is unreachable the
 * call fails, and so does everything queued behind it in the lane, so each request can spool its
 * items in order instead of each waiting out its own deadline.
 */
import { incidentWorkflowId } from '../../domain/alert';
import type { Alert } from '../../domain/alert';
import { BackendUnavailableError, type IncidentGateway } from '../gateways/incidentGateway';
import { forwardToTemporal, type ForwardedItem, type IntakeItem } from './intakeItem';

export interface KeyLanes {
  /** Resolves once Temporal holds the item; rejects as forwardToTemporal does. */
  deliver(item: IntakeItem): Promise<ForwardedItem>;
  /** Lanes with a call in flight (for metrics and tests). */
  readonly busy: number;
}

export interface KeyLaneLimits {
  /** Most alerts in one signal. */
  maxBatchAlerts: number;
  /** Most JSON bytes in one signal, well under Temporal's 2 MB payload limit. */
  maxBatchBytes: number;
}

export const DEFAULT_LANE_LIMITS: KeyLaneLimits = { maxBatchAlerts: 200, maxBatchBytes: 256 * 1024 };

interface Waiting {
  item: IntakeItem;
  settle: { resolve: (delivered: ForwardedItem) => void; reject: (error: unknown) => void };
}

export function createKeyLanes(gateway: IncidentGateway, limits: KeyLaneLimits = DEFAULT_LANE_LIMITS): KeyLanes {
  /** Workflow id → items waiting behind the call in flight. A key without a lane is idle. */
  const lanes = new Map<string, Waiting[]>();

  /**
   * An alert's size in a signal. One that cannot even be measured (the schema bounds what the API
   * takes, so this is a last line of defence) goes alone, and fails alone in `send`.
   */
  function sizeOf(alert: Alert): number {
    try {
      return JSON.stringify(alert).length;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  }

  /** The head of the queue, and the triggers right behind it while they fit one signal. */
  function takeBatch(queue: Waiting[]): Waiting[] {
    // A lone item (most calls, unless one key storms) goes as it is: no size to measure.
    if (queue.length === 1 || queue[0].item.action !== 'trigger') return queue.splice(0, 1);
    let count = 1;
    let bytes = sizeOf(queue[0].item.alert);
    while (count < queue.length && count < limits.maxBatchAlerts && queue[count].item.action === 'trigger') {
      const size = sizeOf((queue[count].item as { alert: Alert }).alert);
      if (bytes + size > limits.maxBatchBytes) break;
      bytes += size;
      count += 1;
    }
    return queue.splice(0, count);
  }

  async function send(batch: Waiting[]): Promise<ForwardedItem> {
    if (batch.length === 1) return forwardToTemporal(gateway, batch[0].item);
    const alerts = batch.map((waiting) => (waiting.item as { alert: Alert }).alert);
    return { incidentId: (await gateway.submitAlerts(alerts)).incidentId, reachedIncident: true };
  }

  /**
   * Sends the lane's items until it is empty. Every waiting caller is answered whatever fails:
   * nothing in here may throw past the loop, since nobody awaits the lane itself.
   */
  async function drain(key: string, queue: Waiting[]): Promise<void> {
    try {
      while (queue.length > 0) {
        let batch: Waiting[] = [];
        try {
          batch = takeBatch(queue);
          const delivered = await send(batch);
          for (const waiting of batch) waiting.settle.resolve(delivered);
        } catch (error) {
          // A batch that could not even be taken fails its head, so the lane still moves on.
          if (batch.length === 0) batch = queue.splice(0, 1);
          for (const waiting of batch) waiting.settle.reject(error);
          // Whatever waits behind an outage would only wait out the same deadline, then spool:
          // fail it now, in order.
          if (error instanceof BackendUnavailableError) for (const waiting of queue.splice(0)) waiting.settle.reject(error);
        }
      }
    } finally {
      lanes.delete(key);
    }
  }

  return {
    deliver(item) {
      const key = incidentWorkflowId(item.alert);
      return new Promise<ForwardedItem>((resolve, reject) => {
        const waiting: Waiting = { item, settle: { resolve, reject } };
        const queue = lanes.get(key);
        if (queue) {
          queue.push(waiting);
          return;
        }
        const fresh = [waiting];
        lanes.set(key, fresh);
        drain(key, fresh).catch((error: unknown) => {
          // Unreachable unless settling itself threw: still answer whoever waits.
          for (const left of fresh.splice(0)) left.settle.reject(error);
        });
      });
    },
    get busy() {
      return lanes.size;
    },
  };
}
