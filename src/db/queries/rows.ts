// Conversions for rows read with raw SQL. Through drizzle the driver hands over timestamps and
// arrays of them as PostgreSQL's text (`2026-05-01 12:00:00+00`, `{"…","…"}`), bigint and
// numeric as text, and jsonb already parsed (timestamps inside it as ISO text). A value the
// engine cannot use throws an UnusableValue that names the column and the value: the caller
// breaks that one job with it as the reason, and goes on with the others.
import type { ScheduleColumns } from '../../master/job-schedule';
import { MAX_YEAR, MIN_YEAR } from '../../schedule/civil-time';

/** A value a job row holds that the scheduler cannot work with. The message is a job's broken_reason. */
export class UnusableValue extends Error {
  constructor(column: string, value: string, why: string) {
    super(`${column}: ${value} ${why}`);
    this.name = 'UnusableValue';
  }
}

// Years 1-9999, as the schedule module computes (civil-time.ts). PostgreSQL's timestamptz goes
// further (4713 BC to 294276 AD, and ±infinity), JavaScript's Date to ±275760, and PostgreSQL
// cannot read back the ISO text of a year past 9999 (`+010000-01-01T00:00:00.000Z`).
const RANGE = `outside the times the scheduler handles (years ${MIN_YEAR} to ${MAX_YEAR}; NULL for none)`;
const FIRST_MS = startOfYear(MIN_YEAR);
const LAST_MS = startOfYear(MAX_YEAR + 1) - 1;

// Not Date.UTC, which reads years 0-99 as 1900-1999.
function startOfYear(year: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  return d.getTime();
}

// PostgreSQL's output (DateStyle ISO) and to_jsonb's: `2026-05-01 12:00:00.123456+05:30`,
// `2026-05-01T12:00:00+00:00`, a local mean time offset with seconds (`+05:53:28`), ` BC`.
// JavaScript's own ISO text (`…Z`) too.
const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)( BC)?$/;

/** The instant of a timestamptz as the driver gives it, or null if it is not one in years 1-9999. */
export function parseTimestamp(value: unknown): Date | null {
  if (value instanceof Date) return inRange(value.getTime());
  if (typeof value !== 'string') return null;
  const m = TIMESTAMP.exec(value.trim());
  if (m === null || m[13] !== undefined) return null;
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om, os] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0')));
  const offsetMs = zulu ? 0 : (sign === '-' ? -1 : 1) * ((Number(oh) * 60 + Number(om ?? 0)) * 60 + Number(os ?? 0)) * 1000;
  return inRange(date.getTime() - offsetMs);
}

function inRange(ms: number): Date | null {
  return Number.isFinite(ms) && ms >= FIRST_MS && ms <= LAST_MS ? new Date(ms) : null;
}

function shown(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  return typeof value === 'string' ? value : String(JSON.stringify(value));
}

/** A timestamp the scheduler can use; `column` names it in the error otherwise. */
export function toDate(value: unknown, column = 'timestamp'): Date {
  const date = parseTimestamp(value);
  if (date === null) throw new UnusableValue(column, shown(value), `is ${RANGE}`);
  return date;
}

export const toNullableDate = (value: unknown, column?: string): Date | null =>
  value === null || value === undefined ? null : toDate(value, column);

/**
 * A timestamptz[] column: the driver's text form (`{"2099-01-01 00:00:00+00",infinity}`),
 * or an array (from jsonb, or a driver that parses arrays). Each element must be usable.
 */
export function toDateArray(value: unknown, column: string): Date[] | null {
  if (value === null || value === undefined) return null;
  const items = Array.isArray(value) ? (value as unknown[]) : arrayElements(String(value), column);
  return items.map((item, i) => {
    if (item === null) throw new UnusableValue(`${column}[${i}]`, 'NULL', 'is not a time; remove it from the list');
    return toDate(item, `${column}[${i}]`);
  });
}

// Elements of a one-dimensional array literal; timestamps never contain quotes or backslashes.
function arrayElements(text: string, column: string): Array<string | null> {
  const body = /^(?:\[-?\d+:-?\d+\]=)?\{(.*)\}$/s.exec(text.trim())?.[1];
  if (body === undefined || body.includes('{')) throw new UnusableValue(column, text, 'is not a one-dimensional list of times');
  if (body === '') return [];
  return body.split(',').map((item) => (item === 'NULL' ? null : item.replace(/^"(.*)"$/, '$1')));
}

/** The instant as text PostgreSQL reads back, for values the scheduler computed; throws naming `what` otherwise. */
export function isoFor(date: Date, what: string): string {
  if (inRange(date.getTime()) === null) throw new UnusableValue(what, Number.isNaN(date.getTime()) ? 'an invalid time' : date.toISOString(), `is ${RANGE}`);
  return date.toISOString();
}

export const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

export const toNullableNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : toNumber(value);

/** Milliseconds of an interval read as `extract(epoch FROM …) * 1000`: finite, or the column is unusable. */
export function toDurationMs(value: unknown, column: string): number {
  const ms = toNumber(value);
  if (!Number.isFinite(ms)) throw new UnusableValue(column, shown(value).replace(/^(-?)Infinity$/i, '$1infinity'), 'is not a duration the scheduler can use; give a finite interval');
  return ms;
}

export const toNullableDurationMs = (value: unknown, column: string): number | null =>
  value === null || value === undefined ? null : toDurationMs(value, column);

/** A PostgreSQL array read through the driver (already an array, or its text form for bigint[]). */
export function toNumberArray(value: unknown): number[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toNumber);
  const text = String(value).replace(/^\{|\}$/g, '');
  return text === '' ? [] : text.split(',').map(Number);
}

/**
 * Why one job could not be handled, for its broken_reason: an UnusableValue says which column
 * holds what; anything else is the scheduler's own fault, said as such. `step`: what it was
 * doing, e.g. "schedule", "claim a slot of".
 */
export function brokenReason(e: unknown, step: string): string {
  if (e instanceof UnusableValue) return e.message;
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `the scheduler could not ${step} this job (${text}); change or re-enable it to try again`;
}

/** The columns of a job row that decide its schedule (job-schedule.ts parses them). Throws UnusableValue. */
export function scheduleColumns(r: Record<string, unknown>): ScheduleColumns {
  return {
    schedule: (r.schedule as string | null) ?? null,
    rule: r.rule ?? null,
    dates: toDateArray(r.dates, 'dates'),
    timezone: (r.timezone as string | null) ?? null,
    dayMatch: (r.day_match as 'any' | 'all' | null) ?? null,
    startAt: toNullableDate(r.start_at, 'start_at'),
    endAt: toNullableDate(r.end_at, 'end_at'),
  };
}
