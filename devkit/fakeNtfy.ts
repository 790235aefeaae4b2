import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the fake took, as ntfy keeps it in its cache (the publish's JSON fields, plus id and time). */
export interface PublishedNtfyMessage {
  id: string;
  /** Unix seconds, as ntfy writes `time`. */
  time: number;
  /** When the fake took it, in ms (ntfy's `time` is whole seconds). */
  receivedAtMs: number;
  topic: string;
  /** The `Authorization` header it came with (tests check the token sent). */
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeNtfyOptions {
  /** Topics that need a token, with the token (`Bearer <token>`); other topics take anonymous publishes. */
  tokens?: Record<string, string>;
  /** Topics whose token may publish but not read back (ntfy's write-only access): polling them answers 403. */
  writeOnly?: readonly string[];
}

/** ntfy's error body: `{"code":40301,"http":403,"error":"forbidden"}`. */
function refuse(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: status * 100 + 1, http: status, error }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A loopback stand-in for an ntfy server's JSON publish API (`POST /` with `{topic, ...}`) and its
 * cache poll (`GET /<topic>/json?poll=1&since=<unix>`): it checks each topic's access token,
 * records what was published, and can be told to fail the next publishes with a status.
 */
export async function startFakeNtfy(options: FakeNtfyOptions = {}) {
  const messages: PublishedNtfyMessage[] = [];
  let failures: number[] = [];

  /** Whether the request was refused for this topic (the refusal is sent); false when it may go on. */
  function denied(res: ServerResponse, topic: string, authorization: string | undefined): boolean {
    const token = options.tokens?.[topic];
    if (token === undefined) return false;
    if (authorization === undefined) {
      refuse(res, 403, 'forbidden');
      return true;
    }
    if (authorization !== `Bearer ${token}`) {
      refuse(res, 401, 'unauthorized');
      return true;
    }
    return false;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake-ntfy');
      const authorization = req.headers.authorization;
      if (req.method === 'POST' && url.pathname === '/') {
        const text = await readBody(req);
        const failure = failures.shift();
        if (failure !== undefined) return refuse(res, failure, 'told to fail');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return refuse(res, 400, 'invalid request: body must be JSON');
        }
        const topic = body.topic;
        if (typeof topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(topic)) return refuse(res, 400, 'invalid request: topic invalid');
        if (denied(res, topic, authorization)) return;
        const receivedAtMs = Date.now();
        const message: PublishedNtfyMessage = { id: randomBytes(9).toString('base64url'), time: Math.floor(receivedAtMs / 1000), receivedAtMs, topic, authorization, body };
        messages.push(message);
        const { topic: _topic, ...fields } = body;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: message.id, time: message.time, event: 'message', topic, ...fields }));
        return;
      }
      const poll = /^\/([-_A-Za-z0-9]{1,64})\/json$/.exec(url.pathname);
      if (req.method === 'GET' && poll && url.searchParams.get('poll') === '1') {
        const topic = poll[1];
        if (denied(res, topic, authorization)) return;
        if (options.writeOnly?.includes(topic)) return refuse(res, 403, 'forbidden');
        const since = Number(url.searchParams.get('since') ?? '0');
        const lines = messages
          .filter((message) => message.topic === topic && message.time >= since)
          .map((message) => JSON.stringify({ id: message.id, time: message.time, event: 'message', topic, ...message.body }));
        res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(lines.map((line) => `${line}\n`).join(''));
        return;
      }
      refuse(res, 404, 'page not found');
    })().catch(() => res.destroy());
  });
  // Longer than any pause in a test: a kept-alive socket the server closed while a slow test set
  // up would fail the next publish ("other side closed"), which is not what a test is about.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    messages,
    /** The next publishes answer these statuses, one each, before publishing works again. */
    failNext(...statuses: number[]) {
      failures = [...statuses];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeNtfy = Awaited<ReturnType<typeof startFakeNtfy>>;
