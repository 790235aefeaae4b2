/**
 * The floor for bench/core.ts: the least a workflow can do to reach an activity when it is
 * started as Vigil starts an incident, by signalWithStart (the first alert is a signal).
 */
import { defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

const { touch } = proxyActivities<{ touch(startedAtMs: number): Promise<void> }>({ startToCloseTimeout: '30s' });

export const floorSignal = defineSignal<[string]>('floor');

export async function floorWorkflow(startedAtMs: number): Promise<void> {
  setHandler(floorSignal, () => undefined);
  await touch(startedAtMs);
}
