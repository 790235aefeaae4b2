import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  instantAtLocal,
  instantOfLocal,
  layerOnCallAt,
  localDateTime,
  nextHandoffs,
  onCallAt,
  turnAt,
  WEEKDAYS,
  type Layer,
  type Override,
  type Restriction,
  type Schedule,
  type Weekday,
} from '../../domain/schedule';
import { scheduleFromConfig, scheduleSchema, scheduleUserReferences } from '../../domain/scheduleConfig';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const ZONES = [BERLIN, NEW_YORK] as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (text: string) => new Date(text);
const iso = (date: Date) => date.toISOString();
const hm = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
const WORKDAYS: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

// ---------------------------------------------------------------------------------------------
// An independent reading of the wall clock for oracles (Intl directly, not domain/schedule.ts).

const oracleFormatters = new Map<string, Intl.DateTimeFormat>();
function wall(at: number, timeZone: string) {
  let formatter = oracleFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' });
    oracleFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  const offset = /GMT([+-])(\d\d):(\d\d)/.exec(parts.timeZoneName);
  return {
    weekday: parts.weekday.toLowerCase() as Weekday,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    offsetMinutes: offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0,
  };
}
const previousWeekday = (day: Weekday) => WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7];

/** Whether the wall clock at `at` reads inside a window (windows at or before `from` cross midnight). */
function wallClockInside(restrictions: readonly Restriction[], timeZone: string, at: number): boolean {
  const { weekday, minuteOfDay } = wall(at, timeZone);
  return restrictions.some(({ days, fromMinutes, toMinutes }) => {
    if (toMinutes > fromMinutes) return days.includes(weekday) && fromMinutes <= minuteOfDay && minuteOfDay < toMinutes;
    return (days.includes(weekday) && minuteOfDay >= fromMinutes) || (days.includes(previousWeekday(weekday)) && minuteOfDay < toMinutes);
  });
}

/** The second occurrence of a repeated wall-clock hour (fall-back): one hour earlier had a larger offset. */
const isRepeatedReading = (at: number, timeZone: string) => wall(at - HOUR, timeZone).offsetMinutes > wall(at, timeZone).offsetMinutes;

/** DST changes from the rules of both zones, computed with plain UTC arithmetic. */
function nthSunday(year: number, month: number, n: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((7 - first) % 7) + 7 * (n - 1);
}
function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month, 0));
  return last.getUTCDate() - last.getUTCDay();
}
function transitions(year: number): number[] {
  return [
    Date.UTC(year, 2, lastSunday(year, 3), 1), // Berlin spring forward, 01:00 UTC
    Date.UTC(year, 9, lastSunday(year, 10), 1), // Berlin fall back
    Date.UTC(year, 2, nthSunday(year, 3, 2), 7), // New York spring forward, 02:00 EST
    Date.UTC(year, 10, nthSunday(year, 11, 1), 6), // New York fall back, 02:00 EDT
  ];
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const YEAR_2020 = Date.UTC(2020, 0, 1);
const YEAR_2031 = Date.UTC(2031, 0, 1);
const zoneArb = fc.constantFrom(...ZONES);
/** Instants across 2020-2030, many of them within days of a DST change, some on whole minutes. */
const instantArb = fc.oneof(
  fc.integer({ min: YEAR_2020, max: YEAR_2031 }),
  fc
    .record({ year: fc.integer({ min: 2020, max: 2030 }), which: fc.integer({ min: 0, max: 3 }), delta: fc.integer({ min: -3 * DAY, max: 3 * DAY }) })
    .map(({ year, which, delta }) => transitions(year)[which] + delta),
  fc
    .record({ year: fc.integer({ min: 2020, max: 2030 }), which: fc.integer({ min: 0, max: 3 }), minutes: fc.integer({ min: -3 * 1440, max: 3 * 1440 }) })
    .map(({ year, which, minutes }) => transitions(year)[which] + minutes * 60_000),
);
/** Handoff times, often inside or at the edges of the DST hours. */
const minuteOfDayArb = fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.constantFrom(0, 59, 60, 90, 119, 120, 150, 179, 180, 181, 540, 1439));
const usersArb = fc.uniqueArray(fc.constantFrom('alice', 'bob', 'carol', 'dave', 'erin', 'frank'), { minLength: 1, maxLength: 5 });
/** Rotation epochs, often on a whole hour (so often exactly on a handoff). */
const startArb = fc
  .oneof(
    fc.integer({ min: Date.UTC(2021, 0, 1), max: Date.UTC(2029, 0, 1) }),
    fc.integer({ min: Date.UTC(2021, 0, 1) / HOUR, max: Date.UTC(2029, 0, 1) / HOUR }).map((hours) => hours * HOUR),
  )
  .map((ms) => new Date(ms));
const weekdayArb = fc.constantFrom(...WEEKDAYS);

