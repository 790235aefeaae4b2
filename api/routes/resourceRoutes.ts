/**
 * Every route module of Vigil's own resources (incidents, problems, reviews, schedules, ...), by
 * its declaration beside its handlers. `api/routes/openapi.ts` documents them from these, as it
 * does the senders' routes from `senderRoutes.ts`; `test/api/openapiRoutes.test.ts` fails for a
 * mounted route no declaration names. Adding a resource route: its declaration in its module, and
 * the module here if it is new.
 */
import { ackLinkOperations } from './ackLinks';
import { alertOperations } from './alerts';
import { codecOperations } from './codec';
import { dashboardOperations } from './dashboard';
import { declaredIncidentOperations } from './declaredIncidents';
import { eventOperations } from './events';
import { healthOperations } from './health';
import { incidentOperations } from './incidents';
import { kpiOperations } from './kpis';
import { maintenanceOperations } from './maintenance';
import { metricsOperations } from './metrics';
import type { ResourceRoutes } from './operationParts';
import { policyOperations } from './policies';
import { problemOperations } from './problems';
import { reviewOperations } from './reviews';
import { scheduleOperations } from './schedules';
import { statusPageOperations } from './statusPages';

export const RESOURCE_ROUTES: readonly ResourceRoutes[] = [
  alertOperations,
  incidentOperations,
  declaredIncidentOperations,
  reviewOperations,
  policyOperations,
  ackLinkOperations,
  dashboardOperations,
  statusPageOperations,
  problemOperations,
  scheduleOperations,
  eventOperations,
  kpiOperations,
  maintenanceOperations,
  codecOperations,
  healthOperations,
  metricsOperations,
];
