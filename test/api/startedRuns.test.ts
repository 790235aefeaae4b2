import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startedRunsOf } from '../../api/gateways/startedRuns';

type Service = Client['workflowService'];

/** A WorkflowService whose signalWithStart answers what it is given, in order. */
function serviceAnswering(answers: Array<{ runId: string; started: boolean }>): { service: Service; calls: () => number } {
  let calls = 0;
  const service = {
    signalWithStartWorkflowExecution: async () => answers[calls++],
  } as unknown as Service;
  return { service, calls: () => calls };
}

const signalWithStart = (service: Service) => service.signalWithStartWorkflowExecution({});

describe('startedRunsOf', () => {
  it('knows a run as started once, from the answer that started it, and never a run it only signalled', async () => {
    const { service, calls } = serviceAnswering([
      { runId: 'run-new', started: true },
      { runId: 'run-open', started: false },
    ]);
    const runs = startedRunsOf(service);
    expect((await signalWithStart(service)).runId).toBe('run-new');
    expect((await signalWithStart(service)).runId).toBe('run-open');
    expect(calls()).toBe(2);
    expect(runs.take('run-open')).toBe(false);
    expect(runs.take('run-new')).toBe(true);
    expect(runs.take('run-new')).toBe(false);
  });

  it('records each answer once however many gateways share the connection', async () => {
    const { service, calls } = serviceAnswering([{ runId: 'run-a', started: true }]);
    const first = startedRunsOf(service);
    const second = startedRunsOf(service);
    await signalWithStart(service);
    expect(calls()).toBe(1);
    expect(second.take('run-a')).toBe(true);
    expect(first.take('run-a')).toBe(false);
  });

  it('knows nothing started for a stand-in client without a service', () => {
    expect(startedRunsOf(undefined).take('any')).toBe(false);
  });
});
