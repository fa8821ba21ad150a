import { describe, expect, it } from 'vitest';
import { parseSchedule, type Schedule, type ScheduleInput } from '../../../src/schedule';

function parsed(input: ScheduleInput): Schedule {
  const r = parseSchedule(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const error = (input: ScheduleInput) => {
  const r = parseSchedule(input);
  return r.ok ? null : r.error;
};

describe('parseSchedule: which kind', () => {
  it.each([
    ['*/5 * * * *', 'cron'],
    ['*/5 * * * * *', 'cron'],
    ['@daily', 'cron'],
    ['@reboot', 'on_start'],
    ['@restart', 'on_start'],
    ['30 seconds', 'every'],
    ['5 min', 'every'],
    ['00:00:30', 'every'],
    ['@every 1 hour 30 minutes', 'every'],
    ['@after 10 minutes', 'after'],
    ['1 h 2 m 3 s', 'every'],
  ])('%s is %s', (schedule, kind) => {
    expect(parsed({ schedule }).kind).toBe(kind);
  });

  it('reads pg_cron seconds and pg_task repeat as start-to-start intervals', () => {
    expect(parsed({ schedule: '30 seconds' })).toMatchObject({ kind: 'every', intervalMs: 30_000, expression: '30 seconds' });
    expect(parsed({ schedule: '1 day 02:00:00' })).toMatchObject({ kind: 'every', intervalMs: 26 * 3_600_000 });
  });

  it('is plain JSON data that survives a round trip', () => {
    const schedule = parsed({ schedule: '0 9 * * 1-5', timezone: 'Europe/Berlin', start: new Date('2026-01-01T00:00:00Z') });
    expect(JSON.parse(JSON.stringify(schedule))).toEqual(schedule);
    expect(schedule).toMatchObject({ kind: 'cron', timezone: 'Europe/Berlin', start: '2026-01-01T00:00:00Z', end: null, dayMatch: 'any' });
  });

  it('defaults the time zone to UTC and stores its canonical spelling', () => {
    expect(parsed({ schedule: '@daily' }).timezone).toBe('UTC');
    expect(parsed({ schedule: '@daily', timezone: 'europe/berlin' }).timezone).toBe('Europe/Berlin');
  });
});

describe('parseSchedule: pgpro rule', () => {
  it('compiles time fields into a cron schedule that needs both day fields', () => {
    const s = parsed({ rule: { minutes: [0, 30], hours: [9], wdays: [1, 2, 3, 4, 5] } });
    expect(s).toMatchObject({ kind: 'cron', expression: '0,30 9 * * 1-5', dayMatch: 'all', alsoOnStart: false });
  });

  it('makes onstart alone an on_start schedule, and onstart with fields a cron schedule that also runs on start', () => {
    expect(parsed({ rule: { onstart: 1 } }).kind).toBe('on_start');
    expect(parsed({ rule: { hours: [3], minutes: [0], onstart: 1 } })).toMatchObject({ kind: 'cron', alsoOnStart: true });
  });

  it('reads the crontab pgpro stores when the rule has no time fields', () => {
    expect(parsed({ rule: { crontab: '0 9 1 * 1' } })).toMatchObject({ kind: 'cron', dayMatch: 'all' });
    expect(parsed({ rule: { crontab: '@reboot', onstart: 1 } }).kind).toBe('on_start');
  });

  it.each([
    [{ hours: [24] }, 'rule.hours: 24 is out of range 0-23'],
    [{ minutes: ['5'] }, 'rule.minutes: "5" is not a whole number 0-59'],
    [{ days: [] }, 'rule.days: is empty; leave the key out to mean every value'],
    [{ hours: [1], cron: '* * * * *' }, 'rule: unknown key "cron"; allowed keys are minutes, hours, days, months, wdays, onstart, crontab'],
    [{}, 'rule: has no schedule; give minutes, hours, days, months, wdays or onstart'],
    [{ onstart: 'yes' }, 'rule.onstart: "yes" is not allowed; use 1 (run when the scheduler starts) or 0'],
    [[1, 2], 'rule: must be an object such as {"minutes": [0], "hours": [9], "wdays": [1, 2, 3, 4, 5]}'],
  ])('refuses %j', (rule, message) => {
    expect(error({ rule })).toEqual({ code: 'invalid_schedule', field: 'rule', message });
  });
});

describe('parseSchedule: dates and one-shot instants', () => {
  it('sorts dates, drops duplicates and reads times without an offset in the time zone', () => {
    const s = parsed({
      dates: ['2026-05-01T12:00:00+02:00', '2026-04-01 09:00', new Date('2026-05-01T10:00:00Z')],
      timezone: 'Europe/Berlin',
    });
    expect(s).toMatchObject({ kind: 'dates', dates: ['2026-04-01T07:00:00Z', '2026-05-01T10:00:00Z'] });
  });

  it('moves a local one-shot time that does not exist forward by the jump', () => {
    expect(parsed({ at: '2026-03-29T02:30', timezone: 'Europe/Berlin' })).toMatchObject({ kind: 'once', at: '2026-03-29T01:30:00Z' });
  });

  it.each([
    [{ dates: [] }, 'dates', 'dates: must be a non-empty list of date-times such as ["2026-03-29T02:30:00Z"]'],
    [{ dates: ['2026-02-30T10:00:00Z'] }, 'dates', 'dates[0]: "2026-02-30T10:00:00Z" is not a calendar date'],
    [{ at: 'tomorrow' }, 'at', 'at: "tomorrow" is not an ISO 8601 date-time such as 2026-03-29T02:30:00Z (without an offset: a wall time in the time zone)'],
    [{ at: '2026-01-01T25:00:00Z' }, 'at', 'at: "2026-01-01T25:00:00Z" is not a time of day (00:00:00-23:59:59)'],
    [
      { at: '9999-12-31T23:30:00-05:00' },
      'at',
      'at: "9999-12-31T23:30:00-05:00" is +010000-01-01T04:30:00Z in UTC, which is after 9999-12-31T23:59:59.999Z, the latest instant a schedule may use',
    ],
    [
      { at: '9999-12-31T23:30', timezone: 'America/New_York' },
      'at',
      'at: "9999-12-31T23:30" is +010000-01-01T04:30:00Z in UTC, which is after 9999-12-31T23:59:59.999Z, the latest instant a schedule may use',
    ],
    [
      { dates: ['0001-01-01T00:00:00+05:00'] },
      'dates',
      'dates[0]: "0001-01-01T00:00:00+05:00" is 0000-12-31T19:00:00Z in UTC, which is before 0001-01-01T00:00:00Z, the earliest instant a schedule may use',
    ],
    [{ at: new Date('+010000-01-01T00:00:00Z') }, 'at', 'at: +010000-01-01T00:00:00Z is after 9999-12-31T23:59:59.999Z, the latest instant a schedule may use'],
    [
      { schedule: '@daily', end: '9999-12-31T23:00:00-02:00' },
      'end',
      'end: "9999-12-31T23:00:00-02:00" is +010000-01-01T01:00:00Z in UTC, which is after 9999-12-31T23:59:59.999Z, the latest instant a schedule may use',
    ],
  ])('refuses %j', (input, field, message) => {
    expect(error(input)).toEqual({ code: 'invalid_schedule', field, message });
  });

  it('accepts the last instant of 9999 and the first of year 1', () => {
    expect(parsed({ at: '9999-12-31T23:59:59.999Z' })).toMatchObject({ at: '9999-12-31T23:59:59.999Z' });
    expect(parsed({ at: '0001-01-01T00:00:00Z', start: '0001-01-01T00:00:00Z' })).toMatchObject({ at: '0001-01-01T00:00:00Z' });
  });
});

describe('parseSchedule: refusals', () => {
  it('wants exactly one of schedule, rule, dates and at', () => {
    expect(error({})).toEqual({ code: 'invalid_schedule', field: 'schedule', message: 'schedule: missing; give exactly one of schedule, rule, dates or at' });
    expect(error({ schedule: '@daily', at: '2026-01-01T00:00:00Z' })).toEqual({
      code: 'invalid_schedule',
      field: 'at',
      message: 'at: cannot be combined with schedule; give exactly one of schedule, rule, dates or at',
    });
  });

  it('refuses an unknown time zone by name', () => {
    expect(error({ schedule: '@daily', timezone: 'Europe/Atlantis' })).toEqual({
      code: 'invalid_timezone',
      field: 'timezone',
      message: 'timezone: "Europe/Atlantis" is not a known IANA time zone; use a name such as "UTC", "Europe/Berlin" or "America/New_York"',
    });
  });

  it.each([
    ['@fortnightly', 'schedule: unknown macro "@fortnightly"; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @reboot, @every <interval> or @after <interval>'],
    ['@daily 5', 'schedule: @daily takes nothing after it, got "5" in "@daily 5"'],
    ['@every 500 ms', '@every: 500 milliseconds is shorter than 1 second, the shortest a schedule may repeat, in "@every 500 ms"'],
    ['0 seconds', 'schedule: a zero interval is shorter than 1 second, the shortest a schedule may repeat, in "0 seconds"'],
    ['@every 1 month', '@every: "month" has no fixed length; use days or weeks, or a cron expression such as \'0 0 1 * *\' for monthly in "1 month"'],
    ['', 'schedule: is empty; write a cron expression such as "*/5 * * * *", a macro such as @daily, or an interval such as \'5 minutes\''],
    ['every 5 minutes', 'schedule: "every 5 minutes" is not a cron expression (5 or 6 fields), a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @reboot, @every <interval> or @after <interval>) or an interval such as \'5 minutes\'; did you mean "@every 5 minutes"?'],
  ])('refuses schedule %j', (schedule, message) => {
    expect(error({ schedule })).toEqual({ code: 'invalid_schedule', field: 'schedule', message });
  });

  it('refuses a window that ends before it starts', () => {
    expect(error({ schedule: '@daily', start: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z' })).toEqual({
      code: 'invalid_schedule',
      field: 'end',
      message: 'end: 2026-01-01T00:00:00Z is before start 2026-02-01T00:00:00Z',
    });
  });

  it('refuses a schedule that never fires inside its window', () => {
    expect(error({ schedule: '0 0 1 2 *', start: '2026-03-01T00:00:00Z', end: '2026-12-31T00:00:00Z' })).toEqual({
      code: 'never_fires',
      field: 'schedule',
      message: 'schedule: "0 0 1 2 *" never fires between 2026-03-01T00:00:00Z and 2026-12-31T00:00:00Z',
    });
    expect(error({ at: '2026-01-01T00:00:00Z', start: '2026-02-01T00:00:00Z' })?.code).toBe('never_fires');
    expect(error({ dates: ['2026-01-01T00:00:00Z'], end: '2025-12-31T00:00:00Z' })?.code).toBe('never_fires');
  });

  it('refuses an unknown dayMatch', () => {
    expect(error({ schedule: '@daily', dayMatch: 'some' as 'any' })?.field).toBe('dayMatch');
  });

  it('reads text with as many fields as a cron line as an interval when it has units', () => {
    expect(parsed({ schedule: '1 day 2 hours 30 minutes' })).toMatchObject({ kind: 'every', intervalMs: 26.5 * 3_600_000 });
    expect(parsed({ schedule: '2w 3d 4h 5m 6s' })).toMatchObject({ kind: 'every' });
    expect(error({ schedule: '1 month 2 days 3 hours' })?.message).toBe(
      `schedule: "month" has no fixed length; use days or weeks, or a cron expression such as '0 0 1 * *' for monthly in "1 month 2 days 3 hours"`,
    );
    expect(error({ schedule: '1 hour 30 minutes 10 seconds ago' })?.message).toBe(
      'schedule: is negative; an interval here must be zero or more in "1 hour 30 minutes 10 seconds ago"',
    );
    // cron's MON and 15W are not months and weeks
    expect(parsed({ schedule: '0 0 1 1 MON' }).kind).toBe('cron');
    expect(parsed({ schedule: '0 0 15W,1W * *' }).kind).toBe('cron');
  });

  it('gives prose starting with "every" the @every hint, whatever its length', () => {
    expect(error({ schedule: 'every 5 minutes on the hour' })?.message).toMatch(/; did you mean "@every 5 minutes on the hour"\?$/);
  });

  it.each([
    ['schedule', { schedule: '61,'.repeat(5000) + '1 * * * *' }, `minute: 61 is out of range 0-59 in "${'61,'.repeat(33)}6…"`],
    ['schedule', { schedule: 'x'.repeat(10_000) }, `schedule: "${'x'.repeat(100)}…" is not a cron expression`],
    ['schedule', { schedule: '1'.repeat(10_000) }, `in "${'1'.repeat(100)}…"`],
    ['schedule', { schedule: `@every ${'x'.repeat(10_000)}` }, `@every: "${'x'.repeat(100)}…" is not a number followed by a unit`],
    ['schedule', { schedule: `@${'x'.repeat(10_000)}` }, `schedule: unknown macro "@${'x'.repeat(99)}…"`],
    ['schedule', { schedule: `0 0 ${'30,'.repeat(3000)}30 2 *` }, `schedule: "0 0 ${'30,'.repeat(32)}…" can never fire`],
    ['timezone', { schedule: '@daily', timezone: 'x'.repeat(10_000) }, `timezone: "${'x'.repeat(100)}…" is not a known IANA time zone`],
    ['at', { at: '2'.repeat(10_000) }, `at: "${'2'.repeat(100)}…" is not an ISO 8601 date-time`],
    ['rule', { rule: { ['k'.repeat(10_000)]: 1 } }, `rule: unknown key "${'k'.repeat(100)}…"`],
    ['rule', { rule: { hours: ['h'.repeat(10_000)] } }, `rule.hours: "${'h'.repeat(100)}…" is not a whole number 0-23`],
    // cut before a surrogate pair, never through it
    ['schedule', { schedule: `a${'😀'.repeat(60)} * * * *` }, `minute: "a${'😀'.repeat(49)}…" is not allowed`],
  ])('quotes at most 100 characters of a long %s in its message', (_field, input, start) => {
    const message = error(input as ScheduleInput)?.message ?? '';
    expect(message.startsWith(start) || message.includes(start)).toBe(true);
    expect(message.length).toBeLessThan(400);
  });

  it('never throws on input of the wrong type', () => {
    const inputs: unknown[] = [null, 5, 'x', { schedule: 5 }, { rule: 'x' }, { dates: {} }, { at: 7 }, { schedule: '@daily', timezone: 5 }, { schedule: '@daily', start: {} }];
    for (const input of inputs) expect(parseSchedule(input as ScheduleInput).ok).toBe(false);
  });
});
