/**
 * Trials 1..count shared out over lanes that run side by side, each lane taking the next trial
 * when its last one is done. The first lane to fail asks the others to stop (through `stop`) and
 * its error, not the others' "stopped", is what the run throws.
 */
export async function runOnLanes<Lane extends { id: number }>(options: {
  lanes: readonly Lane[];
  count: number;
  /** Throws once the bench must stop (deadline, interrupt, another lane's failure). */
  withinDeadline: (what: string) => void;
  /** Records why the other lanes should stop. */
  stop: (reason: string) => void;
  trial: (index: number, lane: Lane) => Promise<void>;
}): Promise<void> {
  let nextIndex = 1;
  const outcomes = await Promise.allSettled(
    options.lanes.map(async (lane) => {
      try {
        while (nextIndex <= options.count) {
          const index = nextIndex++;
          options.withinDeadline(`trial ${index}`);
          await options.trial(index, lane);
        }
      } catch (error) {
        options.stop(`lane ${lane.id} failed: ${(error as Error).message}`);
        throw error;
      }
    }),
  );
  const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  // The lane that failed first tells why; the others only stopped because of it.
  if (rejected) throw outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined)).find((reason) => !String((reason as Error)?.message).startsWith('stopped: ')) ?? rejected.reason;
}
