// The next fires of a schedule, in UTC and in its zone, with notes on anything surprising:
// what `GET jobs` and the docs show, and how a user checks a schedule before saving it.
import { err, ok, type Result } from '../result';
import { LATEST_INSTANT, MAX_YEAR, formatOffset, formatUtc, formatWall } from './civil-time';
import { wallMatches } from './cron-match';
import { compiledCron } from './cron-next';
import { describeInterval } from './interval';
import { everyAnchor, nextFireMs } from './next-fire';
import { parseCron } from './parse-cron';
import { parseSchedule } from './parse-schedule';
import { formatLocal, offsetBefore, offsetSpanAt, resolveWall } from './time-zone';
import type { CronSchedule, FireContext, Schedule, ScheduleError, ScheduleInput } from './types';

export const MAX_PREVIEW_COUNT = 1000;
/** A preview looks 100 years ahead at most: enough for any schedule, and bounded work for the API. */
export const PREVIEW_YEARS = 100;
const PREVIEW_HORIZON_MS = PREVIEW_YEARS * 365.2425 * 24 * 3600 * 1000;
const MAX_WARNINGS = 20;

export interface SchedulePreview {
  /** Fire instants strictly after `from`, ISO 8601 UTC. */
  fires: string[];
  /** The same instants with the zone's offset: `2026-03-29T03:30:00+02:00`. */
  local: string[];
  warnings: string[];
}

/**
 * Parses `input` and lists its next `count` fires (at most 1000) strictly after `from`.
 * `every` previews are anchored at ctx.anchor ?? start ?? from; `after` previews assume each run
 * takes no time. Never throws on user input.
 */
export function previewSchedule(
  input: ScheduleInput,
  from: Date,
  count: number,
  ctx: FireContext = {},
): Result<SchedulePreview, ScheduleError> {
  const parsed = parseSchedule(input);
  if (!parsed.ok) return err(parsed.error);
  const schedule = parsed.value;
  const limit = Math.min(MAX_PREVIEW_COUNT, Math.max(0, Math.floor(Number.isFinite(count) ? count : 0)));
  const fires = firesOf(schedule, from.getTime(), limit, ctx);
  return ok({
    fires: fires.map(formatUtc),
    local: fires.map((t) => formatLocal(schedule.timezone, t)),
    warnings: warningsFor(schedule, from.getTime(), fires, limit, ctx),
  });
}

/** The first `count` fires strictly after `from`, within PREVIEW_YEARS of it. */
export function firesOf(schedule: Schedule, from: number, count: number, ctx: FireContext = {}): number[] {
  const fires: number[] = [];
  const until = from + PREVIEW_HORIZON_MS;
  if (schedule.kind === 'every') ctx = { anchor: new Date(everyAnchor(schedule, from, ctx)) };
  let after = from;
  while (fires.length < count) {
    let t = nextFireMs(schedule, after, ctx, until);
    if (schedule.kind === 'after') {
      // The run is assumed to take no time: it ends where it starts.
      if (t !== null && t <= after) t = nextFireMs(schedule, after, { lastEnd: new Date(after) }, until);
      ctx = { lastEnd: new Date(t ?? after) };
    }
    if (t === null) break;
    fires.push(t);
    after = t;
  }
  return fires;
}

function warningsFor(schedule: Schedule, from: number, fires: number[], count: number, ctx: FireContext): string[] {
  const warnings: string[] = [];
  switch (schedule.kind) {
    case 'cron':
      warnings.push(...cronWarnings(schedule), ...clockChangeWarnings(schedule, fires));
      break;
    case 'every':
      warnings.push(
        `runs every ${describeInterval(schedule.intervalMs)} from start to start, anchored at ${formatUtc(everyAnchor(schedule, from, ctx))} (the job's first start); the preview assumes each run starts on time`,
      );
      break;
    case 'after':
      warnings.push(
        `runs ${describeInterval(schedule.intervalMs)} after the previous run ends; the preview assumes each run takes no time`,
      );
      break;
    case 'on_start':
      warnings.push('runs once when the scheduler starts serving the database (@reboot); it has no clock times to preview');
      break;
    case 'dates':
    case 'once':
      break;
  }
  if (schedule.kind !== 'on_start' && fires.length < count) warnings.push(fewerFires(schedule, from, fires.length));
  if (warnings.length > MAX_WARNINGS) {
    return [...warnings.slice(0, MAX_WARNINGS), `… and ${warnings.length - MAX_WARNINGS} more notes`];
  }
  return warnings;
}

