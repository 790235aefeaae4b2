/** Heartbeats without Temporal: records pings and starts, answers views from them, and can be "down". */
import type { HeartbeatGateway } from '../../api/gateways/heartbeatGateway';
import { BackendUnavailableError } from '../../api/gateways/incidentGateway';
import type { HeartbeatSettings, HeartbeatView } from '../../domain/heartbeat';

export function createFakeHeartbeatGateway() {
  const pings: HeartbeatSettings[] = [];
  const watching = new Map<string, HeartbeatSettings>();
  const views = new Map<string, HeartbeatView>();
  const state = { down: false };
  function refuseIfDown(): void {
    if (state.down) throw new BackendUnavailableError(new Error('connection refused'));
  }
  const gateway: HeartbeatGateway = {
    async ping(settings) {
      refuseIfDown();
      pings.push(settings);
      const at = new Date();
      views.set(settings.id, {
        id: settings.id,
        service: settings.service,
        intervalSeconds: settings.intervalSeconds,
        graceSeconds: settings.graceSeconds,
        state: 'ok',
        watchingSince: views.get(settings.id)?.watchingSince ?? at.toISOString(),
        lastPingAt: at.toISOString(),
        nextDeadlineAt: new Date(at.getTime() + (settings.intervalSeconds + settings.graceSeconds) * 1000).toISOString(),
        pings: (views.get(settings.id)?.pings ?? 0) + 1,
      });
    },
    async ensureWatching(settings) {
      refuseIfDown();
      watching.set(settings.id, settings);
    },
    async view(heartbeatId) {
      refuseIfDown();
      return views.get(heartbeatId);
    },
  };
  return { gateway, pings, watching, views, state };
}
