import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextFire, parseSchedule, type Schedule } from '../../../src/schedule';
import { DAY, MINUTE, dayMatches, field, field0, model, scan, single, wallMatches, type Model } from './cron-model';

// Generated cron expressions checked against an independent model written here: the
// generator expands each field itself, days are matched with JavaScript's own Date, and time
// zones are read straight from Intl. For every case, the engine's fires inside a window must be
// exactly the instants a brute-force scan of the window finds: so every fire matches, fires
// strictly increase, and no matching instant between two fires is skipped. Instants range over
// 1900-2200: before 1970 they are negative numbers, after 2038 they leave 32 bits.

/** The engine: chained nextFire from `from` while ≤ `to`. */
function engine(schedule: Schedule, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = nextFire(schedule, new Date(from)); t !== null && t.getTime() <= to; t = nextFire(schedule, t)) {
    if (out.length > 0) expect(t.getTime()).toBeGreaterThan(out[out.length - 1] as number);
    out.push(t.getTime());
  }
  return out;
}

const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());

/** Parses, or for a never-fires refusal checks that the model agrees over 28 years. */
function check(m: Model, zone: string, from: number, to: number, step: number, all = false): void {
  const parsed = parseSchedule({ schedule: m.text, timezone: zone, dayMatch: all ? 'all' : 'any' });
  if (!parsed.ok) {
    expect(parsed.error.code).toBe('never_fires');
    for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2052, 0, 1); day += DAY) {
      const d = new Date(day);
      if (m.months.values.has(d.getUTCMonth() + 1)) expect(dayMatches(m, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), all)).toBe(false);
    }
    return;
  }
  expect(iso(engine(parsed.value, from, to))).toEqual(iso(scan(m, zone, from, to, step, all)));
}

const instant = (from: number, to: number, unit: number) => fc.integer({ min: from / unit, max: to / unit }).map((n) => n * unit);
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);
const anyMinute = fc.oneof({ arbitrary: field(0, 59, { starWeight: 2 }), weight: 1 });
const anyHour = field(0, 23, { starWeight: 2 });

describe('generated cron expressions match a brute-force scan', { timeout: 60_000 }, () => {
  it('5 fields in UTC, every minute of 3 days', () => {
    fc.assert(
      fc.property(model({ minutes: anyMinute, hours: anyHour }), instant(EARLIEST, LATEST, 1000), fc.boolean(), (m, from, all) => {
        check(m, 'UTC', from, from + 3 * DAY, MINUTE, all);
      }),
      { numRuns: 150 },
    );
  });

  it('day fields (L, $, W, LW, nL, n#k, months) in UTC, one time a day for 2 years', () => {
    fc.assert(
      fc.property(model({ minutes: single(0, 59), hours: single(0, 23), dayStarWeight: 1 }), instant(EARLIEST, LATEST, DAY), fc.boolean(), (m, day, all) => {
        const time = [...m.hours.values][0]! * 3_600_000 + [...m.minutes.values][0]! * MINUTE;
        const parsed = parseSchedule({ schedule: m.text, dayMatch: all ? 'all' : 'any' });
        if (!parsed.ok) return check(m, 'UTC', day, day, DAY, all);
        const to = day + 730 * DAY;
        const expected: number[] = [];
        for (let d = day + DAY; d <= to; d += DAY) if (wallMatches(m, d + time, all)) expected.push(d + time);
        expect(iso(engine(parsed.value, day + DAY - 1, to + time))).toEqual(iso(expected));
      }),
      { numRuns: 150 },
    );
  });

  it('6 fields with seconds in UTC, every second of 2 hours', () => {
    fc.assert(
      fc.property(
        model({ seconds: field(0, 59), minutes: field(0, 59, { starWeight: 3 }), hours: field(0, 23, { starWeight: 4 }), dayStarWeight: 6 }),
        instant(EARLIEST, LATEST, 1),
        (m, from) => check(m, 'UTC', from, from + 2 * 3_600_000, 1000),
      ),
      { numRuns: 40 },
    );
  });

  const changes: Array<[string, string]> = [
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T06:00:00Z'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Pacific/Chatham', '2026-09-26T14:00:00Z'],
    ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
    // before 1970: negative instants and wall times
    ['America/New_York', '1969-04-27T07:00:00Z'],
    ['America/New_York', '1969-10-26T06:00:00Z'],
    ['Europe/London', '1968-02-18T02:00:00Z'],
    ['Europe/Berlin', '1947-05-11T01:00:00Z'], // +02:00 → +03:00 (double summer time)
    ['Europe/Berlin', '1947-06-29T00:00:00Z'],
    ['America/Sao_Paulo', '1965-03-31T02:00:00Z'],
    // a whole day skipped, and the rules projected far ahead
    ['Pacific/Apia', '2011-12-30T10:00:00Z'],
    ['America/New_York', '2150-03-08T07:00:00Z'],
    ['Australia/Lord_Howe', '2150-04-04T15:00:00Z'],
  ];

  it('5 fields across clock changes in New York, Berlin, London, São Paulo, Lord Howe, Chatham and Apia, every minute of 3 days', () => {
    fc.assert(
      fc.property(
        model({
          minutes: field(0, 59, { starWeight: 2 }),
          // the hours around the changes (1-3 local) often alone, so skipped and repeated times matter
          hours: fc.oneof(field(0, 23, { starWeight: 2 }), fc.constantFrom(1, 2, 3).map((h) => field0(String(h), [h]))),
          dayStarWeight: 8,
        }),
        fc.constantFrom(...changes),
        fc.integer({ min: 0, max: 60 * 60 }),
        (m, [zone, change], minutesBefore) => {
          const from = Date.parse(change) - minutesBefore * MINUTE - 7_000;
          check(m, zone, from, from + 3 * DAY, MINUTE);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('6 fields with seconds across the same clock changes, every second of an hour', () => {
    fc.assert(
      fc.property(
        model({
          seconds: field(0, 59, { starWeight: 1 }),
          minutes: field(0, 59, { starWeight: 3 }),
          hours: fc.oneof(field(0, 23, { starWeight: 4 }), fc.constantFrom(1, 2, 3).map((h) => field0(String(h), [h]))),
          dayStarWeight: 8,
        }),
        fc.constantFrom(...changes),
        fc.integer({ min: 0, max: 60 * 60 }),
        (m, [zone, change], secondsBefore) => {
          const from = Date.parse(change) - secondsBefore * 1000 - 300;
          check(m, zone, from, from + 3_600_000, 1000);
        },
      ),
      { numRuns: 30 },
    );
  });
});
