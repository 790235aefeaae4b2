/**
 * On-call schedules: who is on call at an instant. Pure arithmetic: no I/O, no clock (every
 * instant is a parameter); local times are converted with `Intl.DateTimeFormat`.
 *
 * A schedule has an IANA time zone, ordered layers and overrides. At an instant:
 *   1. the last-listed override covering it ([start, end)) wins over everything;
 *   2. otherwise the highest (last-listed) layer that has someone on call wins;
 *   3. otherwise nobody is on call.
 *
 * A layer rotates its `users` in order, one per turn, and only has someone on call while inside
 * one of its `restrictions` windows (always, when it has none).
 *
 * Turns (the rotation semantics):
 * - `daily`: turns begin every local day at `handoffMinutes` (so a turn is 23, 24 or 25 hours
 *   long around daylight-saving changes: the handoff stays at the same wall-clock time).
 * - `weekly`: turns begin every `handoffDay` at `handoffMinutes`, local time.
 * - `custom` with `handoffMinutes`: turns begin at that local time every `lengthSeconds / 86400`
 *   days (`lengthSeconds` must then be a positive whole number of days).
 * - `custom` without `handoffMinutes`: turns are exactly `lengthSeconds` of elapsed time each,
 *   the first beginning at `start` (not tied to the wall clock: they shift by an hour across DST).
 * - `start` is the rotation's epoch, not an activation time: turn 0, which belongs to `users[0]`,
 *   is the first turn that begins at or after `start` (for local-time rotations, the first handoff
 *   instant >= `start`; for elapsed custom ones, `start` itself). Turn k belongs to
 *   `users[k mod n]`, and the rotation extends both ways: the turn before turn 0 is turn -1 and
 *   belongs to the last user. So a layer without restrictions always has someone on call.
 *
 * Local time → instant (handoffs and restriction edges): a local time that does not exist
 * (spring-forward gap, e.g. 02:30 in America/New_York on the second Sunday of March) means the
 * first instant after the gap (03:00 local); one that occurs twice (fall-back) means its first
 * occurrence. A restriction window on day D is the interval [instant(D, from), instant(D', to))
 * with D' = D when `to` > `from`, else the next day (a window crossing midnight; `to` may be
 * 24:00 = midnight at the end of D).
 */

/** ISO order: Monday first. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A window when a layer is active: on each of `days`, from `fromMinutes` to `toMinutes` local time. */
export interface Restriction {
  days: readonly Weekday[];
  /** Minutes after local midnight, 0..1439. */
  fromMinutes: number;
  /** Minutes after local midnight, 1..1440 (1440 = the following midnight); at or before `fromMinutes`, the window ends the next day. */
  toMinutes: number;
}

interface LayerCommon {
  /** User ids in rotation order; a user may appear more than once. */
  users: readonly string[];
  /** The rotation's epoch: turn 0 (users[0]) is the first turn that begins at or after it. */
  start: Date;
  /** When absent or empty, the layer is always active. */
  restrictions?: readonly Restriction[];
}

export interface DailyLayer extends LayerCommon {
  type: 'daily';
  /** Handoff time, minutes after local midnight (0..1439). */
  handoffMinutes: number;
}

export interface WeeklyLayer extends LayerCommon {
  type: 'weekly';
  handoffDay: Weekday;
  handoffMinutes: number;
}

export interface CustomLayer extends LayerCommon {
  type: 'custom';
  /** Turn length; a whole number of days when `handoffMinutes` is given. */
  lengthSeconds: number;
  /** With it, turns hand off at this local time every `lengthSeconds / 86400` days. */
  handoffMinutes?: number;
}

export type Layer = DailyLayer | WeeklyLayer | CustomLayer;

/** `userId` covers [start, end), over every layer. */
export interface Override {
  userId: string;
  start: Date;
  end: Date;
}

export interface Schedule {
  /** IANA time zone that handoff times, handoff days and restrictions are read in. */
  timeZone: string;
  /** Lowest precedence first: a later layer with someone on call hides the earlier ones. */
  layers: readonly Layer[];
  /** Later-listed overrides win over earlier ones where they overlap. */
  overrides?: readonly Override[];
}

