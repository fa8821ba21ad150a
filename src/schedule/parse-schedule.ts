// User input → Schedule. Every refusal is a value naming the field, the bad token and what is
// allowed; nothing here throws on user input.
import { err, ok, type Result } from '../result';
import { SECOND } from './civil-time';
import { cronNeverFires } from './cron-match';
import { isoOf, parseInstant } from './instant';
import { describeInterval, mentionsIntervalUnit, parseInterval } from './interval';
import { nextFireMs } from './next-fire';
import { FIELD_COUNTS, parseCron } from './parse-cron';
import { quote, shorten } from './quote';
import { parseRule, renderCron } from './rule';
import { canonicalTimeZone } from './time-zone';
import {
  scheduleError,
  type CronFields,
  type DayMatch,
  type Schedule,
  type ScheduleError,
  type ScheduleInput,
} from './types';

type Base = { timezone: string; start: string | null; end: string | null };
type Source = 'schedule' | 'rule' | 'dates' | 'at';

const SOURCES: readonly Source[] = ['schedule', 'rule', 'dates', 'at'];
const ONE_OF = 'give exactly one of schedule, rule, dates or at';

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const ON_START_MACROS = new Set(['@reboot', '@restart', '@onstart']);
const MACRO_LIST = '@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @reboot, @every <interval> or @after <interval>';

/** The shortest interval an `every` or `after` schedule may have. */
export const MIN_INTERVAL_MS = SECOND;
/** The most instants a `dates` list may hold. */
export const MAX_DATES = 10_000;

const invalid = (field: string, message: string) => err(scheduleError('invalid_schedule', field, message));

/** Parses what a user wrote into a Schedule (plain JSON data). Never throws. */
export function parseSchedule(input: ScheduleInput): Result<Schedule, ScheduleError> {
  if (input === null || typeof input !== 'object') return invalid('schedule', `schedule: ${ONE_OF}`);
  const given = SOURCES.filter((key) => input[key] !== undefined && input[key] !== null);
  if (given.length === 0) return invalid('schedule', `schedule: missing; ${ONE_OF}`);
  if (given.length > 1) {
    const [first, second] = given as [Source, Source];
    return invalid(second, `${second}: cannot be combined with ${first}; ${ONE_OF}`);
  }
  const source = given[0] as Source;

  const zoneText = input.timezone ?? 'UTC';
  const timezone = typeof zoneText === 'string' ? canonicalTimeZone(zoneText) : null;
  if (timezone === null) {
    return err(
      scheduleError(
        'invalid_timezone',
        'timezone',
        `timezone: ${quote(zoneText)} is not a known IANA time zone; use a name such as "UTC", "Europe/Berlin" or "America/New_York"`,
      ),
    );
  }
  if (input.dayMatch !== undefined && input.dayMatch !== 'any' && input.dayMatch !== 'all') {
    return invalid('dayMatch', `dayMatch: ${quote(input.dayMatch)} is not allowed; use "any" (either day field matches) or "all" (both must)`);
  }

  const window = parseWindow(input, timezone);
  if (!window.ok) return window;
  const base: Base = { timezone, ...window.value };

  let parsed: Result<Schedule, ScheduleError>;
  switch (source) {
    case 'schedule':
      parsed = parseText(input.schedule, base, input.dayMatch ?? 'any');
      break;
    case 'rule':
      parsed = parseRuleInput(input.rule, base, input.dayMatch ?? 'all');
      break;
    case 'dates':
      parsed = parseDates(input.dates, base);
      break;
    case 'at':
      parsed = parseAt(input.at, base);
      break;
  }
  if (!parsed.ok) return parsed;
  return checkFires(parsed.value, source);
}

function parseWindow(input: ScheduleInput, timezone: string): Result<{ start: string | null; end: string | null }, ScheduleError> {
  const bounds: { start: number | null; end: number | null } = { start: null, end: null };
  for (const key of ['start', 'end'] as const) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    const t = parseInstant(value, timezone);
    if (!t.ok) return invalid(key, `${key}: ${t.error}`);
    bounds[key] = t.value;
  }
  if (bounds.start !== null && bounds.end !== null && bounds.end < bounds.start) {
    return invalid('end', `end: ${isoOf(bounds.end)} is before start ${isoOf(bounds.start)}`);
  }
  return ok({
    start: bounds.start === null ? null : isoOf(bounds.start),
    end: bounds.end === null ? null : isoOf(bounds.end),
  });
}

