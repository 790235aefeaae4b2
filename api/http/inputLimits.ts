/**
 * Bounds on free-form input, in one place (documented in `docs/security.md`). A body over any of
 * them is a 400 naming the field, before anything deeper (the schema, the key lanes, the spool,
 * Temporal's payload converter) has to walk it: a few kilobytes of `[[[[...` must never reach a
 * recursive `JSON.stringify`.
 */
import { z } from 'zod';
import type { ErrorDetail } from './httpErrors';

export const INPUT_LIMITS = {
  /** Most bytes of one JSON request body. */
  jsonBodyBytes: 256 * 1024,
  /** Most levels of arrays and objects in one JSON request body (the body itself is level 1). */
  jsonBodyDepth: 32,
  /** Most levels of arrays and objects in an alert's `details` (the `details` object is level 1). */
  detailsDepth: 8,
  /** Most bytes of an alert's `details` as JSON. */
  detailsBytes: 64 * 1024,
  /** Labels: how many, and how long a name and a value may be. */
  labelCount: 64,
  labelNameLength: 128,
  labelValueLength: 1024,
} as const;

/** How deep `value` nests (a scalar is 0, `{}` and `[]` are 1), walking without recursion; stops once past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const inner of Object.values(current)) if (inner !== null && typeof inner === 'object') stack.push({ value: inner, depth: level });
  }
  return deepest;
}

/**
 * The first top-level field of a parsed JSON body that nests deeper than the limit, as an error
 * detail (`body.details`), or undefined when the body is within it.
 */
export function tooDeepField(body: unknown, limit: number = INPUT_LIMITS.jsonBodyDepth): ErrorDetail | undefined {
  if (nestingDepth(body, limit) <= limit) return undefined;
  const message = `nested too deep: at most ${limit} levels of arrays and objects`;
  if (body === null || typeof body !== 'object') return { field: 'body', message };
  for (const [key, inner] of Object.entries(body)) {
    if (nestingDepth(inner, limit - 1) > limit - 1) return { field: `body.${key}`, message };
  }
  return { field: 'body', message };
}

const withinDetailsDepth = (value: unknown) => nestingDepth(value, INPUT_LIMITS.detailsDepth) <= INPUT_LIMITS.detailsDepth;
const withinDetailsBytes = (value: unknown) => value === undefined || Buffer.byteLength(JSON.stringify(value)) <= INPUT_LIMITS.detailsBytes;
const TOO_DEEP = `too deep: at most ${INPUT_LIMITS.detailsDepth} levels of arrays and objects`;
const TOO_LARGE = `too large: at most ${INPUT_LIMITS.detailsBytes} bytes as JSON`;

/** Free-form JSON a sender adds to an alert (`details`, PagerDuty's `custom_details`): bounded in depth and size. */
export const freeFormJson = z
  .unknown()
  .refine(withinDetailsDepth, { message: TOO_DEEP, abort: true })
  .refine(withinDetailsBytes, { message: TOO_LARGE });

/** An alert's `details`: a free-form JSON object, bounded like `freeFormJson`. */
export const detailsSchema = z
  .record(z.string(), z.unknown())
  .refine(withinDetailsDepth, { message: TOO_DEEP, abort: true })
  .refine(withinDetailsBytes, { message: TOO_LARGE });

/** Alert labels: a flat map of bounded strings. */
export const labelsSchema = z
  .record(z.string().min(1).max(INPUT_LIMITS.labelNameLength), z.string().max(INPUT_LIMITS.labelValueLength))
  .refine((labels) => Object.keys(labels).length <= INPUT_LIMITS.labelCount, { message: `at most ${INPUT_LIMITS.labelCount} labels` });