export interface OnCall {
  userId: string;
  /** Index of the layer the user is on call through, or 'override'. */
  layer: number | 'override';
}

/** One turn of a layer: `index` 0 is the first turn beginning at or after the layer's `start`. */
export interface Turn {
  index: number;
  userId: string;
  start: Date;
  end: Date;
}

/** A change of the on-call user: from `at`, `oncall` is on call (undefined: nobody). */
export interface Handoff {
  at: Date;
  oncall: OnCall | undefined;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;

const mod = (a: number, n: number) => ((a % n) + n) % n;

// ---------------------------------------------------------------------------------------------
// Local time <-> instant

/** A wall-clock reading in some time zone; `day` counts local calendar days since 1970-01-01. */
export interface LocalDateTime {
  year: number;
  month: number;
  dayOfMonth: number;
  hour: number;
  minute: number;
  second: number;
  /** Local calendar days since 1970-01-01 (for day arithmetic). */
  day: number;
  weekday: Weekday;
  /** Minutes after local midnight. */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock at `ms`, as milliseconds of a UTC date with the same reading (whole seconds). */
function wallClockMs(ms: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  wall.setUTCHours(fields.hour === 24 ? 0 : fields.hour, fields.minute, fields.second, 0);
  return wall.getTime();
}

/** UTC offset in milliseconds in effect at `ms` (local = UTC + offset). */
function offsetMs(ms: number, timeZone: string): number {
  return wallClockMs(ms, timeZone) - Math.floor(ms / SECOND_MS) * SECOND_MS;
}

/** The UTC offset in effect at `at`, in minutes (e.g. 60 for CET, -300 for EST). */
export function utcOffsetMinutes(at: Date, timeZone: string): number {
  return offsetMs(at.getTime(), timeZone) / MINUTE_MS;
}

const weekdayOfDay = (day: number): Weekday => WEEKDAYS[mod(day + 3, 7)]; // 1970-01-01 was a Thursday

/** What the wall clock reads at `at` in `timeZone`. */
export function localDateTime(at: Date, timeZone: string): LocalDateTime {
  const wall = new Date(wallClockMs(at.getTime(), timeZone));
  const day = Math.floor(wall.getTime() / DAY_MS);
  const hour = wall.getUTCHours();
  const minute = wall.getUTCMinutes();
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    dayOfMonth: wall.getUTCDate(),
    hour,
    minute,
    second: wall.getUTCSeconds(),
    day,
    weekday: weekdayOfDay(day),
    minuteOfDay: hour * 60 + minute,
  };
}

/** Local calendar day number (days since 1970-01-01) of a calendar date. */
export function dayNumber(year: number, month: number, dayOfMonth: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, dayOfMonth);
  return Math.floor(date.getTime() / DAY_MS);
}

/**
 * The instant the wall clock in `timeZone` reads `minuteOfDay` on local day `day` (minutes of
 * 1440 or more carry into later days). A reading skipped by a spring-forward gap maps to the first
 * instant after the gap; a reading that occurs twice maps to its first occurrence.
 * Assumes at most one offset change within a day of the reading (true of real time zones).
 */
export function instantAtLocal(timeZone: string, day: number, minuteOfDay: number): Date {
  const wall = day * DAY_MS + minuteOfDay * MINUTE_MS;
  const offsets = new Set([offsetMs(wall - DAY_MS, timeZone), offsetMs(wall + DAY_MS, timeZone)]);
  let best: number | undefined;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (offsetMs(candidate, timeZone) === offset && (best === undefined || candidate < best)) best = candidate;
  }
  if (best !== undefined) return new Date(best);
  // In a gap: the offset changes between wall - later offset and wall - earlier offset; find the
  // first whole second with the later offset (the transition), which is the first instant after it.
  const [earlier, later] = [offsetMs(wall - DAY_MS, timeZone), offsetMs(wall + DAY_MS, timeZone)];
  let lo = (wall - later) / SECOND_MS; // still the earlier offset
  let hi = (wall - earlier) / SECOND_MS; // already the later offset
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid * SECOND_MS, timeZone) === earlier) lo = mid;
    else hi = mid;
  }
  return new Date(hi * SECOND_MS);
}

