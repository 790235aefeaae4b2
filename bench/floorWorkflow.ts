/** The floor for bench/core.ts: the least a workflow can do to reach an activity. */
import { proxyActivities } from '@temporalio/workflow';

const { touch } = proxyActivities<{ touch(startedAtMs: number): Promise<void> }>({ startToCloseTimeout: '30s' });

export async function floorWorkflow(startedAtMs: number): Promise<void> {
  await touch(startedAtMs);
}
