/**
 * A bound on the work one client (by address) can have in this process at once. Requests beyond
 * `concurrent` wait their turn in a queue of at most `queued`; past that the client gets 503 with
 * `Retry-After`, never a 4xx: Alertmanager and Grafana drop a 4xx for good but retry a 5xx, and an
 * authenticated sender's alert must never be lost. The bound is per process by nature (it guards
 * this process's event loop and connections), so it needs no shared store.
 */
import type { RequestHandler } from 'express';
import { sendError } from '../http/httpErrors';

export interface ClientConcurrencyLimits {
  concurrent: number;
  queued: number;
}


interface ClientSlots {
  running: number;
  waiting: Array<() => void>;
}

export function clientConcurrency(limits: ClientConcurrencyLimits, clientOf: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  const clients = new Map<string, ClientSlots>();

  function release(client: string, slots: ClientSlots): void {
    const next = slots.waiting.shift();
    if (next) {
      next();
      return;
    }
    slots.running -= 1;
    if (slots.running === 0) clients.delete(client);
  }

  return (req, res, next) => {
    const client = clientOf(req);
    let slots = clients.get(client);
    if (!slots) {
      slots = { running: 0, waiting: [] };
      clients.set(client, slots);
    }
    const held = slots;
    let released = false;
    const start = () => {
      // Released once, whichever comes first: the answer sent, or the client gone.
      const done = () => {
        if (released) return;
        released = true;
        release(client, held);
      };
      res.once('finish', done);
      res.once('close', done);
      next();
    };
    if (held.running < limits.concurrent) {
      held.running += 1;
      start();
      return;
    }
    if (held.waiting.length >= limits.queued) {
      res.setHeader('retry-after', '1');
      sendError(res, 503, 'too many requests in progress from this address; retry shortly', [{ field: 'client', message: `at most ${limits.concurrent} at once and ${limits.queued} waiting` }]);
      return;
    }
    // A waiting request whose client hung up gives its place back.
    const wait = () => {
      if (res.writableEnded || req.socket.destroyed) {
        release(client, held);
        return;
      }
      start();
    };
    held.waiting.push(wait);
  };
}
