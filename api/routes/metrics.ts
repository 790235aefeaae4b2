/**
 * `GET /metrics` on the API's own port: only with the Bearer `VIGIL_METRICS_TOKEN`, since metrics
 * name services and integrations; without a token they are served only by the loopback-bound
 * metrics listener (`api/http/metricsListener.ts`, started by `api/main.ts`).
 */
import { Router, type RequestHandler } from 'express';
import { HttpError } from '../http/httpErrors';
import { sameSecret } from '../http/sameSecret';
import { errorAnswers, type ResourceRoutes } from './operationParts';

export function metricsRoutes(deps: { metricsToken?: string; serve: RequestHandler }): Router {
  const router = Router();
  router.get('/metrics', (req, res, next) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!deps.metricsToken) throw new HttpError(404, 'metrics are served on the metrics listener (VIGIL_METRICS_PORT, loopback by default), or here with VIGIL_METRICS_TOKEN');
    if (!presented || !sameSecret(deps.metricsToken, presented)) {
      throw new HttpError(401, 'the metrics token is required', [{ field: 'authorization', message: 'expected "Bearer <VIGIL_METRICS_TOKEN>"' }], {}, { 'www-authenticate': 'Bearer' });
    }
    return deps.serve(req, res, next);
  });
  return router;
}

/** The metrics route as `/openapi.json` shows it. */
export const metricsOperations: ResourceRoutes = {
  id: 'metrics',
  operations: [
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics: on this port only with the Bearer VIGIL_METRICS_TOKEN; otherwise on the loopback metrics listener (docs/security.md)',
      responses: {
        '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        ...errorAnswers({
          '401': 'no or wrong metrics token',
          '404': 'no metrics token configured: metrics are served on the metrics listener only',
          '429': 'too many failed authentication attempts from this address',
        }),
      },
    },
  ],
};
