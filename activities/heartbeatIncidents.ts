/**
 * What the heartbeat workflow cannot do itself: read the worker's config, and open or resolve the
 * heartbeat's incident. Opening is the signal-with-start the API uses for an alert, so a missed
 * heartbeat joins an open incident of its key rather than opening a second; the alert id comes
 * from the workflow, so a retried activity counts once.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { IncidentPlan } from '../domain/incidentPlan';
import type { Alert } from '../domain/alert';
import { incidentWorkflowId } from '../domain/alert';
import type { VigilConfig } from '../domain/config';
import { heartbeatSettingsOf, type HeartbeatMissOutcome, type HeartbeatSettings } from '../domain/heartbeat';
import { windowCovering, type MaintenanceWindow } from '../domain/maintenance';
import type { IncidentWorkflowInput } from '../contracts/incident';
import { alertSignal, INCIDENT_WORKFLOW_TYPE, resolveUpdate, sourceResolvedSignal } from '../contracts/incident';

export interface HeartbeatActivityDeps {
  config: VigilConfig;
  /** Freezes policy and runbook into the start input, as the API does; without it the incident plans by activity. */
  plan?: (alert: Alert) => IncidentPlan;
  /** Temporal client; the worker's own (activity context) by default. */
  client?: () => Client;
  /** Maintenance windows (the SQL store's); a miss they cover pages nobody, as an alert they cover does not. */
  maintenance?: { current(now: Date): Promise<MaintenanceWindow[]> };
  /** Told when the windows cannot be read (the miss then pages: better a page in maintenance than none). */
  onMaintenanceUnreadable?: (error: unknown) => void;
}

export function createHeartbeatActivities(deps: HeartbeatActivityDeps) {
  const clientOf = deps.client ?? (() => Context.current().client);
  return {
    /** The heartbeat as this worker's config has it now; null once it was removed. */
    async heartbeatSettings(heartbeatId: string): Promise<HeartbeatSettings | null> {
      const heartbeat = Object.hasOwn(deps.config.heartbeats, heartbeatId) ? deps.config.heartbeats[heartbeatId] : undefined;
      return heartbeat ? heartbeatSettingsOf(heartbeatId, heartbeat) : null;
    },

    /**
     * Opens the incident of a miss, unless a maintenance window covers it at the miss's time (the
     * workflow's clock, in `receivedAt`): then nothing is paged and the workflow looks again when
     * the window ends.
     */
    async openHeartbeatIncident(alert: Alert): Promise<HeartbeatMissOutcome> {
      const at = new Date(alert.receivedAt);
      const windows = await (deps.maintenance?.current(at) ?? Promise.resolve([])).catch((error: unknown) => {
        deps.onMaintenanceUnreadable?.(error);
        return [];
      });
      const window = windowCovering(windows, alert, at);
      if (window) return { suppressedUntil: window.endsAt, maintenanceId: window.id };
      const input: IncidentWorkflowInput = { alert, ...(deps.plan ? { plan: deps.plan(alert) } : {}) };
      await clientOf().workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
        workflowId: incidentWorkflowId(alert),
        taskQueue: Context.current().info.taskQueue,
        args: [input],
        signal: alertSignal.name,
        signalArgs: [alert],
      });
      return {};
    },

    /**
     * The ping as a resolved alert of the same key (on the incident's timeline), then a resolve:
     * a job that runs again is over its incident whether or not the service auto-resolves.
     */
    async resolveHeartbeatIncident(alert: Alert): Promise<void> {
      const handle = clientOf().workflow.getHandle(incidentWorkflowId(alert));
      try {
        await handle.signal(sourceResolvedSignal, alert);
        await handle.executeUpdate(resolveUpdate, { args: [{ by: `heartbeat ${alert.labels.heartbeat}`, via: 'heartbeat', note: 'the job pinged again' }] });
      } catch (error) {
        // Closed, never opened, or resolved already (by a person, or by auto-resolve just now).
        if (error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError) return;
        throw error;
      }
    },
  };
}

export type HeartbeatActivities = ReturnType<typeof createHeartbeatActivities>;
