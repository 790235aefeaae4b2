/**
 * A loopback webhook receiver that verifies each delivery's Standard Webhooks signature with the
 * reference library, as a real receiver would. `failFirst` answers the first N deliveries of each
 * event with `failStatus` (a receiver having a bad minute); `failNext` the next deliveries, one
 * status each. It takes incident events and pages of the `webhook` channel alike (`Payload`).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { WebhookPayload } from '../domain/webhooks';

export interface ReceivedWebhook<Payload = WebhookPayload> {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed payload when the signature verified; undefined otherwise. */
  payload?: Payload;
  /** Why verification failed, when it did. */
  refused?: string;
  /** The status it was answered with. */
  status: number;
  atMs: number;
}

export async function startWebhookReceiver<Payload = WebhookPayload>(options: { secret: string; failFirst?: number; failStatus?: number }) {
  const verifier = new Webhook(options.secret);
  /** Every request, including the ones answered with a failure. */
  const requests: ReceivedWebhook<Payload>[] = [];
  const attemptsById = new Map<string, number>();
  let failures: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received: ReceivedWebhook<Payload> = { headers: req.headers, body, status: 400, atMs: Date.now() };
      requests.push(received);
      try {
        received.payload = verifier.verify(body, req.headers as Record<string, string>) as Payload;
      } catch (error) {
        received.refused = error instanceof WebhookVerificationError ? error.message : String(error);
        res.writeHead(400).end();
        return;
      }
      const id = String(req.headers['webhook-id']);
      const attempt = (attemptsById.get(id) ?? 0) + 1;
      attemptsById.set(id, attempt);
      received.status = failures.shift() ?? (attempt <= (options.failFirst ?? 0) ? (options.failStatus ?? 500) : 204);
      res.writeHead(received.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/vigil`,
    requests,
    /** Deliveries it accepted (signature verified, answered 2xx), in arrival order. */
    accepted: () => requests.filter((request) => request.status < 300),
    /** The next verified deliveries are answered with these statuses, one each (none: as configured). */
    failNext(...statuses: number[]) {
      failures = [...statuses];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
