/**
 * Opening many workflows against a loaded server without burying the worker: a bounded number in
 * flight, a bounded backlog of opened-but-not-done, progress every 15 s, and a bounded wait for
 * the last of them.
 */
import { sleep, type BenchClock } from './benchClock';
import { runBounded } from './stats';

/**
 * Opens workflows [from, to) with CONCURRENCY in flight and at most BACKLOG opened but not yet
 * done (paged or announced), then waits until all of them are done.
 */
export async function openMany(
  label: string,
  from: number,
  to: number,
  open: (index: number) => Promise<void>,
  done: () => number | Promise<number>,
  limits: { concurrency: number; backlog: number; clock: BenchClock },
): Promise<void> {
  const { clock } = limits;
  const CONCURRENCY = limits.concurrency;
  const BACKLOG = limits.backlog;
  let doneCount = await done();
  let polling = true;
  let lastReport = Date.now();
  const poller = (async () => {
    while (polling) {
      doneCount = await done();
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        clock.progress(`${label}: ${doneCount} of ${to} done`);
      }
      await sleep(200);
    }
  })();
  try {
    await runBounded(to - from, CONCURRENCY, async (offset) => {
      const index = from + offset;
      while (index - doneCount >= BACKLOG) {
        clock.withinDeadline(label);
        await sleep(20);
      }
      if (offset % 200 === 0) clock.withinDeadline(label);
      await open(index);
    });
    // Every incident pages once; give the last of them time, bounded.
    await clock.until(`${label}: ${to} done (${doneCount} so far)`, () => doneCount >= to, 180_000, 100);
  } finally {
    polling = false;
    await poller.catch(() => undefined);
  }
}
