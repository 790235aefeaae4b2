/** What the API needs of heartbeats' workflows; Temporal's in `temporalHeartbeatGateway.ts`, a fake in tests. */
import type { HeartbeatSettings, HeartbeatView } from '../../domain/heartbeat';

export interface HeartbeatGateway {
  /**
   * Delivers a ping (starting the heartbeat's workflow if it is not running). Resolves only once
   * Temporal holds it. @throws BackendUnavailableError when Temporal cannot take it (503).
   */
  ping(settings: HeartbeatSettings): Promise<void>;
  /** Starts the heartbeat's workflow unless it runs already (any number of replicas make one). */
  ensureWatching(settings: HeartbeatSettings): Promise<void>;
  /** The workflow's view; undefined when it is not running or no worker answers. */
  view(heartbeatId: string): Promise<HeartbeatView | undefined>;
}
