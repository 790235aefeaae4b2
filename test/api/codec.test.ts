import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPayloadKeyEntry, parsePayloadKeys, PayloadEncryptionCodec } from '../../platform/payloadEncryption';
import { ALICE_PHONE, API_KEY, RESPONDER_KEY, startTestApp } from '../../devkit/testApp';

const UI = 'http://localhost:8233';
const codec = new PayloadEncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('k1')));
const contact = { name: 'Alice', phone: ALICE_PHONE, email: 'alice@example.test' };

const asJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const fromJson = (payload: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data, 'base64'),
});

let app: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  app = await startTestApp({ codecServer: { codec, namespace: 'default', uiOrigins: [UI] } });
});
afterAll(async () => {
  await app.close();
});

const post = (operation: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) =>
  fetch(`${app.url}/codec/${operation}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });

describe('the codec endpoint (Temporal codec server protocol)', () => {
  it('decodes what the codec encrypted, for any valid API key', async () => {
    const sealed = await codec.encode([defaultPayloadConverter.toPayload(contact), defaultPayloadConverter.toPayload('plain')]);
    for (const key of [API_KEY, RESPONDER_KEY]) {
      const response = await post('decode', { payloads: sealed.map(asJson) }, { authorization: `Bearer ${key}`, origin: UI });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(UI);
      const { payloads } = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
      expect(payloads.map((payload) => defaultPayloadConverter.fromPayload(fromJson(payload)))).toEqual([contact, 'plain']);
    }
  });

  it('passes payloads written before encryption through', async () => {
    const clear = asJson(defaultPayloadConverter.toPayload(contact));
    const response = await post('decode', { payloads: [clear] });
    expect(await response.json()).toEqual({ payloads: [clear] });
  });

  it('encodes, so the UI can send encrypted signal input', async () => {
    const response = await post('encode', { payloads: [asJson(defaultPayloadConverter.toPayload(contact))] });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(payloads[0].data, 'base64').includes(ALICE_PHONE)).toBe(false);
    expect(defaultPayloadConverter.fromPayload((await codec.decode([fromJson(payloads[0])]))[0])).toEqual(contact);
  });

  it('answers 401 without a key or with an unknown one, and never decodes', async () => {
    const sealed = (await codec.encode([defaultPayloadConverter.toPayload(contact)])).map(asJson);
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-a-key' }, { authorization: `Basic ${API_KEY}` }];
    for (const headers of attempts) {
      for (const operation of ['decode', 'encode']) {
        const response = await post(operation, { payloads: sealed }, { ...headers, origin: UI });
        expect(response.status).toBe(401);
        // The UI can read the refusal (CORS), and it holds no contact data.
        expect(response.headers.get('access-control-allow-origin')).toBe(UI);
        const text = await response.text();
        expect(text).not.toContain(ALICE_PHONE);
        expect(JSON.parse(text).details[0].field).toBe('authorization');
      }
    }
  });

  it('answers the UI origin preflight, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
      });
    const allowed = await preflight(UI);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization.*content-type.*x-namespace/);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const decodedForOther = await post('decode', { payloads: [] }, { authorization: `Bearer ${API_KEY}`, origin: 'https://evil.example' });
    expect(decodedForOther.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('names the field of a malformed request', async () => {
    const cases: Array<[unknown, Record<string, string>, string]> = [
      [{ payloads: [{ data: 'not base64!' }] }, {}, 'body.payloads.0.data'],
      [{ nothing: true }, {}, 'body'],
      [{ payloads: [] }, { 'x-namespace': 'someone-else' }, 'x-namespace'],
    ];
    for (const [body, headers, field] of cases) {
      const response = await post('decode', body, { authorization: `Bearer ${API_KEY}`, ...headers });
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { details: Array<{ field: string }> };
      expect(answer.details.map((detail) => detail.field).some((name) => name.startsWith(field))).toBe(true);
    }
  });

  it('says which payload does not open (wrong key)', async () => {
    const [sealed] = await new PayloadEncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('other'))).encode([defaultPayloadConverter.toPayload(contact)]);
    const response = await post('decode', { payloads: [asJson(defaultPayloadConverter.toPayload(1)), asJson(sealed)] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('body.payloads.1');
  });

  it('answers 503 when no payload key is configured', async () => {
    const bare = await startTestApp();
    try {
      const response = await fetch(`${bare.url}/codec/decode`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: '{"payloads":[]}' });
      expect(response.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});
