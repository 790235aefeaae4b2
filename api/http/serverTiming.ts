/**
 * A `Server-Timing` header (W3C Server Timing): where a request's time went on the server, read
 * by the browser's Resource Timing (`serverTiming`) so a bench or a person in devtools sees it
 * beside the network time. Durations only, no names of data.
 */
import type { Response } from 'express';

export interface ServerTimer {
  /** Closes the span running since the last lap (or the start) under `name`. */
  lap(name: string): void;
  /** Adds the spans so far to the answer's header. */
  write(res: Response): void;
}

export function serverTimer(): ServerTimer {
  const spans: string[] = [];
  let last = performance.now();
  return {
    lap(name) {
      const now = performance.now();
      spans.push(`${name};dur=${(now - last).toFixed(1)}`);
      last = now;
    },
    write(res) {
      if (!spans.length) return;
      const before = res.get('server-timing');
      res.set('server-timing', [before, ...spans].filter(Boolean).join(', '));
      spans.length = 0;
    },
  };
}
