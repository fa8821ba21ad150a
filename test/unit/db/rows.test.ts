import { describe, expect, it } from 'vitest';
import {
  UnusableValue,
  brokenReason,
  isoFor,
  parseTimestamp,
  toDate,
  toDateArray,
  toDurationMs,
  toNullableDurationMs,
} from '../../../src/db/queries/rows';

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('parseTimestamp', () => {
  it.each([
    ['2026-05-01 12:00:00+00', '2026-05-01T12:00:00.000Z'],
    ['2026-05-01 12:00:00.123456+05:30', '2026-05-01T06:30:00.123Z'],
    ['2026-05-01 12:00:00.5-03:30', '2026-05-01T15:30:00.500Z'],
    // A local mean time offset, as PostgreSQL prints old dates in some zones (new Date() refuses it).
    ['1850-01-01 00:00:00+05:53:28', '1849-12-31T18:06:32.000Z'],
    // to_jsonb's form, and JavaScript's own.
    ['2099-01-01T00:00:00+00:00', '2099-01-01T00:00:00.000Z'],
    ['2099-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z'],
    // Years below 100 are years, not 19xx.
    ['0044-03-15 00:00:00+00', '0044-03-15T00:00:00.000Z'],
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31 23:59:59.999+00', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(iso(parseTimestamp(text))).toBe(expected);
  });

  it.each([
    'infinity',
    '-infinity',
    '0044-03-15 00:00:00+00 BC',
    '0044-03-15T00:00:00+00:00 BC',
    '10000-01-01 00:00:00+00',
    '200000-01-01 00:00:00+00',
    '294276-12-31 23:59:59.999999+00',
    'tomorrow',
    '',
  ])('refuses %j: outside years 1-9999 or not a timestamp', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  it('takes valid Dates and refuses invalid ones', () => {
    expect(iso(parseTimestamp(new Date('2030-01-01T00:00:00Z')))).toBe('2030-01-01T00:00:00.000Z');
    expect(parseTimestamp(new Date(Number.NaN))).toBeNull();
    expect(parseTimestamp(Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe('toDate', () => {
  it('names the column and the value it cannot use', () => {
    expect(() => toDate('infinity', 'run_after')).toThrow(UnusableValue);
    expect(() => toDate('infinity', 'run_after')).toThrow(
      'run_after: infinity is outside the times the scheduler handles (years 1 to 9999; NULL for none)',
    );
    expect(() => toDate('0044-03-15 00:00:00+00 BC', 'start_at')).toThrow(/^start_at: 0044-03-15 00:00:00\+00 BC is outside/);
  });
});

describe('toDateArray', () => {
  it("decodes the driver's text form of timestamptz[]", () => {
    expect(toDateArray('{"2099-01-01 00:00:00+00","2099-06-01 12:30:00+02"}', 'dates')?.map(iso)).toEqual([
      '2099-01-01T00:00:00.000Z',
      '2099-06-01T10:30:00.000Z',
    ]);
    expect(toDateArray('[0:0]={"2099-01-01 00:00:00+00"}', 'dates')?.map(iso)).toEqual(['2099-01-01T00:00:00.000Z']);
    expect(toDateArray('{}', 'dates')).toEqual([]);
    expect(toDateArray(null, 'dates')).toBeNull();
  });

  it('decodes an array (from jsonb)', () => {
    expect(toDateArray(['2099-01-01T00:00:00+00:00'], 'dates')?.map(iso)).toEqual(['2099-01-01T00:00:00.000Z']);
  });

  it('names the element it cannot use', () => {
    expect(() => toDateArray('{"2099-01-01 00:00:00+00",infinity}', 'dates')).toThrow(/^dates\[1\]: infinity is outside/);
    expect(() => toDateArray('{"2099-01-01 00:00:00+00","0044-01-01 00:00:00+00 BC"}', 'dates')).toThrow(/^dates\[1\]: 0044/);
    expect(() => toDateArray('{NULL}', 'dates')).toThrow('dates[0]: NULL is not a time; remove it from the list');
    expect(() => toDateArray(['infinity'], 'dates')).toThrow(/^dates\[0\]: infinity/);
    expect(() => toDateArray('{{"2099-01-01 00:00:00+00"}}', 'dates')).toThrow(/is not a one-dimensional list of times/);
  });
});

describe('isoFor', () => {
  it('writes times in years 1-9999 and names a computed one PostgreSQL could not read back', () => {
    expect(isoFor(new Date('2030-01-01T00:00:00Z'), 'next_run_at')).toBe('2030-01-01T00:00:00.000Z');
    expect(() => isoFor(new Date(Date.UTC(12000, 0, 1)), 'the retry time')).toThrow(
      /^the retry time: \+012000-01-01T00:00:00.000Z is outside/,
    );
    expect(() => isoFor(new Date(Number.NaN), 'next_run_at')).toThrow(/^next_run_at: an invalid time is outside/);
  });
});

describe('toDurationMs', () => {
  it('takes finite milliseconds and names an infinite interval', () => {
    expect(toDurationMs('10000.000000', 'retry_backoff')).toBe(10_000);
    expect(toNullableDurationMs(null, 'max_wait')).toBeNull();
    expect(() => toNullableDurationMs('Infinity', 'max_wait')).toThrow(
      'max_wait: infinity is not a duration the scheduler can use; give a finite interval',
    );
    expect(() => toDurationMs('-Infinity', 'retry_backoff')).toThrow(/^retry_backoff: -infinity/);
  });
});

describe('brokenReason', () => {
  it("gives an UnusableValue's message as it is, and says a bug is the scheduler's", () => {
    expect(brokenReason(new UnusableValue('run_after', 'infinity', 'is bad'), 'schedule')).toBe('run_after: infinity is bad');
    expect(brokenReason(new TypeError('x.map is not a function'), 'schedule')).toBe(
      'the scheduler could not schedule this job (TypeError: x.map is not a function); change or re-enable it to try again',
    );
  });
});
