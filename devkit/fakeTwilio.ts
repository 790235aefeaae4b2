import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  from: string;
  body: string;
  sid: string;
  receivedAtMs: number;
}

/** A call placed through the fake's Calls resource, with what the test made of it since. */
export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  /** The TwiML given inline (`Twiml`), or empty when the call was given a `Url`. */
  twiml: string;
  url: string;
  machineDetection: string;
  timeout: number;
  createdAtMs: number;
  /** Twilio's call states: queued, ringing, in-progress, completed, busy, no-answer, failed, canceled. */
  status: string;
  /** Set by answering machine detection once the call is answered: human, machine_start, fax, unknown. */
  answeredBy: string | null;
  /** Set when the API ended the call (`POST .../Calls/{sid}.json` with `Status=completed`). */
  hungUpByApi?: boolean;
}

export interface FakeTwilioOptions {
  /** Numbers Twilio refuses with error 21211, quoting the number in its message as Twilio does. */
  invalidNumbers?: readonly string[];
  /**
   * Every call placed is answered by a person this long after it was created (ringing at once),
   * for runs where nobody plays the phone network (the multi-host trials). Absent: calls stay
   * queued until the test moves them with `setCall`.
   */
  answerCallsAfterMs?: number;
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
  const callsPath = `/2010-04-01/Accounts/${accountSid}/Calls.json`;
  const callPath = new RegExp(`^/2010-04-01/Accounts/${accountSid}/Calls/(CA[0-9a-f]{32})\\.json$`);
  const calls: PlacedCall[] = [];
  const callResource = (call: PlacedCall) => ({
    sid: call.sid,
    account_sid: accountSid,
    api_version: '2010-04-01',
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    status: call.status,
    direction: 'outbound-api',
    answered_by: call.answeredBy,
    date_created: rfc2822(call.createdAtMs),
    date_updated: rfc2822(call.createdAtMs),
    start_time: call.status === 'queued' ? null : rfc2822(call.createdAtMs),
    end_time: null,
    duration: null,
    price: null,
    price_unit: 'USD',
    parent_call_sid: null,
    phone_number_sid: null,
    forwarded_from: null,
    caller_name: null,
    group_sid: null,
    queue_time: '0',
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${call.sid}.json`,
    subresource_uris: {},
  });
  /** The Calls list resource: `To`, `From`, newest first, `PageSize` and `Page`, in Twilio's paging JSON (`calls`). */
  function listCalls(query: URLSearchParams) {
    const matching = calls
      .filter((call) => (!query.has('To') || call.to === query.get('To')) && (!query.has('From') || call.from === query.get('From')))
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
    const pageSize = Math.min(1000, Math.max(1, Number(query.get('PageSize') ?? 50) || 50));
    const page = Math.max(0, Number(query.get('Page') ?? 0) || 0);
    const slice = matching.slice(page * pageSize, (page + 1) * pageSize);
    const uriOf = (pageNumber: number) => `${callsPath}?${new URLSearchParams({ ...Object.fromEntries(query), PageSize: String(pageSize), Page: String(pageNumber) })}`;
    return {
      calls: slice.map(callResource),
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
      if (url.pathname === callsPath && req.method === 'GET') return reply(200, listCalls(url.searchParams));
      if (url.pathname === callsPath && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const [to, from, twiml, callUrl] = ['To', 'From', 'Twiml', 'Url'].map((name) => form.get(name) ?? '');
        if (!to || !from) return reply(400, { code: 21201, message: 'No called number is specified', status: 400 });
        if (!twiml && !callUrl) return reply(400, { code: 21205, message: 'Url or Twiml is required', status: 400 });
        const call: PlacedCall = {
          sid: `CA${String(calls.length + 1).padStart(32, '0')}`,
          to,
          from,
          twiml,
          url: callUrl,
          machineDetection: form.get('MachineDetection') ?? '',
          timeout: Number(form.get('Timeout') ?? 60),
          createdAtMs: Date.now(),
          status: 'queued',
          answeredBy: null,
        };
        calls.push(call);
        if (options.answerCallsAfterMs !== undefined) {
          call.status = 'ringing';
          setTimeout(() => Object.assign(call, { status: 'in-progress', answeredBy: 'human' }), options.answerCallsAfterMs).unref();
        }
        return reply(201, callResource(call));
      }
      const callMatch = callPath.exec(url.pathname);
      if (callMatch && req.method === 'GET') {
        const call = calls.find((placed) => placed.sid === callMatch[1]);
        return call ? reply(200, callResource(call)) : reply(404, { code: 20404, message: `The requested resource ${url.pathname} was not found`, status: 404 });
      }
      // Ending a call in progress, as Twilio's "update a call" does: `Status=completed` (or `canceled` while queued).
      if (callMatch && req.method === 'POST') {
        const call = calls.find((placed) => placed.sid === callMatch[1]);
        if (!call) return reply(404, { code: 20404, message: `The requested resource ${url.pathname} was not found`, status: 404 });
        const status = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Status');
        if (status !== 'completed' && status !== 'canceled') return reply(400, { code: 21218, message: 'Invalid Status', status: 400 });
        Object.assign(call, { status, hungUpByApi: true });
        return reply(200, callResource(call));
      }
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
  /** The call placed last to `to`. */
  const lastCallTo = (to: string) => calls.filter((call) => call.to === to).at(-1);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    calls,
    lastCallTo,
    /** Moves a call on as the phone network would: rings, answered (by a person or a machine), busy, no answer. */
    setCall(sid: string, state: { status: string; answeredBy?: string | null }) {
      const call = calls.find((placed) => placed.sid === sid);
      if (!call) throw new Error(`no call ${sid}`);
      call.status = state.status;
      if (state.answeredBy !== undefined) call.answeredBy = state.answeredBy;
    },
    /**
     * Posts what Twilio posts to a `<Gather>`'s action when the callee presses `digits` during the
     * `gather`-th `<Gather>` (from 1) of the call's TwiML, or of `twiml` (what a callback answered
     * with, when the call goes on there): the action URL as the TwiML names it, signed over that URL with
     * the account's token (or `token`), sent to `reachAt` instead of the URL's host (Vigil's public
     * URL is not where the test app listens).
     */
    async pressKeys(sid: string, digits: string, options: { gather?: number; reachAt: string; token?: string; twiml?: string }) {
      const call = calls.find((placed) => placed.sid === sid);
      if (!call) throw new Error(`no call ${sid}`);
      const actions = [...(options.twiml ?? call.twiml).matchAll(/<Gather [^>]*action="([^"]+)"/g)].map((match) => match[1].replaceAll('&amp;', '&'));
      const action = actions[(options.gather ?? 1) - 1];
      if (!action) throw new Error(`call ${sid} has no <Gather> with an action`);
      return postSigned(action, { AccountSid: accountSid, ApiVersion: '2010-04-01', CallSid: sid, CallStatus: 'in-progress', Called: call.to, Caller: call.from, Direction: 'outbound-api', From: call.from, To: call.to, Digits: digits, FinishedOnKey: '', msg: 'Gather End' }, options.reachAt, options.token ?? authToken);
    },

    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A form posted the way Twilio posts webhooks: signed over `url` (the twilio SDK's own signing), sent to `reachAt`. */
export async function postSigned(url: string, params: Record<string, string>, reachAt: string, token: string): Promise<Response> {
  const { default: twilio } = await import('twilio');
  const target = new URL(url);
  return fetch(`${reachAt.replace(/\/+$/, '')}${target.pathname}${target.search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}