function parseText(value: unknown, base: Base, dayMatch: DayMatch): Result<Schedule, ScheduleError> {
  if (typeof value !== 'string') return invalid('schedule', `schedule: must be text such as "*/5 * * * *"`);
  const text = value.trim().replace(/\s+/g, ' ');
  if (text === '') return invalid('schedule', `schedule: is empty; write a cron expression such as "*/5 * * * *", a macro such as @daily, or an interval such as '5 minutes'`);

  if (text.startsWith('@')) {
    const space = text.indexOf(' ');
    const macro = (space < 0 ? text : text.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : text.slice(space + 1);
    const cron = MACROS[macro];
    if (cron !== undefined || ON_START_MACROS.has(macro)) {
      if (rest !== '') return invalid('schedule', `schedule: ${macro} takes nothing after it, got ${quote(rest)} in ${quote(text)}`);
      if (cron === undefined) return ok({ kind: 'on_start', expression: macro, ...base });
      return cronSchedule(cron, macro, base, dayMatch);
    }
    if (macro === '@every' || macro === '@after') {
      const interval = parseInterval(rest, macro);
      if (!interval.ok) return invalid('schedule', interval.error.message);
      const short = tooShort(interval.value, macro, text);
      if (short !== null) return short;
      return ok({ kind: macro === '@every' ? 'every' : 'after', expression: text, intervalMs: interval.value, ...base });
    }
    return invalid('schedule', `schedule: unknown macro ${quote(macro)}; use ${MACRO_LIST}`);
  }

  // Five to seven fields are a cron line (seven: one with Quartz's year), unless the text reads
  // as an interval ('1 day 2 hours 30 minutes') or as prose starting with "every": its error
  // then names the cron field and token, not a missing interval unit.
  const fieldCount = text.split(' ').length;
  if (fieldCount >= 5 && fieldCount <= 7 && !mentionsIntervalUnit(text) && !/^every\s/i.test(text)) {
    const cron = cronSchedule(text, text, base, dayMatch);
    if (cron.ok) return cron;
    const interval = parseInterval(text, 'schedule');
    return interval.ok ? everySchedule(interval.value, text, base) : cron;
  }
  const interval = parseInterval(text, 'schedule');
  if (interval.ok) return everySchedule(interval.value, text, base);
  if (/^[\d.:]/.test(text) && /[a-z]/i.test(text)) return invalid('schedule', interval.error.message);
  if (text.split(' ').every((part) => /^[0-9A-Za-z*?,\-/#$]+$/.test(part)) && !/[a-z]{4,}/i.test(text)) {
    const cron = parseCron(text);
    if (!cron.ok) return invalid('schedule', `schedule: ${cron.error}`);
  }
  const hint = /^every\s/i.test(text) ? `; did you mean ${quote(`@${text}`)}?` : '';
  return invalid(
    'schedule',
    `schedule: ${quote(text)} is not a cron expression (5 or 6 fields), a macro (${MACRO_LIST}) or an interval such as '5 minutes'${hint}`,
  );
}

function tooShort(ms: number, what: string, text: string): Result<never, ScheduleError> | null {
  if (ms >= MIN_INTERVAL_MS) return null;
  return invalid('schedule', `${what}: ${ms === 0 ? 'a zero interval' : describeInterval(ms)} is shorter than 1 second, the shortest a schedule may repeat, in ${quote(text)}`);
}

/** A bare interval: pg_cron's `N seconds` or pg_task's `repeat`, both start to start. */
function everySchedule(ms: number, text: string, base: Base): Result<Schedule, ScheduleError> {
  const short = tooShort(ms, 'schedule', text);
  if (short !== null) return short;
  return ok({ kind: 'every', expression: text, intervalMs: ms, ...base });
}

function cronSchedule(cronText: string, expression: string, base: Base, dayMatch: DayMatch): Result<Schedule, ScheduleError> {
  const parsed = parseCron(cronText);
  // A field's error starts with the field (`minute: …`); a wrong field count is the schedule's.
  if (!parsed.ok) return invalid('schedule', parsed.error.startsWith(FIELD_COUNTS) ? `schedule: ${parsed.error}` : parsed.error);
  return ok({ kind: 'cron', expression, fields: parsed.value.fields, dayMatch, alsoOnStart: false, ...base });
}

function parseRuleInput(value: unknown, base: Base, dayMatch: DayMatch): Result<Schedule, ScheduleError> {
  const rule = parseRule(value);
  if (!rule.ok) return invalid('rule', rule.error);
  const { fields, onStart, crontab } = rule.value;
  if (fields !== null) {
    return ok({ kind: 'cron', expression: renderCron(fields), fields, dayMatch, alsoOnStart: onStart, ...base });
  }
  if (crontab === null) return ok({ kind: 'on_start', expression: '@reboot', ...base });
  const fromText = parseText(crontab, base, dayMatch);
  if (!fromText.ok) return invalid('rule', `rule.crontab: ${fromText.error.message}`);
  const schedule = fromText.value;
  if (onStart && schedule.kind === 'cron') return ok({ ...schedule, alsoOnStart: true });
  return ok(schedule);
}

function parseDates(value: unknown, base: Base): Result<Schedule, ScheduleError> {
  if (!Array.isArray(value) || value.length === 0) {
    return invalid('dates', `dates: must be a non-empty list of date-times such as ["2026-03-29T02:30:00Z"]`);
  }
  if (value.length > MAX_DATES) return invalid('dates', `dates: has ${value.length} entries; at most ${MAX_DATES} are allowed`);
  const instants: number[] = [];
  for (const [i, item] of value.entries()) {
    const t = parseInstant(item, base.timezone);
    if (!t.ok) return invalid('dates', `dates[${i}]: ${t.error}`);
    instants.push(t.value);
  }
  const dates = [...new Set(instants)].sort((a, b) => a - b).map(isoOf);
  return ok({ kind: 'dates', expression: `${dates.length} date${dates.length === 1 ? '' : 's'}`, dates, ...base });
}

function parseAt(value: unknown, base: Base): Result<Schedule, ScheduleError> {
  const t = parseInstant(value, base.timezone);
  if (!t.ok) return invalid('at', `at: ${t.error}`);
  const at = isoOf(t.value);
  return ok({ kind: 'once', expression: at, at, ...base });
}

/** Refuses schedules that can never fire: impossible dates, or nothing inside the window. */
function checkFires(schedule: Schedule, source: Source): Result<Schedule, ScheduleError> {
  if (schedule.kind === 'cron' && cronNeverFires(schedule.fields, schedule.dayMatch)) {
    return err(scheduleError('never_fires', source, `${source}: ${quote(schedule.expression)} can never fire: ${impossibleDays(schedule.expression, schedule.fields, schedule.dayMatch)}`));
  }
  const kindsWithFixedTimes = schedule.kind === 'cron' || schedule.kind === 'dates' || schedule.kind === 'once';
  if (!kindsWithFixedTimes) return ok(schedule);
  const from = schedule.start === null ? (schedule.kind === 'cron' ? null : -Infinity) : Date.parse(schedule.start) - 1;
  if (from === null) return ok(schedule);
  if (nextFireMs(schedule, from, {}) === null) {
    const window = `${schedule.start ?? 'the beginning of time'} and ${schedule.end ?? 'the end of time'}`;
    return err(scheduleError('never_fires', source, `${source}: ${quote(schedule.expression)} never fires between ${window}`));
  }
  return ok(schedule);
}

function impossibleDays(expression: string, fields: CronFields, dayMatch: DayMatch): string {
  const [dom, month, dow] = expression.split(' ').slice(-3).map((field) => shorten(field));
  const weekday = dayMatch === 'all' && fields.dayOfWeekRestricted ? ` that is also day-of-week ${dow}` : '';
  return `no date has day-of-month ${dom} in month ${month}${weekday}`;
}
