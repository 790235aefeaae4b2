/**
 * Encrypts every payload Vigil hands Temporal (workflow inputs, activity inputs and results,
 * signals, updates, queries, memo), so contact phone numbers and email addresses never sit in a
 * history or in the Temporal UI in clear. Temporal's recommended shape: a payload codec on every
 * client and worker, keys kept outside Temporal (here: the environment, `VIGIL_PAYLOAD_KEYS`).
 *
 * Each payload is serialized whole (metadata included) and sealed with AES-256-GCM under a fresh
 * 96-bit nonce; the result carries `encoding: binary/encrypted` and the id of the key, so a key
 * ring with several keys decrypts old payloads while the first key encrypts new ones (rotation).
 * Payloads without that encoding (histories written before encryption) pass through untouched.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const ProtoPayload = proto.temporal.api.common.v1.Payload;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata field naming the key a payload was sealed with (the name Temporal's samples use). */
export const KEY_ID_METADATA = 'encryption-key-id';
export const PAYLOAD_KEYS_VARIABLE = 'VIGIL_PAYLOAD_KEYS';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** Keys by id; the first one encrypts. */
export interface PayloadKeyRing {
  current: PayloadKey;
  byId: ReadonlyMap<string, Buffer>;
}

/** A bad `VIGIL_PAYLOAD_KEYS`; the message names the entry, never the key material. */
export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

/**
 * Reads `id:base64key` entries separated by commas or white space (the first encrypts, all
 * decrypt). A key is 32 random bytes in base64 or base64url: `openssl rand -base64 32`.
 * @throws PayloadKeyError naming the entry at fault
 */
export function parsePayloadKeys(value: string, variable = PAYLOAD_KEYS_VARIABLE): PayloadKeyRing {
  const entries = value.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) throw new PayloadKeyError(`${variable} holds no key (expected "id:base64key[,id:base64key...]")`);
  const keys: PayloadKey[] = [];
  const byId = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const where = `${variable} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new PayloadKeyError(`${where}: expected "id:base64key"`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new PayloadKeyError(`${where}: the key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    if (byId.has(id)) throw new PayloadKeyError(`${where} ("${id}"): the key id is used twice`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new PayloadKeyError(`${where} ("${id}"): the key is not base64`);
    const key = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (key.length !== KEY_BYTES) throw new PayloadKeyError(`${where} ("${id}"): the key must be ${KEY_BYTES} bytes (got ${key.length}); make one with: openssl rand -base64 32`);
    keys.push({ id, key });
    byId.set(id, key);
  });
  return { current: keys[0], byId };
}

/** A fresh key entry for `VIGIL_PAYLOAD_KEYS` (what `npm start` keeps under .vigil/). */
export function newPayloadKeyEntry(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

export function isEncrypted(payload: Payload): boolean {
  return metadataText(payload, METADATA_ENCODING_KEY) === ENCRYPTED_ENCODING;
}

/** The AES-256-GCM payload codec (see the top of this file). */
export class PayloadEncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeyRing) {}

  get keyId(): string {
    return this.keys.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys.current;
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const sealed = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
        data: Buffer.concat([nonce, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.open(payload) : payload));
  }

  private open(payload: Payload): Payload {
    const id = metadataText(payload, KEY_ID_METADATA);
    if (!id) throw new ValueError(`an encrypted payload carries no ${KEY_ID_METADATA}`);
    const key = this.keys.byId.get(id);
    if (!key) throw new ValueError(`payload encrypted with key "${id}", which ${PAYLOAD_KEYS_VARIABLE} does not hold (known: ${[...this.keys.byId.keys()].join(', ')})`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new ValueError(`an encrypted payload (key "${id}") is too short`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let clear: Buffer;
    try {
      clear = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(`an encrypted payload does not open with key "${id}" (wrong key or altered data)`);
    }
    return ProtoPayload.decode(clear);
  }
}

export interface PayloadEncryption {
  /** Absent when no key is configured: payloads then go to Temporal in clear. */
  codec?: PayloadEncryptionCodec;
  /** For `new Client({ dataConverter })` and `Worker.create({ dataConverter })`. */
  dataConverter: DataConverter;
}

/** Encryption as the environment configures it. @throws PayloadKeyError on a malformed value */
export function payloadEncryptionFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadEncryption {
  const value = env[PAYLOAD_KEYS_VARIABLE];
  if (value === undefined || value.trim() === '') return { dataConverter: {} };
  return payloadEncryptionWith(parsePayloadKeys(value));
}

export function payloadEncryptionWith(keys: PayloadKeyRing): Required<PayloadEncryption> {
  const codec = new PayloadEncryptionCodec(keys);
  return { codec, dataConverter: { payloadCodecs: [codec] } };
}

/** Said by the API and the worker at start when no key is set. */
export const UNENCRYPTED_WARNING = `${PAYLOAD_KEYS_VARIABLE} is not set: workflow histories (contact phone numbers and email addresses included) are stored in Temporal in clear and shown in the Temporal UI. Set the same ${PAYLOAD_KEYS_VARIABLE} on every API and worker (docs/security.md)`;