const unrestrictedLayerArb: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({ type: fc.constant('daily' as const), users: usersArb, handoffMinutes: minuteOfDayArb, start: startArb }),
  fc.record({ type: fc.constant('weekly' as const), users: usersArb, handoffDay: weekdayArb, handoffMinutes: minuteOfDayArb, start: startArb }),
  fc.record({ type: fc.constant('custom' as const), users: usersArb, lengthSeconds: fc.integer({ min: 600, max: 10 * 86_400 }), start: startArb }),
  fc.record({
    type: fc.constant('custom' as const),
    users: usersArb,
    lengthSeconds: fc.integer({ min: 1, max: 10 }).map((days) => days * 86_400),
    handoffMinutes: minuteOfDayArb,
    start: startArb,
  }),
);
const restrictionArb: fc.Arbitrary<Restriction> = fc.record({
  days: fc.uniqueArray(weekdayArb, { minLength: 1, maxLength: 7 }),
  fromMinutes: minuteOfDayArb,
  toMinutes: fc.oneof(minuteOfDayArb.map((minutes) => minutes + 1), fc.constant(1440), minuteOfDayArb),
});
const layerArb: fc.Arbitrary<Layer> = fc
  .tuple(unrestrictedLayerArb, fc.option(fc.array(restrictionArb, { minLength: 1, maxLength: 2 }), { nil: undefined }))
  .map(([layer, restrictions]) => (restrictions ? { ...layer, restrictions } : layer));
const overrideArb = (around: fc.Arbitrary<number>): fc.Arbitrary<Override> =>
  fc
    .record({ userId: fc.constantFrom('olga', 'oscar', 'alice'), start: around, minutes: fc.integer({ min: 1, max: 3 * 1440 }) })
    .map(({ userId, start, minutes }) => {
      const startMs = Math.floor(start / 60_000) * 60_000;
      return { userId, start: new Date(startMs), end: new Date(startMs + minutes * 60_000) };
    });
const scheduleArb = (overrides: fc.Arbitrary<Override[]> = fc.constant([])): fc.Arbitrary<Schedule> =>
  fc.record({ timeZone: zoneArb, layers: fc.array(layerArb, { minLength: 1, maxLength: 3 }), overrides });

const isLocalRotation = (layer: Layer) => layer.type !== 'custom' || layer.handoffMinutes !== undefined;

// ---------------------------------------------------------------------------------------------