/** Why the preview has fewer fires than asked: the window ended, year 9999, or 100 years. */
function fewerFires(schedule: Schedule, from: number, n: number): string {
  const fires = `fires ${n === 0 ? 'no more' : `only ${n}`} time${n === 1 ? '' : 's'}`;
  const horizon = from + PREVIEW_HORIZON_MS;
  const end = schedule.end === null ? Infinity : Date.parse(schedule.end);
  const start = schedule.start === null ? -Infinity : Date.parse(schedule.start);
  if (end <= from) return `${fires}: the validity window ended at ${schedule.end}, before ${formatUtc(from)}`;
  if (end < horizon && end <= LATEST_INSTANT) return `${fires} before the validity window ends at ${schedule.end}`;
  if (start > horizon) return `does not fire in the ${PREVIEW_YEARS} years after ${formatUtc(from)}: the validity window starts at ${schedule.start}`;
  if (horizon > LATEST_INSTANT) return `${fires} before the end of ${MAX_YEAR}, the latest time a schedule reaches`;
  return `${fires} in the ${PREVIEW_YEARS} years after ${formatUtc(from)}`;
}

function cronWarnings(schedule: CronSchedule): string[] {
  const warnings: string[] = [];
  const text = schedule.expression;
  const parsed = text.startsWith('@') ? null : parseCron(text);
  if (parsed?.ok) warnings.push(...parsed.value.warnings);
  const f = schedule.fields;
  if (schedule.dayMatch === 'any') {
    if (f.dayOfMonthRestricted && f.dayOfWeekRestricted) {
      warnings.push(
        'day-of-month and day-of-week are both restricted, so a day matching either one fires (Vixie cron, pg_cron); set dayMatch to "all" to require both (pgpro_scheduler, pg_timetable)',
      );
    } else if (f.dayOfWeekRestricted && f.daysOfMonth.length < 31 && f.lastDaysOfMonth.length === 0) {
      warnings.push(
        'day-of-month starts with "*", so as in Vixie cron and pg_cron it does not widen day-of-week: a day must match both',
      );
    } else if (f.dayOfMonthRestricted && f.daysOfWeek.length < 7) {
      warnings.push(
        'day-of-week starts with "*", so as in Vixie cron and pg_cron it does not widen day-of-month: a day must match both',
      );
    }
  }
  if (schedule.alsoOnStart) warnings.push('also runs once when the scheduler starts serving the database (rule onstart)');
  return warnings;
}

const clockText = (wall: number): string => {
  const text = formatWall(wall);
  const time = text.slice(text.indexOf('T') + 1);
  return time.endsWith(':00') ? time.slice(0, 5) : time.slice(0, 8);
};
const dateText = (wall: number): string => {
  const text = formatWall(wall);
  return text.slice(0, text.indexOf('T'));
};
/** The clock time of `wall`, with its date when that is not the date of `sameDay`. */
const clockOn = (wall: number, sameDay: number): string =>
  dateText(wall) === dateText(sameDay) ? clockText(wall) : `${dateText(wall)} ${clockText(wall)}`;

/** Notes on fires that a clock change moved (skipped wall time) or that fall in a repeated hour. */
function clockChangeWarnings(schedule: CronSchedule, fires: number[]): string[] {
  const zone = schedule.timezone;
  const c = compiledCron(schedule);
  const notes = new Set<string>();
  for (const t of fires) {
    const span = offsetSpanAt(zone, t);
    const wall = t + span.offset;
    if (!wallMatches(c, wall)) {
      const previous = offsetBefore(zone, span.start);
      const intended = t + previous;
      // A jump can cross a date (Pacific/Apia skipped 2011-12-30): then the times say their dates.
      notes.add(
        `${dateText(intended)} ${clockText(intended)} does not exist in ${zone} (the clocks jump forward ${describeInterval(span.offset - previous)} at ${clockOn(span.start + previous, intended)}), so it fires at ${clockOn(wall, intended)} (${formatOffset(span.offset)})`,
      );
      continue;
    }
    const resolution = resolveWall(zone, wall);
    if (resolution.kind !== 'overlap') continue;
    const firstOffset = wall - resolution.instant;
    const back = describeInterval(firstOffset - (wall - resolution.second));
    notes.add(
      c.allHours
        ? `${dateText(wall)}: the clocks go back ${back} in ${zone}; the hour field covers all 24 hours, so the schedule follows real time and fires in both occurrences of the repeated times`
        : `${dateText(wall)} ${clockText(wall)} occurs twice in ${zone} (the clocks go back ${back}); it fires once, at the first (${formatOffset(firstOffset)})`,
    );
  }
  return [...notes];
}
