/**
 * Every message of the heartbeat workflow, declared once, imported by the workflow, the API and
 * the tests.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HeartbeatSettings, HeartbeatState, HeartbeatView } from '../domain/heartbeat';

export const HEARTBEAT_WORKFLOW_TYPE = 'heartbeatWorkflow';

/** A ping, with the heartbeat's settings as the API's config has them now (a changed interval takes effect here). */
export interface HeartbeatPing {
  settings?: HeartbeatSettings;
}

/** What one run hands the next (continue-as-new). */
export interface CarriedHeartbeat {
  watchingSince: string;
  lastPingAt?: string;
  state: HeartbeatState;
  pings: number;
  /** A ping taken but not yet acted on when the run handed over. */
  pingPending: boolean;
  /** A miss a maintenance window covered: checked again at this time. */
  maintenanceUntil?: string;
}

export interface HeartbeatWorkflowInput {
  settings: HeartbeatSettings;
  carried?: CarriedHeartbeat;
  /** Continue-as-new once the history has this many events (default 1,000; tests lower it). */
  historyLimit?: number;
}

/** How the workflow ended: its heartbeat left the config. */
export interface HeartbeatOutcome {
  retired: true;
  view: HeartbeatView;
}

export const heartbeatPingSignal = defineSignal<[HeartbeatPing]>('heartbeatPing');

export const heartbeatQuery = defineQuery<HeartbeatView>('heartbeat');
