import { z } from 'zod';
import { defineRunbookSpec } from '../runbookSpec';

/** An HTTP health endpoint is down: confirm it, restart the service, poll until it answers (steps: `runbooks/httpHealthRestart.ts`). */
export const httpHealthRestartSpec = defineRunbookSpec({
  id: 'http-health-restart',
  description: 'Probe an HTTP health endpoint, restart the service if it is unhealthy, and wait for it to recover.',
  match: { labels: { check: 'http' } },
  params: z.object({
    url: z.url(),
    expectStatus: z.number().int().min(100).max(599).default(200),
    probeTimeoutMs: z.number().int().positive().default(5000),
    /** argv of the restart command, run without a shell (e.g. ["systemctl", "restart", "checkout"]). */
    restartCommand: z.array(z.string().min(1)).min(1),
    verifyAttempts: z.number().int().min(1).max(60).default(5),
    verifyIntervalMs: z.number().int().min(0).default(2000),
  }),
});