/** `instantAtLocal` for a calendar date and "HH:MM"-style hour and minute. */
export function instantOfLocal(timeZone: string, local: { year: number; month: number; dayOfMonth: number; hour: number; minute: number }): Date {
  return instantAtLocal(timeZone, dayNumber(local.year, local.month, local.dayOfMonth), local.hour * 60 + local.minute);
}

// ---------------------------------------------------------------------------------------------
// Layers

/** A local-time rotation: turns begin at `handoffMinutes` on days `epochDay + k * periodDays`. */
interface LocalRotation {
  periodDays: number;
  handoffMinutes: number;
  epochDay: number;
}

function localRotation(layer: Layer, timeZone: string): LocalRotation | undefined {
  if (layer.type === 'custom' && layer.handoffMinutes === undefined) return undefined;
  const handoffMinutes = layer.handoffMinutes as number;
  let periodDays = 1;
  if (layer.type === 'weekly') periodDays = 7;
  if (layer.type === 'custom') {
    periodDays = layer.lengthSeconds / 86_400;
    if (!Number.isInteger(periodDays) || periodDays < 1) throw new RangeError(`a custom layer with a handoff time needs a length of whole days, got ${layer.lengthSeconds} s`);
  }
  // Turn 0 is the first handoff at or after `start` (on the handoff day, for weekly layers).
  const startDay = localDateTime(layer.start, timeZone).day;
  let epochDay = startDay;
  if (layer.type === 'weekly') epochDay += mod(WEEKDAYS.indexOf(layer.handoffDay) - WEEKDAYS.indexOf(weekdayOfDay(startDay)), 7);
  if (instantAtLocal(timeZone, epochDay, handoffMinutes).getTime() < layer.start.getTime()) epochDay += layer.type === 'weekly' ? 7 : 1;
  return { periodDays, handoffMinutes, epochDay };
}

function turnBounds(layer: Layer, timeZone: string, atMs: number): { index: number; start: number; end: number } {
  const rotation = localRotation(layer, timeZone);
  if (!rotation) {
    const length = (layer as CustomLayer).lengthSeconds * SECOND_MS;
    if (!(length > 0)) throw new RangeError(`a custom layer needs a positive length, got ${(layer as CustomLayer).lengthSeconds} s`);
    const index = Math.floor((atMs - layer.start.getTime()) / length);
    const start = layer.start.getTime() + index * length;
    return { index, start, end: start + length };
  }
  const { periodDays, handoffMinutes, epochDay } = rotation;
  const handoff = (index: number) => instantAtLocal(timeZone, epochDay + index * periodDays, handoffMinutes).getTime();
  let index = Math.floor((localDateTime(new Date(atMs), timeZone).day - epochDay) / periodDays);
  let start = handoff(index);
  while (start > atMs) start = handoff(--index);
  let end = handoff(index + 1);
  while (end <= atMs) {
    start = end;
    end = handoff(++index + 1);
  }
  return { index, start, end };
}

/** The turn of `layer` that contains `at` (ignoring restrictions). Throws for a layer with no users. */
export function turnAt(layer: Layer, timeZone: string, at: Date): Turn {
  if (layer.users.length === 0) throw new RangeError('a layer needs at least one user');
  const { index, start, end } = turnBounds(layer, timeZone, at.getTime());
  return { index, userId: layer.users[mod(index, layer.users.length)], start: new Date(start), end: new Date(end) };
}

/** The restriction windows that begin on local day `day`, as [start, end) instants. */
function windowsStartingOn(restrictions: readonly Restriction[], timeZone: string, day: number): Array<[number, number]> {
  const weekday = weekdayOfDay(day);
  const windows: Array<[number, number]> = [];
  for (const restriction of restrictions) {
    if (!restriction.days.includes(weekday)) continue;
    const endMinutes = restriction.toMinutes > restriction.fromMinutes ? restriction.toMinutes : restriction.toMinutes + MINUTES_PER_DAY;
    windows.push([instantAtLocal(timeZone, day, restriction.fromMinutes).getTime(), instantAtLocal(timeZone, day, endMinutes).getTime()]);
  }
  return windows;
}

/**
 * When the next window of `restrictions` opens: `at` itself when one is open, else the earliest
 * window start after it within the coming 8 days (undefined when none starts in that time).
 */