describe('local time <-> instant', () => {
  it('converts ordinary, skipped and repeated local times to exact instants', () => {
    const at = (timeZone: string, year: number, month: number, dayOfMonth: number, time: string) =>
      iso(instantOfLocal(timeZone, { year, month, dayOfMonth, hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)) }));
    expect(at(BERLIN, 2026, 1, 15, '09:00')).toBe('2026-01-15T08:00:00.000Z');
    expect(at(BERLIN, 2026, 7, 15, '09:00')).toBe('2026-07-15T07:00:00.000Z');
    // Spring forward: 02:00-02:59 does not exist; it maps to 03:00 local, the first instant after the gap.
    expect(at(BERLIN, 2026, 3, 29, '02:00')).toBe('2026-03-29T01:00:00.000Z');
    expect(at(BERLIN, 2026, 3, 29, '02:30')).toBe('2026-03-29T01:00:00.000Z');
    expect(at(BERLIN, 2026, 3, 29, '03:00')).toBe('2026-03-29T01:00:00.000Z');
    expect(at(NEW_YORK, 2026, 3, 8, '02:30')).toBe('2026-03-08T07:00:00.000Z');
    expect(at(NEW_YORK, 2026, 3, 8, '01:59')).toBe('2026-03-08T06:59:00.000Z');
    // Fall back: 02:00-02:59 (Berlin) / 01:00-01:59 (New York) occur twice; the first occurrence counts.
    expect(at(BERLIN, 2026, 10, 25, '02:30')).toBe('2026-10-25T00:30:00.000Z');
    expect(at(BERLIN, 2026, 10, 25, '03:00')).toBe('2026-10-25T02:00:00.000Z');
    expect(at(NEW_YORK, 2026, 11, 1, '01:30')).toBe('2026-11-01T05:30:00.000Z');
    expect(at(NEW_YORK, 2026, 11, 1, '02:00')).toBe('2026-11-01T07:00:00.000Z');
  });

  it('reads the wall clock, weekday included', () => {
    expect(localDateTime(utc('2026-11-01T05:30:00Z'), NEW_YORK)).toMatchObject({ year: 2026, month: 11, dayOfMonth: 1, hour: 1, minute: 30, weekday: 'sunday' });
    expect(localDateTime(utc('2026-11-01T06:30:00Z'), NEW_YORK)).toMatchObject({ hour: 1, minute: 30, weekday: 'sunday' });
    expect(localDateTime(utc('2026-03-01T23:30:00Z'), BERLIN)).toMatchObject({ month: 3, dayOfMonth: 2, hour: 0, minute: 30, weekday: 'monday' });
  });

  it('round-trips: a local time maps to its first occurrence, or to the end of the gap it falls in', () => {
    fc.assert(
      fc.property(zoneArb, fc.integer({ min: 10_957, max: 47_482 }), minuteOfDayArb, (timeZone, day, minuteOfDay) => {
        const instant = instantAtLocal(timeZone, day, minuteOfDay).getTime();
        const reading = localDateTime(new Date(instant), timeZone);
        if (reading.day === day && reading.minuteOfDay === minuteOfDay) {
          const hourBefore = localDateTime(new Date(instant - HOUR), timeZone);
          expect(hourBefore.day === day && hourBefore.minuteOfDay === minuteOfDay).toBe(false);
        } else {
          // Skipped: the instant is an offset change, the clock jumping from before to after the reading.
          const before = localDateTime(new Date(instant - 1000), timeZone);
          expect(wall(instant - 1000, timeZone).offsetMinutes).toBeLessThan(wall(instant, timeZone).offsetMinutes);
          expect(before.day * 1440 + before.minuteOfDay).toBeLessThan(day * 1440 + minuteOfDay);
          expect(reading.day * 1440 + reading.minuteOfDay).toBeGreaterThan(day * 1440 + minuteOfDay);
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(zoneArb, instantArb, (timeZone, ms) => {
        const reading = localDateTime(new Date(ms), timeZone);
        const minute = Math.floor(ms / 60_000) * 60_000;
        const expected = isRepeatedReading(ms, timeZone) ? minute - HOUR : minute;
        expect(instantAtLocal(timeZone, reading.day, reading.minuteOfDay).getTime()).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('rotations by example', () => {
  const berlinDaily: Layer = { type: 'daily', users: ['alice', 'bob', 'carol'], handoffMinutes: hm('09:00'), start: utc('2026-03-02T08:00:00Z') };

  it('rotates three users daily at 09:00 Berlin time, users[0] from the first handoff at or after start', () => {
    const who = (text: string) => layerOnCallAt(berlinDaily, BERLIN, utc(text));
    expect(who('2026-03-02T08:00:00Z')).toBe('alice');
    expect(who('2026-03-03T07:59:59.999Z')).toBe('alice');
    expect(who('2026-03-03T08:00:00Z')).toBe('bob');
    expect(who('2026-03-04T12:00:00Z')).toBe('carol');
    expect(who('2026-03-05T08:00:00Z')).toBe('alice');
    // Before the epoch the rotation runs backwards: the turn before alice's is carol's.
    expect(who('2026-03-02T07:59:59Z')).toBe('carol');
    expect(turnAt(berlinDaily, BERLIN, utc('2026-03-02T07:59:59Z')).index).toBe(-1);
    // A start between handoffs: turn 0 is the next handoff's.
    const midDay = { ...berlinDaily, start: utc('2026-03-02T08:00:01Z') };
    expect(turnAt(midDay, BERLIN, utc('2026-03-03T08:00:00Z'))).toMatchObject({ index: 0, userId: 'alice' });
    expect(turnAt(midDay, BERLIN, utc('2026-03-02T12:00:00Z'))).toMatchObject({ index: -1, userId: 'carol' });
  });

  it('keeps a daily 09:00 handoff at 09:00 local across DST in Berlin (23- and 25-hour turns)', () => {
    const spring = turnAt(berlinDaily, BERLIN, utc('2026-03-28T12:00:00Z'));
    expect([iso(spring.start), iso(spring.end)]).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
    const fall = turnAt(berlinDaily, BERLIN, utc('2026-10-24T12:00:00Z'));
    expect([iso(fall.start), iso(fall.end)]).toEqual(['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z']);
    expect(fall.index - spring.index).toBe(210);
  });

  it('keeps a daily 09:00 handoff at 09:00 local across DST in New York', () => {
    const layer: Layer = { ...berlinDaily, start: utc('2026-01-01T00:00:00Z') };
    const spring = turnAt(layer, NEW_YORK, utc('2026-03-07T20:00:00Z'));
    expect([iso(spring.start), iso(spring.end)]).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    const fall = turnAt(layer, NEW_YORK, utc('2026-10-31T20:00:00Z'));
    expect([iso(fall.start), iso(fall.end)]).toEqual(['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z']);
  });

  it('hands off at a skipped local time at the end of the gap, and at a repeated one at its first occurrence', () => {
    const at0230 = (timeZone: string, start: string, time: string) => {
      const layer: Layer = { type: 'daily', users: ['alice', 'bob'], handoffMinutes: hm('02:30'), start: utc(start) };
      const turn = turnAt(layer, timeZone, utc(time));
      return [iso(turn.start), iso(turn.end)];
    };
    // Berlin spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): 02:30 happens at 03:00 CEST.
    expect(at0230(BERLIN, '2026-01-01T00:00:00Z', '2026-03-29T00:00:00Z')).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z']);
    expect(at0230(BERLIN, '2026-01-01T00:00:00Z', '2026-03-29T12:00:00Z')).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    // Berlin fall back (2026-10-25, 03:00 CEST -> 02:00 CET): 02:30 CEST, the first one.
    expect(at0230(BERLIN, '2026-01-01T00:00:00Z', '2026-10-25T01:45:00Z')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // New York spring forward (2026-03-08, 02:00 EST -> 03:00 EDT): 02:30 happens at 03:00 EDT.
    expect(at0230(NEW_YORK, '2026-01-01T00:00:00Z', '2026-03-08T12:00:00Z')).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    // New York fall back (2026-11-01, 02:00 EDT -> 01:00 EST): a 01:30 handoff at 01:30 EDT.
    const layer: Layer = { type: 'daily', users: ['alice', 'bob'], handoffMinutes: hm('01:30'), start: utc('2026-01-01T00:00:00Z') };
    const fall = turnAt(layer, NEW_YORK, utc('2026-11-01T06:45:00Z')); // 01:45 EST, the second 01:45
    expect([iso(fall.start), iso(fall.end)]).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('rotates weekly on Monday 09:00 New York time, across both DST changes', () => {
    const layer: Layer = { type: 'weekly', users: ['ann', 'ben'], handoffDay: 'monday', handoffMinutes: hm('09:00'), start: utc('2026-02-25T00:00:00Z') };
    const who = (text: string) => layerOnCallAt(layer, NEW_YORK, utc(text));
    expect(who('2026-02-28T12:00:00Z')).toBe('ben'); // before the first Monday handoff: turn -1
    expect(who('2026-03-02T13:59:59Z')).toBe('ben');
    expect(who('2026-03-02T14:00:00Z')).toBe('ann'); // Monday 2 March 09:00 EST
    expect(who('2026-03-09T12:59:59Z')).toBe('ann');
    expect(who('2026-03-09T13:00:00Z')).toBe('ben'); // Monday 9 March 09:00 EDT: a 167-hour turn
    const fall = turnAt(layer, NEW_YORK, utc('2026-10-30T12:00:00Z'));
    expect([iso(fall.start), iso(fall.end)]).toEqual(['2026-10-26T13:00:00.000Z', '2026-11-02T14:00:00.000Z']); // 169 hours
    expect(fall.userId).toBe(fall.index % 2 === 0 ? 'ann' : 'ben');
  });

  it('runs custom rotations in elapsed time, or in whole local days at a handoff time', () => {
    const shifts: Layer = { type: 'custom', users: ['a', 'b'], lengthSeconds: 12 * 3600, start: utc('2026-03-07T21:00:00Z') };
    expect(turnAt(shifts, NEW_YORK, utc('2026-03-08T10:00:00Z'))).toMatchObject({ index: 1, userId: 'b', start: utc('2026-03-08T09:00:00Z'), end: utc('2026-03-08T21:00:00Z') });
    const threeDays: Layer = { type: 'custom', users: ['a', 'b'], lengthSeconds: 3 * 86_400, handoffMinutes: hm('09:00'), start: utc('2026-03-27T00:00:00Z') };
    const turn = turnAt(threeDays, BERLIN, utc('2026-03-29T12:00:00Z'));
    expect(turn).toMatchObject({ index: 0, userId: 'a', start: utc('2026-03-27T08:00:00Z'), end: utc('2026-03-30T07:00:00Z') });
  });
});

describe('schedules by example', () => {
  const business: Restriction = { days: WORKDAYS, fromMinutes: hm('09:00'), toMinutes: hm('17:00') };
  const schedule: Schedule = {
    timeZone: BERLIN,
    layers: [
      { type: 'daily', users: ['nina', 'nico'], handoffMinutes: hm('09:00'), start: utc('2026-03-02T08:00:00Z') },
      { type: 'weekly', users: ['dora'], handoffDay: 'monday', handoffMinutes: hm('09:00'), start: utc('2026-03-02T08:00:00Z'), restrictions: [business] },
    ],
    overrides: [
      { userId: 'olga', start: utc('2026-03-04T10:00:00Z'), end: utc('2026-03-04T12:00:00Z') },
      { userId: 'oscar', start: utc('2026-03-04T11:00:00Z'), end: utc('2026-03-04T11:30:00Z') },
    ],
  };

  it('gives business hours to the restricted layer and the rest to the one below', () => {
    expect(onCallAt(schedule, utc('2026-03-03T10:00:00Z'))).toEqual({ userId: 'dora', layer: 1 }); // Tuesday 11:00 CET
    expect(onCallAt(schedule, utc('2026-03-03T15:59:59Z'))).toEqual({ userId: 'dora', layer: 1 });
    expect(onCallAt(schedule, utc('2026-03-03T16:00:00Z'))).toEqual({ userId: 'nico', layer: 0 }); // 17:00 CET
    expect(onCallAt(schedule, utc('2026-03-07T10:00:00Z'))).toEqual({ userId: 'nico', layer: 0 }); // Saturday
    expect(onCallAt(schedule, utc('2026-07-01T07:00:00Z'))).toMatchObject({ userId: 'dora' }); // 09:00 CEST
    expect(onCallAt(schedule, utc('2026-07-01T06:59:59Z'))).toMatchObject({ layer: 0 });
    expect(layerOnCallAt(schedule.layers[1], BERLIN, utc('2026-03-07T10:00:00Z'))).toBeUndefined();
    expect(onCallAt({ timeZone: BERLIN, layers: [schedule.layers[1]] }, utc('2026-03-07T10:00:00Z'))).toBeUndefined();
  });

  it('lets overrides win over every layer, the later-listed one where they overlap', () => {
    expect(onCallAt(schedule, utc('2026-03-04T10:00:00Z'))).toEqual({ userId: 'olga', layer: 'override' });
    expect(onCallAt(schedule, utc('2026-03-04T11:15:00Z'))).toEqual({ userId: 'oscar', layer: 'override' });
    expect(onCallAt(schedule, utc('2026-03-04T11:30:00Z'))).toEqual({ userId: 'olga', layer: 'override' });
    expect(onCallAt(schedule, utc('2026-03-04T12:00:00Z'))).toEqual({ userId: 'dora', layer: 1 });
  });

  it('lists the handoffs in a range, with who takes over', () => {
    const handoffs = nextHandoffs(schedule, utc('2026-03-04T00:00:00Z'), utc('2026-03-05T12:00:00Z'));
    expect(handoffs.map((handoff) => [iso(handoff.at), handoff.oncall?.userId])).toEqual([
      ['2026-03-04T08:00:00.000Z', 'dora'],
      ['2026-03-04T10:00:00.000Z', 'olga'],
      ['2026-03-04T11:00:00.000Z', 'oscar'],
      ['2026-03-04T11:30:00.000Z', 'olga'],
      ['2026-03-04T12:00:00.000Z', 'dora'],
      ['2026-03-04T16:00:00.000Z', 'nina'],
      ['2026-03-05T08:00:00.000Z', 'dora'],
    ]);
    expect(nextHandoffs(schedule, utc('2026-03-04T00:00:00Z'), utc('2026-03-05T12:00:00Z'), 2)).toHaveLength(2);
    // Turning to nobody is a handoff too; a range with no change has none.
    const restrictedOnly: Schedule = { timeZone: BERLIN, layers: [schedule.layers[1]] };
    expect(nextHandoffs(restrictedOnly, utc('2026-03-06T12:00:00Z'), utc('2026-03-09T12:00:00Z')).map((handoff) => [iso(handoff.at), handoff.oncall])).toEqual([
      ['2026-03-06T16:00:00.000Z', undefined],
      ['2026-03-09T08:00:00.000Z', { userId: 'dora', layer: 0 }],
    ]);
    expect(nextHandoffs(restrictedOnly, utc('2026-03-07T00:00:00Z'), utc('2026-03-08T00:00:00Z'))).toEqual([]);
  });

  it('stays bounded over a long range with short turns', () => {
    const fast: Schedule = { timeZone: BERLIN, layers: [{ type: 'custom', users: ['a', 'b'], lengthSeconds: 60, start: utc('2026-01-01T00:00:00Z') }] };
    expect(nextHandoffs(fast, utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'))).toHaveLength(50);
    expect(nextHandoffs(fast, utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'), Infinity).length).toBeLessThanOrEqual(10_000);
  });

  it('handles restriction windows that cross midnight or end at 24:00', () => {
    const nights: Layer = { type: 'daily', users: ['nora'], handoffMinutes: 0, start: utc('2026-01-01T00:00:00Z'), restrictions: [{ days: ['friday'], fromMinutes: hm('22:00'), toMinutes: hm('06:00') }] };
    expect(layerOnCallAt(nights, NEW_YORK, utc('2026-03-07T02:59:00Z'))).toBeUndefined(); // Fri 21:59 EST
    expect(layerOnCallAt(nights, NEW_YORK, utc('2026-03-07T03:00:00Z'))).toBe('nora');
    expect(layerOnCallAt(nights, NEW_YORK, utc('2026-03-07T10:59:00Z'))).toBe('nora'); // Sat 05:59
    expect(layerOnCallAt(nights, NEW_YORK, utc('2026-03-07T11:00:00Z'))).toBeUndefined();
    const sundays: Layer = { ...nights, restrictions: [{ days: ['sunday'], fromMinutes: 0, toMinutes: 1440 }] };
    expect(layerOnCallAt(sundays, BERLIN, utc('2026-03-28T22:59:59Z'))).toBeUndefined();
    expect(layerOnCallAt(sundays, BERLIN, utc('2026-03-28T23:00:00Z'))).toBe('nora'); // Sunday 00:00 CET
    expect(layerOnCallAt(sundays, BERLIN, utc('2026-03-29T21:59:59Z'))).toBe('nora'); // a 23-hour Sunday
    expect(layerOnCallAt(sundays, BERLIN, utc('2026-03-29T22:00:00Z'))).toBeUndefined();
  });
});

describe('rotation properties', () => {
  it('an unrestricted layer has exactly one of its users on call at every instant: the turn index mod n', () => {
    fc.assert(
      fc.property(unrestrictedLayerArb, zoneArb, instantArb, (layer, timeZone, ms) => {
        const userId = layerOnCallAt(layer, timeZone, new Date(ms));
        const turn = turnAt(layer, timeZone, new Date(ms));
        expect(userId).toBeDefined();
        expect(layer.users).toContain(userId);
        expect(userId).toBe(layer.users[((turn.index % layer.users.length) + layer.users.length) % layer.users.length]);
      }),
      { numRuns: 400 },
    );
  });

  it('turns tile time and cycle through the users in order; turn 0 is the first to begin at or after start', () => {
    fc.assert(
      fc.property(unrestrictedLayerArb, zoneArb, instantArb, (layer, timeZone, ms) => {
        const turn = turnAt(layer, timeZone, new Date(ms));
        expect(turn.start.getTime()).toBeLessThanOrEqual(ms);
        expect(turn.end.getTime()).toBeGreaterThan(ms);
        const next = turnAt(layer, timeZone, turn.end);
        expect(next.index).toBe(turn.index + 1);
        expect(next.start).toEqual(turn.end);
        expect(next.userId).toBe(layer.users[(layer.users.indexOf(turn.userId) + 1) % layer.users.length]);
        const previous = turnAt(layer, timeZone, new Date(turn.start.getTime() - 1));
        expect(previous.index).toBe(turn.index - 1);
        expect(previous.end).toEqual(turn.start);
        const atStart = turnAt(layer, timeZone, layer.start);
        expect(atStart.index).toBe(atStart.start.getTime() === layer.start.getTime() ? 0 : -1);
        expect(atStart.userId).toBe(layer.users[atStart.index === 0 ? 0 : layer.users.length - 1]);
        // Started exactly at a handoff, the layer's first turn is that one, users[0]'s.
        const aligned = { ...layer, start: turn.start };
        expect(turnAt(aligned, timeZone, turn.start)).toMatchObject({ index: 0, userId: layer.users[0], start: turn.start, end: turn.end });
        if (isLocalRotation(layer)) {
          // A turn begins at the handoff time, or where the clock jumps over it.
          const handoffMinutes = (layer as { handoffMinutes: number }).handoffMinutes;
          const reading = localDateTime(turn.start, timeZone);
          if (reading.minuteOfDay !== handoffMinutes) {
            expect(wall(turn.start.getTime() - 1000, timeZone).offsetMinutes).toBeLessThan(wall(turn.start.getTime(), timeZone).offsetMinutes);
          }
          if (layer.type === 'weekly') expect(reading.weekday).toBe(layer.handoffDay);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a daily turn lasts 23, 24 or 25 hours in both zones over 2020-2030 (handoffs outside the skipped hour)', () => {
    const handoffArb = fc.oneof(fc.integer({ min: 0, max: 119 }), fc.integer({ min: 180, max: 1439 }), fc.constantFrom(0, 60, 90, 119, 180, 540));
    fc.assert(
      fc.property(usersArb, handoffArb, startArb, zoneArb, instantArb, (users, handoffMinutes, start, timeZone, ms) => {
        const turn = turnAt({ type: 'daily', users, handoffMinutes, start }, timeZone, new Date(ms));
        const hours = (turn.end.getTime() - turn.start.getTime()) / HOUR;
        expect([23, 24, 25]).toContain(hours);
        // Exactly 24 hours unless the UTC offset changed during the turn.
        const offsetChange = wall(turn.end.getTime(), timeZone).offsetMinutes - wall(turn.start.getTime(), timeZone).offsetMinutes;
        expect(hours).toBe(24 - offsetChange / 60);
      }),
      { numRuns: 400 },
    );
  });

  it('a daily handoff inside the skipped hour moves to its end, so those turns last 23 to 24 hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 120, max: 179 }), zoneArb, fc.integer({ min: 2020, max: 2030 }), fc.integer({ min: -36, max: 36 }), (handoffMinutes, timeZone, year, hours) => {
        const spring = transitions(year)[timeZone === BERLIN ? 0 : 2];
        const turn = turnAt({ type: 'daily', users: ['a', 'b'], handoffMinutes, start: new Date(Date.UTC(2020, 0, 1)) }, timeZone, new Date(spring + hours * HOUR));
        const length = turn.end.getTime() - turn.start.getTime();
        expect(length).toBeGreaterThanOrEqual(23 * HOUR);
        expect(length).toBeLessThanOrEqual(24 * HOUR);
        // Into the gap day the turn loses what the handoff is past 02:00; out of it, what it is short of 03:00.
        if (turn.end.getTime() === spring) expect(length).toBe((1440 - (handoffMinutes - 120)) * 60_000);
        if (turn.start.getTime() === spring) expect(length).toBe((1440 - (180 - handoffMinutes)) * 60_000);
      }),
      { numRuns: 200 },
    );
  });

  it('a restricted layer has nobody exactly outside its windows (read on the wall clock)', () => {
    fc.assert(
      fc.property(unrestrictedLayerArb, fc.array(restrictionArb, { minLength: 1, maxLength: 2 }), zoneArb, instantArb, (base, restrictions, timeZone, ms) => {
        // The second pass through a repeated hour is left to the examples: there a window is the
        // interval from the first occurrence of `from`, not a reading of the clock.
        fc.pre(!isRepeatedReading(ms, timeZone));
        const layer = { ...base, restrictions };
        const userId = layerOnCallAt(layer, timeZone, new Date(ms));
        expect(userId !== undefined).toBe(wallClockInside(restrictions, timeZone, ms));
        if (userId !== undefined) expect(userId).toBe(layerOnCallAt(base, timeZone, new Date(ms)));
      }),
      { numRuns: 400 },
    );
  });
});

describe('schedule properties', () => {
  it('the highest layer with someone on call wins when no override covers the instant', () => {
    fc.assert(
      fc.property(scheduleArb(), instantArb, (schedule, ms) => {
        const at = new Date(ms);
        const covering = schedule.layers.map((layer) => layerOnCallAt(layer, schedule.timeZone, at));
        const top = covering.findLastIndex((userId) => userId !== undefined);
        expect(onCallAt(schedule, at)).toEqual(top === -1 ? undefined : { userId: covering[top], layer: top });
      }),
      { numRuns: 200 },
    );
  });

  it('an override covering an instant always wins (the last-listed covering one)', () => {
    const arb = instantArb.chain((ms) =>
      fc.record({
        ms: fc.constant(ms),
        schedule: scheduleArb(fc.array(overrideArb(fc.integer({ min: ms - 3 * DAY, max: ms + DAY })), { maxLength: 3 })),
        covering: overrideArb(fc.integer({ min: ms - 2 * DAY, max: ms })).filter((override) => override.end.getTime() > ms),
        position: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(arb, ({ ms, schedule, covering, position }) => {
        const overrides = [...(schedule.overrides ?? [])];
        overrides.splice(position % (overrides.length + 1), 0, covering);
        const winner = overrides.findLast((override) => override.start.getTime() <= ms && ms < override.end.getTime());
        expect(onCallAt({ ...schedule, overrides }, new Date(ms))).toEqual({ userId: winner?.userId, layer: 'override' });
        expect(onCallAt({ ...schedule, overrides: [...overrides, covering] }, new Date(ms))).toEqual({ userId: covering.userId, layer: 'override' });
      }),
      { numRuns: 200 },
    );
  });

  it('nextHandoffs reports exactly the changes of the on-call user (checked every 10 minutes)', () => {
    fc.assert(
      fc.property(scheduleArb(fc.array(overrideArb(fc.integer({ min: YEAR_2020, max: YEAR_2031 })), { maxLength: 2 })), instantArb, (schedule, fromMs) => {
        const from = Math.floor(fromMs / 60_000) * 60_000;
        const until = from + 2 * DAY;
        const handoffs = nextHandoffs(schedule, new Date(from), new Date(until), Infinity);
        let previous = from;
        for (const handoff of handoffs) {
          expect(handoff.at.getTime()).toBeGreaterThan(previous);
          expect(handoff.at.getTime()).toBeLessThanOrEqual(until);
          expect(handoff.oncall).toEqual(onCallAt(schedule, handoff.at));
          expect(handoff.oncall?.userId).not.toBe(onCallAt(schedule, new Date(handoff.at.getTime() - 1))?.userId);
          previous = handoff.at.getTime();
        }
        // Between reported handoffs nobody else comes on call.
        let index = 0;
        let expected = onCallAt(schedule, new Date(from))?.userId;
        for (let t = from; t <= until; t += 10 * 60_000) {
          while (index < handoffs.length && handoffs[index].at.getTime() <= t) expected = handoffs[index++].oncall?.userId;
          expect(onCallAt(schedule, new Date(t))?.userId).toBe(expected);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('schedules in config', () => {
  const config = {
    timeZone: 'Europe/Berlin',
    layers: [
      { type: 'weekly', users: ['alice', 'bob'], handoffDay: 'monday', handoff: '09:00', start: '2026-01-05T09:00:00+01:00' },
      {
        type: 'daily',
        users: ['carol'],
        handoff: '09:00',
        start: '2026-01-05T09:00:00+01:00',
        restrictions: [{ days: WORKDAYS, from: '09:00', to: '17:00' }, { days: ['saturday'], from: '22:00', to: '24:00' }],
      },
      { type: 'custom', users: ['dave'], length: '12h', start: '2026-01-05T21:00:00+01:00' },
      { type: 'custom', users: ['erin'], length: '3d', handoff: '08:30', start: '2026-01-05T00:00:00Z' },
    ],
    overrides: [{ user: 'frank', start: '2026-02-14T18:00:00+01:00', end: '2026-02-15T09:00:00+01:00' }],
  };

  it('parses a schedule and converts it for the arithmetic', () => {
    const parsed = scheduleSchema.parse(config);
    const schedule = scheduleFromConfig(parsed);
    expect(schedule).toEqual({
      timeZone: 'Europe/Berlin',
      layers: [
        { type: 'weekly', users: ['alice', 'bob'], handoffDay: 'monday', handoffMinutes: 540, start: utc('2026-01-05T08:00:00Z') },
        {
          type: 'daily',
          users: ['carol'],
          handoffMinutes: 540,
          start: utc('2026-01-05T08:00:00Z'),
          restrictions: [
            { days: WORKDAYS, fromMinutes: 540, toMinutes: 1020 },
            { days: ['saturday'], fromMinutes: 1320, toMinutes: 1440 },
          ],
        },
        { type: 'custom', users: ['dave'], lengthSeconds: 43_200, start: utc('2026-01-05T20:00:00Z') },
        { type: 'custom', users: ['erin'], lengthSeconds: 259_200, handoffMinutes: 510, start: utc('2026-01-05T00:00:00Z') },
      ],
      overrides: [{ userId: 'frank', start: utc('2026-02-14T17:00:00Z'), end: utc('2026-02-15T08:00:00Z') }],
    });
    expect(onCallAt(schedule, utc('2026-02-14T20:00:00Z'))).toEqual({ userId: 'frank', layer: 'override' });
    expect(scheduleSchema.parse({ timeZone: 'UTC', layers: [config.layers[0]] }).overrides).toEqual([]);
    expect(scheduleUserReferences(parsed)).toEqual([
      { userId: 'alice', path: ['layers', 0, 'users', 0] },
      { userId: 'bob', path: ['layers', 0, 'users', 1] },
      { userId: 'carol', path: ['layers', 1, 'users', 0] },
      { userId: 'dave', path: ['layers', 2, 'users', 0] },
      { userId: 'erin', path: ['layers', 3, 'users', 0] },
      { userId: 'frank', path: ['overrides', 0, 'user'] },
    ]);
  });

  it('names the path of every bad field', () => {
    const problems = (value: unknown) => {
      const result = scheduleSchema.safeParse(value);
      return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
    };
    expect(problems({ ...config, timeZone: 'Mars/Olympus_Mons' })).toEqual(['timeZone']);
    expect(problems({ ...config, timeZone: '+01:00' })).toEqual(['timeZone']);
    expect(problems({ ...config, layers: [] })).toEqual(['layers']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], handoff: '9:00' }] })).toEqual(['layers.0.handoff']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], handoff: '24:00' }] })).toEqual(['layers.0.handoff']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], handoffDay: 'mon' }] })).toEqual(['layers.0.handoffDay']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], type: 'hourly' }] })).toEqual(['layers.0.type']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], users: [] }] })).toEqual(['layers.0.users']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], users: ['Alice'] }] })).toEqual(['layers.0.users.0']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], start: '2026-01-05 09:00' }] })).toEqual(['layers.0.start']);
    expect(problems({ ...config, layers: [{ ...config.layers[0], start: '1999-12-31T00:00:00Z' }] })).toEqual(['layers.0.start']);
    expect(problems({ ...config, layers: [config.layers[0], { ...config.layers[1], restrictions: [{ days: [], from: '09:00', to: '17:00' }] }] })).toEqual(['layers.1.restrictions.0.days']);
    expect(problems({ ...config, layers: [config.layers[0], { ...config.layers[1], restrictions: [{ days: ['monday'], from: '09:00', to: '09:00' }] }] })).toEqual(['layers.1.restrictions.0.to']);
    expect(problems({ ...config, layers: [config.layers[0], config.layers[1], { ...config.layers[2], length: 'soon' }] })).toEqual(['layers.2.length']);
    expect(problems({ ...config, layers: [config.layers[0], config.layers[1], config.layers[2], { ...config.layers[3], length: '36h' }] })).toEqual(['layers.3.length']);
    expect(problems({ ...config, overrides: [{ ...config.overrides[0], end: config.overrides[0].start }] })).toEqual(['overrides.0.end']);
    expect(problems({ ...config, overrides: [{ ...config.overrides[0], who: 'x' }] })).toEqual(['overrides.0']);
  });
});
