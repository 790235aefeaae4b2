/**
 * Test fixtures of the alert adapters: `test/fixtures/<adapter id>.json`, a real payload of the
 * source (from the sender's documentation or source) and what the adapter must make of it.
 *
 * `expected` is compared with `toEqual`, which ignores properties whose value is `undefined`; JSON
 * cannot hold those, so a fixture simply leaves such fields out.
 */
import { readFileSync } from 'node:fs';
import type { AdapterId } from '../../api/adapters/index';
import type { AdapterContext, SourceAlert } from '../../api/adapters/types';

export interface AdapterFixture {
  /** Where the payload comes from (the sender's documentation or source, and what was changed). */
  origin: string;
  /** The integration config the payload is parsed with. */
  context: AdapterContext;
  /** The request body as the sender posts it. */
  payload: unknown;
  /** What the adapter's `parse` must return for it. */
  expected: SourceAlert[];
}

/**
 * The fixture of one adapter, read afresh on every call (callers may change it). Throws, naming the
 * file, when the adapter has none or the file lacks a field: every adapter must ship one.
 */
export function adapterFixture(id: AdapterId, variant?: string): AdapterFixture {
  // A variant is another real payload of the same sender (`<id>-<variant>.json`): a recovery, an acknowledge.
  const name = variant ? `${id}-${variant}` : id;
  const url = new URL(`../fixtures/${name}.json`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (error) {
    throw new Error(`adapter "${id}" has no fixture: add test/fixtures/${name}.json with a real payload of the source (${(error as Error).message})`);
  }
  const fixture = JSON.parse(text) as Partial<AdapterFixture>;
  if (typeof fixture.origin !== 'string' || !fixture.origin.trim()) throw new Error(`test/fixtures/${name}.json: "origin" must say where the payload comes from`);
  if (!fixture.context || typeof fixture.context !== 'object') throw new Error(`test/fixtures/${name}.json: "context" must be an object`);
  if (!('payload' in fixture)) throw new Error(`test/fixtures/${name}.json: "payload" is missing`);
  if (!Array.isArray(fixture.expected)) throw new Error(`test/fixtures/${name}.json: "expected" must be an array of alerts`);
  return fixture as AdapterFixture;
}
