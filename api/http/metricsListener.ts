/**
 * The API's Prometheus metrics on a listener of their own, bound to loopback by default, as
 * exporters commonly are: metrics name services and integrations, so they are not served to the
 * internet on the API's port (there only with `VIGIL_METRICS_TOKEN`). `VIGIL_METRICS_PORT=0`
 * turns the listener off; `VIGIL_METRICS_HOST` binds it elsewhere (a scrape network).
 */
import type { Server } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';

export const DEFAULT_METRICS_PORT = 9400;

export function startMetricsListener(serve: express.RequestHandler, logger: Logger, env: NodeJS.ProcessEnv = process.env): Server | undefined {
  const port = Number(env.VIGIL_METRICS_PORT ?? DEFAULT_METRICS_PORT);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const host = env.VIGIL_METRICS_HOST ?? '127.0.0.1';
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', serve);
  const server = app.listen(port, host, () => logger.info({ host, port }, 'metrics listening'));
  // A second replica on one host finds the port taken: it runs on, without its own listener.
  server.on('error', (error) => logger.warn({ err: error, host, port }, 'metrics listener not started'));
  return server;
}
