// Cron text → expanded fields, with errors that name the field, the bad token and what is
// allowed. The accepted language is the union of the peers' dialects: Vixie cron / pg_cron
// (names, 0 or 7 = Sunday, `$` = last day), Quartz / Cloudflare (`?`, `L`, `W`, `5L`, `1#2`),
// QSched and pgpro's 6-field form with seconds first.
import { err, ok, type Result } from '../result';
import { quote, shorten } from './quote';
import type { CronFields } from './types';

type FieldKey = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

interface FieldDef {
  key: FieldKey;
  label: string;
  min: number;
  max: number; // highest value `*` covers (day-of-week: 6; 7 is accepted as Sunday)
  unit: string;
  cycle: string;
  names?: Readonly<Record<string, number>>;
  allowed: string;
}

const MONTH_NAMES = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };
const DAY_NAMES = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

const SECOND: FieldDef = { key: 'second', label: 'second', min: 0, max: 59, unit: 'seconds', cycle: 'minute', allowed: '0-59' };
const MINUTE: FieldDef = { key: 'minute', label: 'minute', min: 0, max: 59, unit: 'minutes', cycle: 'hour', allowed: '0-59' };
const HOUR: FieldDef = { key: 'hour', label: 'hour', min: 0, max: 23, unit: 'hours', cycle: 'day', allowed: '0-23' };
const DAY_OF_MONTH: FieldDef = {
  key: 'dayOfMonth',
  label: 'day-of-month',
  min: 1,
  max: 31,
  unit: 'days',
  cycle: 'month',
  allowed: '1-31, L or $ (last day), L-n, LW, nW',
};
const MONTH: FieldDef = {
  key: 'month',
  label: 'month',
  min: 1,
  max: 12,
  unit: 'months',
  cycle: 'year',
  names: MONTH_NAMES,
  allowed: '1-12 or JAN-DEC',
};
const DAY_OF_WEEK: FieldDef = {
  key: 'dayOfWeek',
  label: 'day-of-week',
  min: 0,
  max: 6,
  unit: 'days',
  cycle: 'week',
  names: DAY_NAMES,
  allowed: '0-7 (0 and 7 are Sunday) or SUN-SAT, nL (last), n#k (k-th)',
};

const FIVE: FieldDef[] = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];
const SIX: FieldDef[] = [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];

/** The result of parsing: the fields, and notes on expressions that do not mean what they seem. */
export interface ParsedCron {
  fields: CronFields;
  warnings: string[];
}

interface FieldResult {
  values: Set<number>;
  restricted: boolean;
  lastDaysOfMonth: number[];
  nearestWeekdays: number[];
  lastWeekdayOfMonth: boolean;
  lastDaysOfWeek: number[];
  nthDaysOfWeek: Array<[number, number]>;
  warnings: string[];
}

// Thrown by the field parsers and caught in parseCron, never further: it keeps each parser a
// straight line instead of threading a Result through every token.
class CronSyntaxError {
  constructor(readonly message: string) {}
}

/** How a wrong field count's error starts. */
export const FIELD_COUNTS = 'expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first)';

/** Parses a 5-field (minute first) or 6-field (second first) cron line. Never throws. */
export function parseCron(text: string): Result<ParsedCron, string> {
  const line = text.trim();
  const parts = line.split(/\s+/).filter((p) => p.length > 0);
  if (parts.length === 7) {
    return err(
      `${FIELD_COUNTS}, got 7 in ${quote(line)}: a 7th field (Quartz's year) is not supported; limit the years with the validity window (start_date, end_date)`,
    );
  }
  if (parts.length !== 5 && parts.length !== 6) return err(`${FIELD_COUNTS}, got ${parts.length} in ${quote(line)}`);
  const defs = parts.length === 6 ? SIX : FIVE;
  const results = new Map<FieldKey, FieldResult>();
  try {
    defs.forEach((def, i) => results.set(def.key, parseField(def, parts[i] as string)));
  } catch (e) {
    if (e instanceof CronSyntaxError) return err(`${e.message} in ${quote(line)}`);
    throw e;
  }
  const get = (key: FieldKey): FieldResult => results.get(key) as FieldResult;
  const dom = get('dayOfMonth');
  const dow = get('dayOfWeek');
  const fields: CronFields = {
    seconds: defs === SIX ? sorted(get('second').values) : [0],
    minutes: sorted(get('minute').values),
    hours: sorted(get('hour').values),
    daysOfMonth: sorted(dom.values),
    lastDaysOfMonth: [...new Set(dom.lastDaysOfMonth)].sort((a, b) => a - b),
    nearestWeekdays: [...new Set(dom.nearestWeekdays)].sort((a, b) => a - b),
    lastWeekdayOfMonth: dom.lastWeekdayOfMonth,
    months: sorted(get('month').values),
    daysOfWeek: sorted(dow.values),
    lastDaysOfWeek: [...new Set(dow.lastDaysOfWeek)].sort((a, b) => a - b),
    nthDaysOfWeek: dedupePairs(dow.nthDaysOfWeek),
    dayOfMonthRestricted: dom.restricted,
    dayOfWeekRestricted: dow.restricted,
  };
  const warnings = defs.flatMap((def) => get(def.key).warnings);
  return ok({ fields, warnings });
}

