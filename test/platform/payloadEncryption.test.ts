import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  newPayloadKeyEntry,
  parsePayloadKeys,
  PayloadEncryptionCodec,
  PayloadKeyError,
  payloadEncryptionFromEnv,
} from '../../platform/payloadEncryption';

const contact = { name: 'Alice', phone: '+15550001111', email: 'alice@example.test' };
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('VIGIL_PAYLOAD_KEYS', () => {
  it('reads id:base64 entries; the first one encrypts', () => {
    const ring = parsePayloadKeys(`${newPayloadKeyEntry('k2')}, ${newPayloadKeyEntry('k1')}`);
    expect(ring.current.id).toBe('k2');
    expect([...ring.byId.keys()]).toEqual(['k2', 'k1']);
  });

  it('takes base64url keys too', () => {
    const key = randomBytes(32);
    expect(parsePayloadKeys(`a:${key.toString('base64url')}`).current.key.equals(key)).toBe(true);
  });

  it.each([
    ['', /holds no key/],
    ['nokey', /entry 1: expected "id:base64key"/],
    [`k1:${randomBytes(16).toString('base64')}`, /entry 1 \("k1"\): the key must be 32 bytes \(got 16\)/],
    [`k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`, /entry 2 \("k1"\): the key id is used twice/],
    [`bad!id:${randomBytes(32).toString('base64')}`, /entry 1: the key id/],
    ['k1:not*base64!', /entry 1 \("k1"\): the key is not base64/],
  ])('refuses %j, naming the entry', (value, message) => {
    expect(() => parsePayloadKeys(value)).toThrow(PayloadKeyError);
    expect(() => parsePayloadKeys(value)).toThrow(message);
  });

  it('never repeats the key material in an error', () => {
    const short = randomBytes(31).toString('base64');
    try {
      parsePayloadKeys(`k1:${short}`);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
  });

  it('without the variable, payloads are not encrypted', () => {
    expect(payloadEncryptionFromEnv({}).codec).toBeUndefined();
    expect(payloadEncryptionFromEnv({}).dataConverter.payloadCodecs).toBeUndefined();
    expect(payloadEncryptionFromEnv({ VIGIL_PAYLOAD_KEYS: newPayloadKeyEntry('k') }).codec?.keyId).toBe('k');
  });
});

describe('the payload encryption codec', () => {
  const codec = new PayloadEncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('k1')));

  it('hides the contact data and names the key, and decodes back to the same payload', async () => {
    const [sealed] = await codec.encode([payloadOf(contact)]);
    expect(text(sealed.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed.metadata?.[KEY_ID_METADATA])).toBe('k1');
    const bytes = Buffer.from(sealed.data ?? new Uint8Array());
    for (const secret of [contact.phone, contact.email, 'json/plain']) expect(bytes.includes(secret)).toBe(false);
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual(contact);
    expect(text(opened.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  it('uses a fresh nonce for each payload', async () => {
    const [a, b] = await codec.encode([payloadOf(contact), payloadOf(contact)]);
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
  });

  it('passes payloads written before encryption through untouched', async () => {
    const clear = payloadOf(contact);
    const [decoded] = await codec.decode([clear]);
    expect(decoded).toBe(clear);
  });

  it('decrypts with an older key after rotation, and encrypts with the new one', async () => {
    const oldEntry = newPayloadKeyEntry('2025');
    const [old] = await new PayloadEncryptionCodec(parsePayloadKeys(oldEntry)).encode([payloadOf(contact)]);
    const rotated = new PayloadEncryptionCodec(parsePayloadKeys(`${newPayloadKeyEntry('2026')},${oldEntry}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(contact);
    const [fresh] = await rotated.encode([payloadOf(contact)]);
    expect(text(fresh.metadata?.[KEY_ID_METADATA])).toBe('2026');
  });

  it('refuses a payload of an unknown key, a wrong key and altered data', async () => {
    const [sealed] = await codec.encode([payloadOf(contact)]);
    const other = new PayloadEncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('k2')));
    await expect(other.decode([sealed])).rejects.toThrow(/key "k1", which VIGIL_PAYLOAD_KEYS does not hold/);
    const impostor = new PayloadEncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('k1')));
    await expect(impostor.decode([sealed])).rejects.toThrow(/does not open with key "k1"/);
    const altered = Buffer.from(sealed.data ?? []);
    altered[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data: altered }])).rejects.toThrow(/does not open/);
    await expect(codec.decode([{ ...sealed, data: altered.subarray(0, 10) }])).rejects.toThrow(/too short/);
  });
});
