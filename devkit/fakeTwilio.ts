import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  from: string;
  body: string;
  sid: string;
  receivedAtMs: number;
}

export interface FakeTwilioOptions {
  /** Numbers Twilio refuses with error 21211, quoting the number in its message as Twilio does. */
  invalidNumbers?: readonly string[];
}

/** RFC 2822 in GMT, as Twilio's REST API writes dates (`Sun, 29 Nov 2026 19:38:04 +0000`). */
function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/**
 * A loopback stand-in for Twilio's REST API: the real twilio SDK sends to it (through
 * TWILIO_API_URL). It checks the account's Basic credentials as Twilio does, answers a created
 * message the way Twilio documents it, and lists messages as the Messages list resource does:
 * `To`, `From`, `DateSent` / `DateSent>` / `DateSent<` filters, newest first, `PageSize` and
 * `Page`, in Twilio's paging JSON (`messages`, `next_page_uri`, …). A message created here counts
 * as sent at once (date_sent is its creation time).
 */
export async function startFakeTwilio(accountSid: string, authToken: string, options: FakeTwilioOptions = {}) {
  const received: ReceivedSms[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const resource = (message: ReceivedSms) => ({
    sid: message.sid,
    account_sid: accountSid,
    api_version: '2010-04-01',
    to: message.to,
    from: message.from,
    body: message.body,
    status: 'sent',
    direction: 'outbound-api',
    num_segments: '1',
    num_media: '0',
    date_created: rfc2822(message.receivedAtMs),
    date_updated: rfc2822(message.receivedAtMs),
    date_sent: rfc2822(message.receivedAtMs),
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
  });

  function list(query: URLSearchParams) {
    const dateBound = (name: string) => (query.has(name) ? Date.parse(query.get(name) as string) : undefined);
    const [after, before, on] = [dateBound('DateSent>'), dateBound('DateSent<'), query.get('DateSent')];
    const matching = received
      .filter((message) => (!query.has('To') || message.to === query.get('To')) && (!query.has('From') || message.from === query.get('From')))
      .filter((message) => (after === undefined || message.receivedAtMs >= after) && (before === undefined || message.receivedAtMs <= before))
      .filter((message) => !on || new Date(message.receivedAtMs).toISOString().slice(0, 10) === on.slice(0, 10))
      .sort((a, b) => b.receivedAtMs - a.receivedAtMs);
    const pageSize = Math.min(1000, Math.max(1, Number(query.get('PageSize') ?? 50) || 50));
    const page = Math.max(0, Number(query.get('Page') ?? 0) || 0);
    const slice = matching.slice(page * pageSize, (page + 1) * pageSize);
    const uriOf = (pageNumber: number) => {
      const next = new URLSearchParams(query);
      next.set('PageSize', String(pageSize));
      next.set('Page', String(pageNumber));
      return `${messagesPath}?${next}`;
    };
    return {
      messages: slice.map(resource),
      page,
      page_size: pageSize,
      start: page * pageSize,
      end: page * pageSize + Math.max(0, slice.length - 1),
      uri: uriOf(page),
      first_page_uri: uriOf(0),
      previous_page_uri: page > 0 ? uriOf(page - 1) : null,
      next_page_uri: (page + 1) * pageSize < matching.length ? uriOf(page + 1) : null,
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
      if (req.headers.authorization !== expectedAuth) return reply(401, { code: 20003, message: 'Authenticate', status: 401 });
      const url = new URL(req.url ?? '/', 'http://fake-twilio');
      if (url.pathname !== messagesPath || (req.method !== 'POST' && req.method !== 'GET')) {
        return reply(404, { code: 20404, message: 'not found', status: 404 });
      }
      if (req.method === 'GET') return reply(200, list(url.searchParams));
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To') ?? '';
      if (options.invalidNumbers?.includes(to)) {
        return reply(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 });
      }
      const sid = `SM${String(received.length + 1).padStart(32, '0')}`;
      const message = { to, from: form.get('From') ?? '', body: form.get('Body') ?? '', sid, receivedAtMs: Date.now() };
      received.push(message);
      reply(201, { ...resource(message), status: 'queued', date_sent: null });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
