/**
 * Heartbeats on Temporal: one workflow per heartbeat (`heartbeat/<id>`). A ping is a
 * signal-with-start, so the first ping of a heartbeat no replica has started yet starts it; the
 * API's start makes sure a heartbeat that never pings is watched too. Reads are queries, so any
 * replica answers alike.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { heartbeatWorkflowId, type HeartbeatSettings } from '../../domain/heartbeat';
import { HEARTBEAT_WORKFLOW_TYPE, heartbeatPingSignal, heartbeatQuery, type HeartbeatWorkflowInput } from '../../contracts/heartbeat';
import type { HeartbeatGateway } from './heartbeatGateway';
import { asHttpFailure } from './temporalGateway';

/** A ping waits no longer than an alert does before its sender is told to retry. */
const PING_DEADLINE_MS = 3_000;
/** A query needs a worker; one that does not answer soon shows the heartbeat as unknown. */
const QUERY_DEADLINE_MS = 3_000;

export function createTemporalHeartbeatGateway(deps: { client: Client; taskQueue: string }): HeartbeatGateway {
  const { client } = deps;
  async function call<T>(deadlineMs: number, fn: () => Promise<T>): Promise<T> {
    try {
      return await client.connection.withDeadline(Date.now() + deadlineMs, fn);
    } catch (error) {
      throw asHttpFailure(error);
    }
  }
  const input = (settings: HeartbeatSettings): HeartbeatWorkflowInput => ({ settings });

  return {
    async ping(settings) {
      await call(PING_DEADLINE_MS, () =>
        client.workflow.signalWithStart(HEARTBEAT_WORKFLOW_TYPE, {
          workflowId: heartbeatWorkflowId(settings.id),
          taskQueue: deps.taskQueue,
          args: [input(settings)],
          signal: heartbeatPingSignal.name,
          signalArgs: [{ settings }],
        }),
      );
    },

    async ensureWatching(settings) {
      await call(PING_DEADLINE_MS, () =>
        client.workflow.start(HEARTBEAT_WORKFLOW_TYPE, {
          workflowId: heartbeatWorkflowId(settings.id),
          taskQueue: deps.taskQueue,
          args: [input(settings)],
          // Another replica, or an earlier start of this one, already runs it: that one goes on.
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      );
    },

    async view(heartbeatId) {
      try {
        return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => client.workflow.getHandle(heartbeatWorkflowId(heartbeatId)).query(heartbeatQuery));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        const failure = asHttpFailure(error);
        // Temporal down is the caller's 503; a closed run or a missing worker is "unknown".
        if (failure !== error) throw failure;
        return undefined;
      }
    },
  };
}