const sorted = (values: Set<number>): number[] => [...values].sort((a, b) => a - b);

/** A token shown unquoted (a number, a range): only cut short, `0000…0001` stays readable. */
const shown = (token: string): string => shorten(token);

function dedupePairs(pairs: Array<[number, number]>): Array<[number, number]> {
  const seen = new Map(pairs.map((p) => [p[0] * 10 + p[1], p] as const));
  return [...seen.values()].sort((a, b) => a[0] * 10 + a[1] - (b[0] * 10 + b[1]));
}

function parseField(def: FieldDef, text: string): FieldResult {
  const result: FieldResult = {
    values: new Set(),
    restricted: !(text.startsWith('*') || text.startsWith('?')),
    lastDaysOfMonth: [],
    nearestWeekdays: [],
    lastWeekdayOfMonth: false,
    lastDaysOfWeek: [],
    nthDaysOfWeek: [],
    warnings: [],
  };
  const items = text.split(',');
  if (items.some((item) => item.length === 0)) throw new CronSyntaxError(`${def.label}: empty list item in ${quote(text)}`);
  // ASCII only: String#toUpperCase turns "frı" (dotless i) into FRI and "ſun" (long s) into SUN.
  for (const item of items) parseItem(def, item.replace(/[a-z]+/g, (letters) => letters.toUpperCase()), item, result);
  return result;
}

function fail(def: FieldDef, message: string): never {
  throw new CronSyntaxError(`${def.label}: ${message}`);
}

function parseItem(def: FieldDef, item: string, original: string, into: FieldResult): void {
  if (def.key === 'dayOfMonth' && parseDayOfMonthSpecial(item, original, into)) return;
  if (def.key === 'dayOfWeek' && parseDayOfWeekSpecial(item, original, into)) return;

  const slash = item.split('/');
  if (slash.length > 2) fail(def, `${quote(original)} has more than one "/"`);
  const [base, stepText] = slash as [string, string | undefined];
  const [baseShown, stepShown] = original.split('/') as [string, string | undefined];
  let step = 1;
  if (stepText !== undefined) {
    const size = def.max - def.min + 1;
    if (!/^\d+$/.test(stepText)) fail(def, `step ${quote(stepShown)} in ${quote(original)} is not a whole number`);
    step = Number(stepText);
    if (step < 1 || step > size) fail(def, `step ${shown(stepShown ?? '')} in ${quote(original)} is out of range 1-${size}`);
  }

  let low: number;
  let high: number;
  let whole = false;
  if (base === '*' || base === '?') {
    if (base === '?' && def.key !== 'dayOfMonth' && def.key !== 'dayOfWeek') {
      fail(def, `"?" is only allowed in day-of-month and day-of-week`);
    }
    if (base === '?' && stepText !== undefined) fail(def, `${quote(original)} puts a step on "?"; use ${quote(`*/${stepShown}`)}`);
    low = def.min;
    high = def.max;
    whole = true;
  } else if (base.includes('-')) {
    const bounds = base.split('-');
    if (bounds.length !== 2 || bounds[0] === '' || bounds[1] === '') fail(def, `${quote(original)} is not a range like 1-5`);
    low = parseValue(def, bounds[0] as string, original);
    high = parseValue(def, bounds[1] as string, original);
    if (low > high) {
      const top = def.key === 'dayOfWeek' ? 7 : def.max;
      fail(def, `${shown(baseShown)} is a reversed range (${low} > ${high}); write ${low}-${top},${def.min}-${high}`);
    }
    whole = low === def.min && high >= def.max;
  } else {
    low = parseValue(def, base, original);
    high = stepText === undefined ? low : def.key === 'dayOfWeek' ? 7 : def.max;
  }

  const added: number[] = [];
  for (let v = low; v <= high; v += step) {
    const value = def.key === 'dayOfWeek' && v === 7 ? 0 : v;
    into.values.add(value);
    added.push(value);
  }
  if (step > 1 && whole) {
    const note = unevenStepNote(def, original, step, added);
    if (note !== null) into.warnings.push(note);
  }
}

