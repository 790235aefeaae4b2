/**
 * 32-bit FNV-1a. Deterministic and dependency-free, so workflow code can use it; it is for
 * short, human-facing codes and fingerprints, not for security.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

// Crockford base32: no I, L, O or U, so codes read aloud or typed on a phone are unambiguous.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Base32 (Crockford) digits of a non-negative integer, left-padded to `width`. */
export function toCrockford(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** A 64-bit fingerprint as 14 Crockford digits: two independent FNV-1a hashes, for keys made from text. */
export function fingerprint64(text: string): string {
  return `${toCrockford(fnv1a32(text), 7)}${toCrockford(fnv1a32(`vigil:${text}`), 7)}`;
}
