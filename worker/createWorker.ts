import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { createEscalationActivities } from '../activities/escalationTargets';
import { createHeartbeatActivities } from '../activities/heartbeatIncidents';
import { createMaintenanceWindows } from '../platform/maintenanceWindows';
import type { ChannelTransports } from '../activities/channels';
import { createNotifyActivities } from '../activities/notify';
import { createPlanActivities } from '../activities/plan';
import { planIncident } from '../domain/incidentPlan';
import { createProblemLinkingActivities } from '../activities/problemLinking';
import { createRunbookActivities } from '../activities/runbookSteps';
import { createSqlDeliveryLog } from '../activities/transports/sqlDeliveryLog';
import { createWebhookActivities } from '../activities/webhooks';
import { checkWebhookPagerSecrets } from '../activities/webhookPagerSecrets';
import { chatPlatformsFromEnv, type ChatPlatforms } from '../activities/chat';
import { createIncidentChatActivities } from '../activities/chat/incidentChat';
import { createChatRecords } from '../platform/chatRecords';
import type { VigilConfig } from '../domain/config';
import { ConfigError, onCallLookup } from '../domain/config';
import type { SqlExecutor } from '../platform/sqlStore';
import { withEncodedFailures } from '../platform/failureEncoding';
import type { Runbook } from '../runbooks/runbook';

/** The workflow sources; in a build, their compiled copy (only read when no bundle was built ahead). */
export const WORKFLOWS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../workflows/index.js' : '../workflows/index.ts', import.meta.url));

export interface VigilWorkerDeps {
  /** Signs one-click acknowledge links in page emails (`VIGIL_LINK_SECRET`); without it, emails carry none. */
  linkSecret?: string;
  /** Workflows kept in memory (`VIGIL_MAX_CACHED_WORKFLOWS`; the SDK's default when absent). */
  maxCachedWorkflows?: number;
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  config: VigilConfig;
  runbooks: readonly Runbook[];
  /** Each channel's transport by channel id (`worker/transports.ts`). */
  transports: ChannelTransports;
  /** The SQL store every worker shares (the delivery log); see worker/workerStore.ts. */
  store: SqlExecutor;
  publicUrl: string;
  /** Encrypts payloads (`platform/payloadEncryption.ts`); the same keys as every API and worker. */
  dataConverter?: DataConverter;
  /** A pre-built bundle (tests bundle once per file); otherwise the worker bundles at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** How long activities may finish after a stop is asked (worker/operations.ts); the SDK's 0 when absent. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Where webhook secrets (events' and pages') are checked (`secretEnv` in config); `process.env` when absent. */
  env?: Record<string, string | undefined>;
  /** Chat platform adapters (`activities/chat/index.ts`); those whose environment is set when absent. */
  chatPlatforms?: ChatPlatforms;
  /** Worker Deployment version (opt-in, worker/operations.ts). */
  workerDeploymentOptions?: WorkerOptions['workerDeploymentOptions'];
}

/** Fails at start, naming the field, when a service's runbook parameters do not fit the runbook. */
export function checkRunbookParams(config: VigilConfig, runbooks: readonly Runbook[]): void {
  const byId = new Map(runbooks.map((runbook) => [runbook.id, runbook]));
  const issues = [];
  for (const [serviceId, service] of Object.entries(config.services)) {
    for (const [runbookId, params] of Object.entries(service.runbooks)) {
      const runbook = byId.get(runbookId);
      const path = `services.${serviceId}.runbooks.${runbookId}`;
      if (!runbook) {
        issues.push({ path, message: `no runbook "${runbookId}" (known: ${[...byId.keys()].join(', ')})` });
        continue;
      }
      const result = runbook.params.safeParse(params);
      if (!result.success) {
        for (const issue of result.error.issues) issues.push({ path: [path, ...issue.path].join('.'), message: issue.message });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError('runbook parameters', issues);
}

/** The Vigil worker: the incident workflow plus every activity, built from its clients. */
export async function createVigilWorker(deps: VigilWorkerDeps): Promise<Worker> {
  checkRunbookParams(deps.config, deps.runbooks);
  checkWebhookPagerSecrets(deps.config.contacts, deps.env ?? process.env);
  const activities = {
    ...createPlanActivities({ config: deps.config, runbooks: deps.runbooks }),
    ...createProblemLinkingActivities({ config: deps.config }),
    ...createHeartbeatActivities({ config: deps.config, plan: (alert) => planIncident(deps.config, deps.runbooks, alert), maintenance: createMaintenanceWindows(deps.store) }),
    ...createRunbookActivities({ runbooks: deps.runbooks }),
    ...createEscalationActivities({ config: deps.config, onCall: onCallLookup(deps.config) }),
    ...createNotifyActivities({
      ...deps.transports,
      deliveries: createSqlDeliveryLog(deps.store),
      publicUrl: deps.publicUrl,
      linkSecret: deps.linkSecret,
    }),
    ...createWebhookActivities({ endpoints: deps.config.webhooks, env: deps.env ?? process.env, publicUrl: deps.publicUrl }),
    ...createIncidentChatActivities({
      config: deps.config,
      platforms: deps.chatPlatforms ?? chatPlatformsFromEnv(deps.env ?? process.env),
      records: createChatRecords(deps.store),
      publicUrl: deps.publicUrl,
      linkSecret: deps.linkSecret,
    }),
  };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities,
    // Activity failures' messages go to Temporal encoded (and so encrypted), as the bundle's do.
    dataConverter: withEncodedFailures(deps.dataConverter),
    ...(deps.maxCachedWorkflows ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
    ...(deps.shutdownGraceTime !== undefined ? { shutdownGraceTime: deps.shutdownGraceTime } : {}),
    ...(deps.workerDeploymentOptions ? { workerDeploymentOptions: deps.workerDeploymentOptions } : {}),
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
