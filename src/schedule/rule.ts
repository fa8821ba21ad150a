// pgpro_scheduler's JSON `rule`: { minutes, hours, days, months, wdays, onstart }. A missing
// field means every value; all given fields must match (pgpro ANDs day-of-month and
// day-of-week); granularity is the minute. pgpro also stores the original text as `crontab`:
// it is read when the rule has no time fields, and ignored otherwise (pgpro writes both).
import { err, ok, type Result } from '../result';
import { quote } from './quote';
import type { CronFields } from './types';

export interface ParsedRule {
  /** null: the rule only says `onstart`. */
  fields: CronFields | null;
  onStart: boolean;
  /** The rule's `crontab` text when it has no time fields. */
  crontab: string | null;
}

const KEYS = ['minutes', 'hours', 'days', 'months', 'wdays', 'onstart', 'crontab'] as const;
const RANGES = {
  minutes: [0, 59],
  hours: [0, 23],
  days: [1, 31],
  months: [1, 12],
  wdays: [0, 7],
} as const;
type TimeKey = keyof typeof RANGES;

const range = (low: number, high: number): number[] => Array.from({ length: high - low + 1 }, (_, i) => low + i);

/** Reads a rule object; the error text starts with the offending key (`rule.hours: …`). */
export function parseRule(rule: unknown): Result<ParsedRule, string> {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
    return err('rule: must be an object such as {"minutes": [0], "hours": [9], "wdays": [1, 2, 3, 4, 5]}');
  }
  const record = rule as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((k) => quote(k)).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
    return err(`rule: unknown key${unknown.length > 1 ? 's' : ''} ${shown}; allowed keys are ${KEYS.join(', ')}`);
  }
  const values: Partial<Record<TimeKey, number[]>> = {};
  for (const key of Object.keys(RANGES) as TimeKey[]) {
    if (record[key] === undefined || record[key] === null) continue;
    const parsed = parseList(key, record[key]);
    if (!parsed.ok) return parsed;
    values[key] = parsed.value;
  }
  const onstart = record.onstart;
  if (onstart !== undefined && onstart !== null && ![0, 1, true, false].includes(onstart as number | boolean)) {
    return err(`rule.onstart: ${quote(onstart)} is not allowed; use 1 (run when the scheduler starts) or 0`);
  }
  const onStart = onstart === 1 || onstart === true;
  const crontab = record.crontab;
  if (crontab !== undefined && crontab !== null && typeof crontab !== 'string') {
    return err(`rule.crontab: must be text such as "0 9 * * 1-5"`);
  }
  if (Object.keys(values).length === 0) {
    if (typeof crontab === 'string' && crontab.trim() !== '') return ok({ fields: null, onStart, crontab });
    if (onStart) return ok({ fields: null, onStart, crontab: null });
    return err('rule: has no schedule; give minutes, hours, days, months, wdays or onstart');
  }
  const days = values.days ?? range(1, 31);
  const wdays = values.wdays ?? range(0, 6);
  return ok({
    fields: {
      seconds: [0],
      minutes: values.minutes ?? range(0, 59),
      hours: values.hours ?? range(0, 23),
      daysOfMonth: days,
      lastDaysOfMonth: [],
      nearestWeekdays: [],
      lastWeekdayOfMonth: false,
      months: values.months ?? range(1, 12),
      daysOfWeek: [...new Set(wdays.map((d) => d % 7))].sort((a, b) => a - b),
      lastDaysOfWeek: [],
      nthDaysOfWeek: [],
      dayOfMonthRestricted: values.days !== undefined,
      dayOfWeekRestricted: values.wdays !== undefined,
    },
    onStart,
    crontab: null,
  });
}

function parseList(key: TimeKey, value: unknown): Result<number[], string> {
  const list = Array.isArray(value) ? value : [value];
  const [low, high] = RANGES[key];
  if (list.length === 0) return err(`rule.${key}: is empty; leave the key out to mean every value`);
  for (const item of list) {
    if (typeof item !== 'number' || !Number.isInteger(item)) {
      return err(`rule.${key}: ${quote(item)} is not a whole number ${low}-${high}`);
    }
    if (item < low || item > high) return err(`rule.${key}: ${item} is out of range ${low}-${high}`);
  }
  return ok([...new Set(list as number[])].sort((a, b) => a - b));
}

/** The cron text of rule fields, for display: lists compressed to ranges (`0 9 * * 1-5`). */
export function renderCron(fields: CronFields): string {
  const part = (values: number[], low: number, high: number, restricted = true): string => {
    if (!restricted || values.length === high - low + 1) return '*';
    const out: string[] = [];
    for (let i = 0; i < values.length; ) {
      let j = i;
      while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
      out.push(j - i >= 2 ? `${values[i]}-${values[j]}` : values.slice(i, j + 1).join(','));
      i = j + 1;
    }
    return out.join(',');
  };
  return [
    part(fields.minutes, 0, 59),
    part(fields.hours, 0, 23),
    part(fields.daysOfMonth, 1, 31, fields.dayOfMonthRestricted),
    part(fields.months, 1, 12),
    part(fields.daysOfWeek, 0, 6, fields.dayOfWeekRestricted),
  ].join(' ');
}
