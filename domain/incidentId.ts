import { fnv1a32, toCrockford } from './hash';

/**
 * Identity of one incident. A workflow id is reused by every incident of one (service, dedup
 * key), one run after another, so an incident is the pair (workflow id, first run id). The
 * public id packs both, so the API finds an incident without a lookup; the short code is what a
 * human types in an SMS reply.
 */
export interface IncidentRef {
  workflowId: string;
  runId: string;
}

// Hand-written because the workflow sandbox has neither btoa nor TextEncoder.
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return bytes;
}

export function toBase64Url(text: string): string {
  const bytes = utf8Bytes(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += BASE64URL[(chunk >> (18 - 6 * j)) & 63];
  }
  return out;
}

export function fromBase64Url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    buffer = (buffer << 6) | BASE64URL.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  try {
    return decodeURIComponent(bytes.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
  } catch {
    return undefined; // not UTF-8
  }
}

const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The public incident id: URL-safe, no lookup needed to find the workflow run. */
export function encodeIncidentId(ref: IncidentRef): string {
  return `${toBase64Url(ref.workflowId)}.${ref.runId}`;
}

/** @returns `undefined` when `id` is not an id this system made. */
export function decodeIncidentId(id: string): IncidentRef | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const workflowId = fromBase64Url(id.slice(0, dot));
  const runId = id.slice(dot + 1);
  if (!workflowId || !workflowId.startsWith('incident/') || !RUN_ID_PATTERN.test(runId)) return undefined;
  return { workflowId, runId };
}

/** Six characters, easy to type on a phone (`ACK 7KQ2MX`); unique enough among open incidents. */
export function incidentCode(ref: IncidentRef): string {
  return toCrockford(fnv1a32(`${ref.workflowId}#${ref.runId}`) % 32 ** 6, 6);
}

export const INCIDENT_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{6}$/;