export function nextWindowStart(restrictions: readonly Restriction[], timeZone: string, at: Date): Date {
  const ms = at.getTime();
  const today = localDateTime(at, timeZone).day;
  let next: number | undefined;
  for (let day = today - 1; day <= today + 8; day++) {
    for (const [start, end] of windowsStartingOn(restrictions, timeZone, day)) {
      if (start <= ms && ms < end) return at;
      if (start > ms && (next === undefined || start < next)) next = start;
    }
  }
  return new Date(next ?? ms);
}

/** Whether `at` is inside one of the layer's restriction windows (always, without restrictions). */
export function layerActiveAt(layer: Layer, timeZone: string, at: Date): boolean {
  if (!layer.restrictions || layer.restrictions.length === 0) return true;
  const ms = at.getTime();
  const today = localDateTime(at, timeZone).day;
  // A window lasts at most a day (plus a DST hour), so only windows from yesterday or today reach `at`.
  return [today - 1, today].some((day) => windowsStartingOn(layer.restrictions as Restriction[], timeZone, day).some(([start, end]) => start <= ms && ms < end));
}

/** Who is on call in this layer at `at`: the turn's user inside the restrictions, else nobody. */
export function layerOnCallAt(layer: Layer, timeZone: string, at: Date): string | undefined {
  if (layer.users.length === 0 || !layerActiveAt(layer, timeZone, at)) return undefined;
  return turnAt(layer, timeZone, at).userId;
}

// ---------------------------------------------------------------------------------------------
// Schedules

/** Who is on call at `at`: the last covering override, else the highest layer with someone. */
export function onCallAt(schedule: Schedule, at: Date): OnCall | undefined {
  const ms = at.getTime();
  const overrides = schedule.overrides ?? [];
  for (let i = overrides.length - 1; i >= 0; i--) {
    const override = overrides[i];
    if (override.start.getTime() <= ms && ms < override.end.getTime()) return { userId: override.userId, layer: 'override' };
  }
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const userId = layerOnCallAt(schedule.layers[i], schedule.timeZone, at);
    if (userId !== undefined) return { userId, layer: i };
  }
  return undefined;
}

/** The first instant after `afterMs` where anything that decides who is on call may change. */
function nextBoundary(schedule: Schedule, afterMs: number): number | undefined {
  let next: number | undefined;
  const consider = (ms: number) => {
    if (ms > afterMs && (next === undefined || ms < next)) next = ms;
  };
  for (const override of schedule.overrides ?? []) {
    consider(override.start.getTime());
    consider(override.end.getTime());
  }
  for (const layer of schedule.layers) {
    if (layer.users.length === 0) continue;
    consider(turnBounds(layer, schedule.timeZone, afterMs).end);
    if (layer.restrictions && layer.restrictions.length > 0) {
      const today = localDateTime(new Date(afterMs), schedule.timeZone).day;
      // Every restriction names at least one weekday, so the next edge is within 8 days.
      for (let day = today - 1; day <= today + 7; day++) {
        for (const [start, end] of windowsStartingOn(layer.restrictions, schedule.timeZone, day)) {
          consider(start);
          consider(end);
        }
      }
    }
  }
  return next;
}

/** At most this many instants are examined per call, whatever the range. */
const MAX_STEPS = 10_000;

/**
 * The instants in (from, until] where the on-call user changes (including to or from nobody),
 * with who is on call from then; at most `limit` of them, in time order. Layer changes that keep
 * the same user are not handoffs. Bounded: examines at most 10 000 candidate instants.
 */
export function nextHandoffs(schedule: Schedule, from: Date, until: Date, limit = 50): Handoff[] {
  const handoffs: Handoff[] = [];
  let current = onCallAt(schedule, from)?.userId;
  let cursor = from.getTime();
  for (let step = 0; step < MAX_STEPS && handoffs.length < limit; step++) {
    const next = nextBoundary(schedule, cursor);
    if (next === undefined || next > until.getTime()) break;
    const oncall = onCallAt(schedule, new Date(next));
    if (oncall?.userId !== current) handoffs.push({ at: new Date(next), oncall });
    current = oncall?.userId;
    cursor = next;
  }
  return handoffs;
}
