/**
 * The machine is shared, so a long bench writes the 1-minute load average beside its figures:
 * sampled every 5 s for the whole run.
 */
import { loadavg } from 'node:os';

export interface LoadSampler {
  /** `0.52–3.10`: the least and most of the samples taken in [from, to] and now. */
  range(from?: number, to?: number): string;
  /** Whether any sample was taken yet. */
  readonly sampled: boolean;
}

export function sampleLoad(intervalMs = 5_000): LoadSampler {
  const samples: Array<{ at: number; load: number }> = [];
  const timer = setInterval(() => samples.push({ at: Date.now(), load: loadavg()[0] }), intervalMs);
  timer.unref();
  return {
    range(from = 0, to = Infinity) {
      const values = samples.filter((sample) => sample.at >= from && sample.at <= to).map((sample) => sample.load);
      values.push(loadavg()[0]);
      return `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
    },
    get sampled() {
      return samples.length > 0;
    },
  };
}
