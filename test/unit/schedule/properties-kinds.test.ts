import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextFire, parseSchedule, type FireContext, type Schedule } from '../../../src/schedule';
import { DAY, MINUTE, dayMatches, field0, scan, type Field, type Model } from './cron-model';

// The other kinds of schedule against models written here, over 1900-2200: interval text the
// model writes and sizes itself, date lists the model renders with offsets of its own, and
// pgpro rules whose fires a brute-force scan finds (cron-model.ts). See properties.test.ts.

const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);
const SECOND = 1000;
const HOUR = 3_600_000;

/** Up to `n` fires strictly after `from` and at or before `to`, chaining nextFire. */
function chain(schedule: Schedule, from: number, n: number, ctx?: FireContext, to = Infinity): number[] {
  const out: number[] = [];
  for (let t = nextFire(schedule, new Date(from), ctx); t !== null && t.getTime() <= to && out.length < n; t = nextFire(schedule, t, ctx)) {
    out.push(t.getTime());
  }
  return out;
}

const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An interval as text in one of the forms PostgreSQL and ISO 8601 write, and its length. */
const intervalText: fc.Arbitrary<{ text: string; ms: number }> = fc.oneof(
  fc.integer({ min: 1, max: 100_000 }).map((n) => ({ text: `${n} seconds`, ms: n * SECOND })),
  fc.integer({ min: 1, max: 10_000 }).map((n) => ({ text: `${n} min`, ms: n * MINUTE })),
  fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 59 })).map(([h, m, s]) => ({
    text: `${pad(h)}:${pad(m)}:${pad(s)}`,
    ms: h * HOUR + m * MINUTE + s * SECOND,
  })),
  fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([d, h, m]) => ({
    text: `${d} day${d === 1 ? '' : 's'} ${pad(h)}:${pad(m)}:00`,
    ms: d * DAY + h * HOUR + m * MINUTE,
  })),
  fc.tuple(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 1, max: 59 }), fc.integer({ min: 0, max: 999 })).map(([h, m, ms]) => ({
    text: `PT${h}H${m}M${ms === 0 ? '' : `${ms / 1000}S`}`,
    ms: h * HOUR + m * MINUTE + ms,
  })),
);

