import { Router } from 'express';
import { MAX_KPI_PERIOD_DAYS } from '../../domain/kpis';
import { HttpError, parseOr400 } from '../http/httpErrors';
import { buildKpiReport, type KpiReportDeps } from '../reporting/kpiReport';
import { kpiQuerySchema, kpiReportSchema } from './kpiSchemas';
import { errorAnswers, json, queryParameters, type ResourceRoutes } from './operationParts';

/** The period asked for when none is given. */
const DEFAULT_PERIOD_DAYS = 30;
const DAY_MS = 86_400_000;

/** `GET /v1/kpis`: MTTA, MTTR, incidents, pages, runbook share, noise and open problems over a period (docs/kpis.md). */
export function kpiRoutes(deps: { kpis?: KpiReportDeps }): Router {
  const router = Router();
  router.get('/v1/kpis', async (req, res) => {
    const query = parseOr400(kpiQuerySchema, req.query, 'query');
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime()) throw new HttpError(400, 'invalid query', [{ field: 'query.from', message: 'must be before to (or before now, without to)' }]);
    if (to.getTime() - from.getTime() > MAX_KPI_PERIOD_DAYS * DAY_MS) {
      throw new HttpError(400, 'invalid query', [{ field: 'query.to', message: `a period may last at most ${MAX_KPI_PERIOD_DAYS} days` }]);
    }
    if (!deps.kpis) throw new HttpError(503, 'KPIs are not available: no incident store is configured');
    res.json(await buildKpiReport(deps.kpis, { from, to, service: query.service }));
  });
  return router;
}

/** The KPI route as `/openapi.json` shows it. */
export const kpiOperations: ResourceRoutes = {
  id: 'kpis',
  operations: [
    {
      method: 'get',
      path: '/v1/kpis',
      summary:
        'KPIs over a period: MTTA, MTTR, incidents by service and severity, pages per incident, runbook share, noise ratio, open problems, and a per-day series (definitions: docs/kpis.md)',
      parameters: queryParameters(kpiQuerySchema),
      responses: {
        '200': { description: 'the KPIs', content: json(kpiReportSchema) },
        ...errorAnswers({
          '400': 'invalid query: malformed time, from not before to, or a period over 366 days',
          '503': 'Temporal or the SQL store unavailable, or KPIs not configured',
        }),
      },
    },
  ],
};
