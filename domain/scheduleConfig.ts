/**
 * On-call schedules as written in `vigil.config.ts` under `schedules: { <id>: {...} }`, and their
 * conversion to the form `domain/schedule.ts` computes with. Times of day are "HH:MM" in the
 * schedule's time zone; instants are ISO-8601 with an offset; lengths are durations like "12h".
 *
 * ```ts
 * schedules: {
 *   primary: {
 *     timeZone: 'Europe/Berlin',
 *     layers: [
 *       // lowest precedence first
 *       { type: 'weekly', users: ['alice', 'bob'], handoffDay: 'monday', handoff: '09:00', start: '2026-01-05T09:00:00+01:00' },
 *       { type: 'daily', users: ['carol', 'dave'], handoff: '09:00', start: '2026-01-05T09:00:00+01:00',
 *         restrictions: [{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], from: '09:00', to: '17:00' }] },
 *     ],
 *     overrides: [{ user: 'erin', start: '2026-02-14T18:00:00+01:00', end: '2026-02-15T09:00:00+01:00' }],
 *   },
 * }
 * ```
 * Also `{ type: 'custom', length: '12h', start }` (elapsed-time turns from `start`) and
 * `{ type: 'custom', length: '3d', handoff: '09:00', start }` (every 3 local days at 09:00).
 */
import { z } from 'zod';
import { parseDurationSeconds } from './duration';
import { WEEKDAYS, type Layer, type Restriction, type Schedule } from './schedule';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of "HH:MM" (00:00..23:59; "24:00" = 1440 only when `allowMidnightEnd`). */
export function parseLocalTime(text: string, allowMidnightEnd = false): number | undefined {
  if (allowMidnightEnd && text === '24:00') return 1440;
  const match = LOCAL_TIME.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

const localTime = z.string().regex(LOCAL_TIME, 'a local time "HH:MM" from 00:00 to 23:59, such as "09:00"');
const windowEnd = z.string().refine((text) => parseLocalTime(text, true) !== undefined, 'a local time "HH:MM" from 00:01 to 24:00, such as "17:00"');

/** Whether `timeZone` is an IANA zone name this runtime knows ("Europe/Berlin", "UTC"), not an offset. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isValidTimeZone, 'an IANA time zone such as "Europe/Berlin" or "America/New_York"');

const instant = z.iso
  .datetime({ offset: true, abort: true, error: 'an ISO-8601 time with offset, such as "2026-01-05T09:00:00+01:00"' })
  .refine((text) => {
    const year = new Date(text).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  }, 'a time between the years 2000 and 2100');

const duration = z.string().refine((text) => (parseDurationSeconds(text) ?? 0) > 0, {
  message: 'a positive duration such as "30m", "12h" or "2d"',
});

export const restrictionSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    from: localTime,
    /** At or before `from`, the window ends the next day; "24:00" is the end of the day. */
    to: windowEnd,
  })
  .strict()
  .refine((window) => parseLocalTime(window.from) !== parseLocalTime(window.to, true), {
    message: 'must differ from "from" (use "00:00" to "24:00" for a whole day)',
    path: ['to'],
  });

const layerCommon = {
  /** User ids (contacts) in rotation order. */
  users: z.array(id).min(1),
  /** The rotation's epoch: the first turn beginning at or after it belongs to users[0]. */
  start: instant,
  /** Windows when the layer is active; always, when absent. */
  restrictions: z.array(restrictionSchema).min(1).optional(),
};

const dailyLayerSchema = z.object({ type: z.literal('daily'), handoff: localTime, ...layerCommon }).strict();

const weeklyLayerSchema = z.object({ type: z.literal('weekly'), handoffDay: z.enum(WEEKDAYS), handoff: localTime, ...layerCommon }).strict();

const customLayerSchema = z
  .object({
    type: z.literal('custom'),
    /** Turn length, e.g. "12h" or "3d". */
    length: duration,
    /** With it, turns hand off at this local time and `length` must be whole days. */
    handoff: localTime.optional(),
    ...layerCommon,
  })
  .strict()
  .refine((layer) => layer.handoff === undefined || (parseDurationSeconds(layer.length) ?? 0) % 86_400 === 0, {
    message: 'with a handoff time, a whole number of days such as "2d"',
    path: ['length'],
  });

const layerSchema = z.discriminatedUnion('type', [dailyLayerSchema, weeklyLayerSchema, customLayerSchema]);

const overrideSchema = z
  .object({
    user: id,
    start: instant,
    end: instant,
  })
  .strict()
  .refine((override) => Date.parse(override.end) > Date.parse(override.start), { message: 'must be after start', path: ['end'] });

/** One schedule in `vigil.config.ts` (`schedules: z.record(id, scheduleSchema)`). */
export const scheduleSchema = z
  .object({
    timeZone,
    /** Lowest precedence first: a later layer with someone on call hides the earlier ones. */
    layers: z.array(layerSchema).min(1),
    /** Win over every layer; a later override wins over an earlier one. */
    overrides: z.array(overrideSchema).default([]),
  })
  .strict();

export type ScheduleConfigInput = z.input<typeof scheduleSchema>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;

/**
 * Every user id a schedule names, with its path inside the schedule (e.g. `['layers', 0, 'users', 1]`
 * or `['overrides', 2, 'user']`), for checking them against contacts.
 */
export function scheduleUserReferences(schedule: ScheduleConfig): Array<{ userId: string; path: Array<string | number> }> {
  const references: Array<{ userId: string; path: Array<string | number> }> = [];
  schedule.layers.forEach((layer, layerIndex) => {
    layer.users.forEach((userId, userIndex) => references.push({ userId, path: ['layers', layerIndex, 'users', userIndex] }));
  });
  schedule.overrides.forEach((override, overrideIndex) => references.push({ userId: override.user, path: ['overrides', overrideIndex, 'user'] }));
  return references;
}

export function restrictionFromConfig(window: z.output<typeof restrictionSchema>): Restriction {
  return { days: window.days, fromMinutes: parseLocalTime(window.from) as number, toMinutes: parseLocalTime(window.to, true) as number };
}

function layerFromConfig(layer: z.output<typeof layerSchema>): Layer {
  const common = {
    users: layer.users,
    start: new Date(layer.start),
    ...(layer.restrictions ? { restrictions: layer.restrictions.map(restrictionFromConfig) } : {}),
  };
  switch (layer.type) {
    case 'daily':
      return { type: 'daily', handoffMinutes: parseLocalTime(layer.handoff) as number, ...common };
    case 'weekly':
      return { type: 'weekly', handoffDay: layer.handoffDay, handoffMinutes: parseLocalTime(layer.handoff) as number, ...common };
    case 'custom':
      return {
        type: 'custom',
        lengthSeconds: parseDurationSeconds(layer.length) as number,
        ...(layer.handoff !== undefined ? { handoffMinutes: parseLocalTime(layer.handoff) as number } : {}),
        ...common,
      };
  }
}

/** A validated schedule from config in the form `domain/schedule.ts` computes with. */
export function scheduleFromConfig(parsed: ScheduleConfig): Schedule {
  return {
    timeZone: parsed.timeZone,
    layers: parsed.layers.map(layerFromConfig),
    overrides: parsed.overrides.map((override) => ({ userId: override.user, start: new Date(override.start), end: new Date(override.end) })),
  };
}