describe('generated schedules of the other kinds match their models', { timeout: 60_000 }, () => {
  it('@every and bare intervals fire at anchor + k × interval: never before the anchor, none skipped', () => {
    fc.assert(
      fc.property(
        intervalText,
        fc.boolean(),
        fc.integer({ min: EARLIEST, max: LATEST }),
        fc.integer({ min: -5, max: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
        fc.boolean(),
        ({ text, ms }, macro, anchor, periods, fraction, endAfter, fromWindow) => {
          const from = anchor + Math.floor((periods + fraction) * ms);
          const end = endAfter === undefined ? null : anchor + endAfter * ms + Math.floor(fraction * ms);
          // The anchor is the window start, or the job's first start given as context.
          const input = {
            schedule: macro ? `@every ${text}` : text,
            start: fromWindow ? new Date(anchor).toISOString() : null,
            end: end === null ? null : new Date(end).toISOString(),
          };
          const parsed = parseSchedule(input);
          if (!parsed.ok) throw new Error(parsed.error.message);
          expect(parsed.value).toMatchObject({ kind: 'every', intervalMs: ms });
          const ctx = fromWindow ? {} : { anchor: new Date(anchor) };
          const fires = chain(parsed.value, from, 20, ctx);
          const expected: number[] = [];
          for (let k = Math.max(0, Math.floor((from - anchor) / ms) - 1); expected.length < 20; k++) {
            const t = anchor + k * ms;
            if (end !== null && t > end) break;
            if (t > from) expected.push(t);
          }
          expect(iso(fires)).toEqual(iso(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('dates fire each listed instant once, in order, inside the window', () => {
    const offset = fc.integer({ min: -14 * 4, max: 14 * 4 }).map((q) => q * 15 * MINUTE);
    const entry = fc.tuple(fc.integer({ min: EARLIEST, max: LATEST }), fc.option(offset, { nil: undefined }));
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: EARLIEST, max: LATEST }),
        fc.option(fc.tuple(fc.integer({ min: EARLIEST, max: LATEST }), fc.integer({ min: EARLIEST, max: LATEST })), { nil: undefined }),
        (entries, from, window) => {
          // Text the model writes itself: the wall time at the offset, then the offset.
          const dates = entries.map(([t, off]) => {
            if (off === undefined) return new Date(t).toISOString();
            const wall = new Date(t + off).toISOString().slice(0, -1);
            const abs = Math.abs(off) / MINUTE;
            return `${wall}${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
          });
          const [start, end] = window === undefined ? [null, null] : [Math.min(...window), Math.max(...window)];
          const inWindow = [...new Set(entries.map(([t]) => t))].filter((t) => start === null || (t >= start && t <= (end as number))).sort((a, b) => a - b);
          const parsed = parseSchedule({
            dates,
            start: start === null ? null : new Date(start).toISOString(),
            end: end === null ? null : new Date(end).toISOString(),
          });
          if (inWindow.length === 0) {
            expect(parsed.ok ? null : parsed.error.code).toBe('never_fires');
            return;
          }
          if (!parsed.ok) throw new Error(parsed.error.message);
          expect(iso(chain(parsed.value, from, 40))).toEqual(iso(inWindow.filter((t) => t > from)));
        },
      ),
      { numRuns: 300 },
    );
  });

  const ruleKey = (min: number, max: number) =>
    fc.option(fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }), { nil: undefined, freq: 2 });
  const ruleZones: Array<[string, number]> = [
    ['UTC', 0],
    ['America/New_York', Date.parse('1969-10-26T06:00:00Z')],
    ['Europe/Berlin', Date.parse('2026-03-29T01:00:00Z')],
    ['Australia/Lord_Howe', Date.parse('2026-04-04T15:00:00Z')],
    ['Pacific/Apia', Date.parse('2011-12-30T10:00:00Z')],
  ];

  it('pgpro rules fire where a brute-force scan finds their minutes, days ANDed, in UTC and across clock changes', () => {
    fc.assert(
      fc.property(
        fc.record({ minutes: ruleKey(0, 59), hours: ruleKey(0, 23), days: ruleKey(1, 31), months: ruleKey(1, 12), wdays: ruleKey(0, 7) }),
        fc.constantFrom(...ruleZones),
        fc.integer({ min: EARLIEST / MINUTE, max: LATEST / MINUTE }),
        fc.integer({ min: 0, max: 24 * 60 }),
        (rule, [zone, change], randomMinute, minutesBefore) => {
          const given = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));
          if (Object.keys(given).length === 0) return;
          const from = (zone === 'UTC' ? randomMinute * MINUTE : change - minutesBefore * MINUTE) - 7_000;
          const f = (values: number[] | undefined, low: number, high: number): Field => {
            const all = Array.from({ length: high - low + 1 }, (_, i) => low + i);
            return { ...field0('', values ?? all), restricted: values !== undefined };
          };
          const m: Model = {
            text: '',
            seconds: f([0], 0, 0),
            minutes: f(rule.minutes, 0, 59),
            hours: f(rule.hours, 0, 23),
            dom: f(rule.days, 1, 31),
            months: f(rule.months, 1, 12),
            dow: f(rule.wdays?.map((d) => d % 7), 0, 6),
          };
          const parsed = parseSchedule({ rule: given, timezone: zone });
          if (!parsed.ok) {
            expect(parsed.error.code).toBe('never_fires');
            for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2052, 0, 1); day += DAY) {
              const d = new Date(day);
              if (m.months.values.has(d.getUTCMonth() + 1)) expect(dayMatches(m, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), true)).toBe(false);
            }
            return;
          }
          const to = from + 3 * DAY;
          expect(iso(chain(parsed.value, from, Infinity, {}, to))).toEqual(iso(scan(m, zone, from, to, MINUTE, true)));
        },
      ),
      { numRuns: 120 },
    );
  });
});