function parseValue(def: FieldDef, token: string, original: string): number {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    const top = def.key === 'dayOfWeek' ? 7 : def.max;
    if (value < def.min || value > top) fail(def, `${shown(token)} is out of range ${def.min}-${top}`);
    return value;
  }
  const named = def.names === undefined || !Object.hasOwn(def.names, token) ? undefined : def.names[token];
  if (named !== undefined) return named;
  return fail(def, `${quote(original)} is not allowed; use ${def.allowed}`);
}

/** `L`, `$`, `L-3`, `LW`, `15W`. Returns false when the item is not one of these. */
function parseDayOfMonthSpecial(item: string, original: string, into: FieldResult): boolean {
  if (item === 'L' || item === '$') {
    into.lastDaysOfMonth.push(0);
    return true;
  }
  if (item === 'LW') {
    into.lastWeekdayOfMonth = true;
    return true;
  }
  const back = /^L-(\d+)$/.exec(item);
  if (back !== null) {
    const n = Number(back[1]);
    if (n > 30) fail(DAY_OF_MONTH, `${quote(original)} counts back ${shown(back[1] as string)} days; L-n takes n = 0-30`);
    into.lastDaysOfMonth.push(n);
    return true;
  }
  const nearest = /^(\d+)W$/.exec(item);
  if (nearest !== null) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) fail(DAY_OF_MONTH, `${shown(nearest[1] as string)} in ${quote(original)} is out of range 1-31`);
    into.nearestWeekdays.push(day);
    return true;
  }
  if (/[LW$]/.test(item)) fail(DAY_OF_MONTH, `${quote(original)} is not allowed; use ${DAY_OF_MONTH.allowed}`);
  return false;
}

/** `5L`, `FRIL` (last Friday), `1#2`, `MON#2` (second Monday). */
function parseDayOfWeekSpecial(item: string, original: string, into: FieldResult): boolean {
  if (item === 'L') fail(DAY_OF_WEEK, `"L" needs a weekday before it, e.g. 5L or FRIL for the last Friday`);
  const last = /^([0-7]|[A-Z]{3})L$/.exec(item);
  if (last !== null) {
    into.lastDaysOfWeek.push(parseValue(DAY_OF_WEEK, last[1] as string, original) % 7);
    return true;
  }
  if (item.includes('#')) {
    const nth = /^([0-7]|[A-Z]{3})#(\d+)$/.exec(item);
    if (nth === null) fail(DAY_OF_WEEK, `${quote(original)} is not allowed; n#k takes a weekday and k = 1-5, e.g. 1#2`);
    const weekday = parseValue(DAY_OF_WEEK, nth[1] as string, original) % 7;
    const k = Number(nth[2]);
    if (k < 1 || k > 5) fail(DAY_OF_WEEK, `${shown(nth[2] as string)} in ${quote(original)} is out of range 1-5 (a month has at most 5 of a weekday)`);
    into.nthDaysOfWeek.push([weekday, k]);
    return true;
  }
  return false;
}

/** A note for `*` stepped by a number that does not divide the cycle (`*\/42` minutes). */
function unevenStepNote(def: FieldDef, token: string, step: number, values: number[]): string | null {
  const unique = [...new Set(values)].sort((a, b) => a - b);
  if (def.key === 'dayOfMonth') {
    return `${def.label}: ${quote(token)} starts again on the 1st of each month, so the gap across a month end is not ${step} days`;
  }
  const size = def.max - def.min + 1;
  const first = unique[0] as number;
  const lastValue = unique[unique.length - 1] as number;
  const wrap = size - lastValue + first;
  if (wrap === step) return null;
  const list = unique.length > 6 ? `${unique.slice(0, 3).join(',')},…,${lastValue}` : unique.join(',');
  const gaps = unique.length > 1 ? `${step} and ${wrap}` : `${size}`;
  return `${def.label}: ${quote(token)} means ${def.unit} ${list} of every ${def.cycle}, so runs are ${gaps} ${def.unit} apart: a step starts again every ${def.cycle}`;
}
