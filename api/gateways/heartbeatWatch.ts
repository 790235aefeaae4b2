/**
 * At API start, every configured heartbeat gets its workflow (started if absent, left alone if
 * running), so a job that never pings is noticed too. Every replica does this; Temporal's
 * use-existing conflict policy makes it one workflow each. Temporal may be down at start: then it
 * tries again every half minute until each is started (a ping would start its own meanwhile).
 */
import type { Logger } from 'pino';
import type { HeartbeatSettings } from '../../domain/heartbeat';
import type { HeartbeatGateway } from './heartbeatGateway';

const RETRY_MS = 30_000;

export function watchConfiguredHeartbeats(gateway: HeartbeatGateway, heartbeats: HeartbeatSettings[], logger: Logger): { stop: () => void } {
  let waiting = [...heartbeats];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function run(): void {
    attempt().catch((error: unknown) => logger.error({ err: error }, 'watching heartbeats failed'));
  }

  async function attempt(): Promise<void> {
    const failed: HeartbeatSettings[] = [];
    for (const settings of waiting) {
      try {
        await gateway.ensureWatching(settings);
      } catch (error) {
        failed.push(settings);
        logger.warn({ err: error, heartbeat: settings.id }, 'could not start watching a heartbeat; trying again');
      }
    }
    waiting = failed;
    if (waiting.length > 0 && !stopped) {
      timer = setTimeout(run, RETRY_MS);
      timer.unref();
    } else if (heartbeats.length > 0) {
      logger.info({ heartbeats: heartbeats.map((settings) => settings.id) }, 'watching heartbeats');
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
