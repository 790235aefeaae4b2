import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message sent through the fake, as Telnyx keeps it. */
export interface TelnyxSentMessage {
  id: string;
  to: string;
  from: string;
  messagingProfileId: string | null;
  text: string;
  createdAtMs: number;
}

/** What the fake does with the next sends: fail with a status, or take the message and never answer. */
export type TelnyxSendFault = { status: number } | 'accept-then-hang' | 'hang';

/** Telnyx's error body: `{ errors: [{ code, title, detail }] }`. */
const errorBody = (code: string, title: string, detail: string) => ({ errors: [{ code, title, detail }] });

/**
 * A loopback stand-in for the parts of Telnyx's v2 API the telnyx SDK uses to page: send a message
 * (`POST /v2/messages`), retrieve one (`GET /v2/messages/{id}`) and search message detail records
 * (`GET /v2/detail_records`, `filter[record_type]=messaging` required; `direction`, `cld`, `cli`,
 * `created_at[gte]` filters; `sort=-created_at`; `page[size]`, `page[number]`; `{ data, meta }`).
 * It checks the Bearer API key as Telnyx does (401 otherwise). The real SDK reaches it through
 * `baseURL` (`TELNYX_API_URL`).
 */
export async function startFakeTelnyx(apiKey: string, options: { invalidNumbers?: readonly string[] } = {}) {
  const sent: TelnyxSentMessage[] = [];
  const faults: TelnyxSendFault[] = [];
  /** Requests by method and path, for tests that count what a retry asked. */
  const requests: string[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();

  const messageResource = (message: TelnyxSentMessage) => ({
    record_type: 'message',
    id: message.id,
    direction: 'outbound',
    type: 'SMS',
    messaging_profile_id: message.messagingProfileId,
    from: { phone_number: message.from, carrier: 'Telnyx', line_type: 'VoIP' },
    to: [{ phone_number: message.to, status: 'queued', carrier: 'T-MOBILE USA, INC.', line_type: 'Wireless' }],
    text: message.text,
    media: [],
    parts: 1,
    encoding: 'GSM-7',
    errors: [],
    received_at: new Date(message.createdAtMs).toISOString(),
    sent_at: null,
    completed_at: null,
    valid_until: new Date(message.createdAtMs + 3_600_000).toISOString(),
    webhook_url: null,
    webhook_failover_url: null,
  });
  const detailRecord = (message: TelnyxSentMessage) => ({
    record_type: 'message_detail_record',
    uuid: message.id,
    cld: message.to,
    cli: message.from,
    direction: 'outbound',
    message_type: 'SMS',
    parts: 1,
    status: 'delivered',
    profile_id: message.messagingProfileId ?? undefined,
    created_at: new Date(message.createdAtMs).toISOString(),
    updated_at: new Date(message.createdAtMs).toISOString(),
  });

  function searchRecords(query: URLSearchParams) {
    const filter = (name: string) => query.get(`filter[${name}]`);
    const since = query.get('filter[created_at][gte]');
    const sinceMs = since ? Date.parse(since) : undefined;
    // Every message here is outbound: a search for inbound records finds none.
    const matching = (filter('direction') === 'inbound' ? [] : sent)
      .filter((message) => (filter('cld') === null || message.to === filter('cld')) && (filter('cli') === null || message.from === filter('cli')))
      .filter((message) => sinceMs === undefined || message.createdAtMs >= sinceMs)
      .sort((a, b) => (query.get('sort') === 'created_at' ? a.createdAtMs - b.createdAtMs : b.createdAtMs - a.createdAtMs));
    const pageSize = Math.min(250, Math.max(1, Number(query.get('page[size]') ?? 20) || 20));
    const pageNumber = Math.max(1, Number(query.get('page[number]') ?? 1) || 1);
    return {
      data: matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(detailRecord),
      meta: { page_number: pageNumber, page_size: pageSize, total_pages: Math.max(1, Math.ceil(matching.length / pageSize)), total_results: matching.length },
    };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://fake-telnyx');
      requests.push(`${req.method} ${url.pathname}`);
      if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(401, errorBody('10009', 'Authentication failed', 'The API key looks malformed or is not valid.'));
      if (url.pathname === '/v2/detail_records' && req.method === 'GET') {
        if (url.searchParams.get('filter[record_type]') !== 'messaging') return reply(400, errorBody('10015', 'Bad Request', 'filter[record_type] must be specified'));
        return reply(200, searchRecords(url.searchParams));
      }
      const one = /^\/v2\/messages\/([0-9a-f-]{36})$/.exec(url.pathname);
      if (one && req.method === 'GET') {
        const message = sent.find((candidate) => candidate.id === one[1]);
        return message ? reply(200, { data: messageResource(message) }) : reply(404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
      }
      if (url.pathname !== '/v2/messages' || req.method !== 'POST') return reply(404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return reply(400, errorBody('10015', 'Bad Request', 'The request body is not valid JSON.'));
      }
      const fault = faults.shift();
      if (fault === 'hang') return void hanging.add(res);
      if (fault && fault !== 'accept-then-hang') return reply(fault.status, errorBody('10007', 'Unexpected error', 'An unexpected error occurred.'));
      const [to, text, from, profile] = [body.to, body.text, body.from, body.messaging_profile_id].map((value) => (typeof value === 'string' ? value : ''));
      if (!to) return reply(422, errorBody('10015', 'Invalid parameter', "The 'to' parameter is required."));
      if (!text) return reply(422, errorBody('10015', 'Invalid parameter', "The 'text' parameter is required for SMS."));
      if (!from && !profile) return reply(422, errorBody('40305', 'Invalid from address', "Either 'from' or 'messaging_profile_id' is required."));
      if (options.invalidNumbers?.includes(to)) return reply(422, errorBody('40310', "Invalid 'to' address", `The 'to' address ${to} is invalid.`));
      const message: TelnyxSentMessage = { id: randomUUID(), to, from: from || '+15550000000', messagingProfileId: profile || null, text, createdAtMs: Date.now() };
      sent.push(message);
      if (fault === 'accept-then-hang') return void hanging.add(res);
      reply(200, { data: messageResource(message) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** The SDK's `baseURL`: the fake's v2 root. */
    baseUrl: `http://127.0.0.1:${port}/v2`,
    sent,
    requests,
    /** The next sends fail (a status), are taken without an answer, or hang before being taken, in this order. */
    failNextSends(...next: TelnyxSendFault[]) {
      faults.push(...next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Signs webhooks the way Telnyx does: Ed25519 over `<telnyx-timestamp>|<body>`, the signature in
 * `telnyx-signature-ed25519` (base64). A fresh key pair; `publicKey` is what the portal shows
 * (the raw 32-byte key, base64), for `TELNYX_PUBLIC_KEY`.
 */
export function telnyxWebhookSigner() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from((publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
  return {
    publicKey: raw.toString('base64'),
    /** Headers for `body` sent at `timestampSeconds` (now by default), signed with this pair's key or `key`. */
    headers(body: string, timestampSeconds = Math.floor(Date.now() / 1000), key: KeyObject = privateKey): Record<string, string> {
      const timestamp = String(timestampSeconds);
      return {
        'content-type': 'application/json',
        'telnyx-timestamp': timestamp,
        'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${body}`), key).toString('base64'),
      };
    },
  };
}

/** A `message.received` event as Telnyx posts it for an SMS to one of your numbers. */
export function telnyxInboundEvent(from: string, to: string, text: string, ids: { eventId?: string; messageId?: string } = {}) {
  return {
    data: {
      record_type: 'event',
      id: ids.eventId ?? randomUUID(),
      event_type: 'message.received',
      occurred_at: new Date().toISOString(),
      payload: {
        record_type: 'message',
        direction: 'inbound',
        id: ids.messageId ?? randomUUID(),
        type: 'SMS',
        messaging_profile_id: '40017f6a-0000-4000-8000-000000000001',
        from: { phone_number: from, carrier: 'T-MOBILE USA, INC.', line_type: 'Wireless' },
        to: [{ phone_number: to, status: 'webhook_delivered', carrier: 'TELNYX LLC', line_type: 'VoIP' }],
        cc: [],
        text,
        media: [],
        encoding: 'GSM-7',
        parts: 1,
        received_at: new Date().toISOString(),
      },
    },
    meta: { attempt: 1, delivered_to: 'https://vigil.example.test/v1/webhooks/telnyx/sms' },
  };
}
