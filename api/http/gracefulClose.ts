/**
 * Stops an HTTP server the way a rolling deploy needs: no new connections, every request already
 * received is answered, idle keep-alive connections are closed as they become idle (a client
 * would otherwise hold the process open), and whatever is still open after the grace period is
 * cut so the process exits before the orchestrator kills it.
 */
import type { Server } from 'node:http';

const IDLE_SWEEP_MS = 100;

export function closeGracefully(server: Server, graceMs: number): Promise<'drained' | 'cut'> {
  return new Promise((resolve) => {
    let outcome: 'drained' | 'cut' = 'drained';
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      outcome = 'cut';
      server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(outcome);
    });
    server.closeIdleConnections();
  });
}
