import { describe, expect, it } from 'vitest';
import { parseInterval } from '../../../src/schedule';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseInterval', () => {
  it.each([
    ['5 min', 5 * MIN],
    ['5 minutes', 5 * MIN],
    ['1 hour 30 minutes', 90 * MIN],
    ['1h30m', 90 * MIN],
    ['00:00:30', 30_000],
    ['02:00', 2 * HOUR],
    ['1:30', 90 * MIN],
    ['00:00:00.250', 250],
    ['2 days', 2 * DAY],
    ['1 day 02:00:00', DAY + 2 * HOUR],
    ['1 week', 7 * DAY],
    ['1.5 hours', 90 * MIN],
    ['30 seconds', 30_000],
    ['1 sec', 1000],
    ['250 ms', 250],
    ['1500 microseconds', 2],
    ['@ 2 hours', 2 * HOUR],
    ['  3 Hours  ', 3 * HOUR],
    ['PT5M', 5 * MIN],
    ['P1DT2H', DAY + 2 * HOUR],
    ['PT0.5S', 500],
    ['P2W', 14 * DAY],
    ['0 seconds', 0],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseInterval(text)).toEqual({ ok: true, value: ms });
  });

  it.each([
    ['', 'interval: is empty; write an interval such as \'5 minutes\' or \'00:05:00\' in ""'],
    ['30', 'interval: "30" has no unit; write e.g. \'30 seconds\' in "30"'],
    ['5 lightyears', 'interval: "lightyears" is not a unit; use microseconds, milliseconds, seconds, minutes, hours, days or weeks in "5 lightyears"'],
    ['1 month', 'interval: "month" has no fixed length; use days or weeks, or a cron expression such as \'0 0 1 * *\' for monthly in "1 month"'],
    ['2 years', 'interval: "years" has no fixed length; use days or weeks, or a cron expression such as \'0 0 1 * *\' for monthly in "2 years"'],
    ['P1M', 'interval: years and months have no fixed length; use days or weeks, or a cron expression such as \'0 0 1 * *\' for monthly in "P1M"'],
    ['-5 minutes', 'interval: is negative; an interval here must be zero or more in "-5 minutes"'],
    ['5 minutes ago', 'interval: is negative; an interval here must be zero or more in "5 minutes ago"'],
    ['1 hour 2 hours', 'interval: hours are given twice in "1 hour 2 hours"'],
    ['00:61:00', 'interval: "00:61:00" is not a valid clock time (minutes and seconds are 0-59) in "00:61:00"'],
    ['PT', 'interval: is not an ISO 8601 duration like PT5M or P1DT2H in "PT"'],
    ['40000 days', 'interval: is longer than 100 years in "40000 days"'],
  ])('refuses %j', (text, message) => {
    expect(parseInterval(text)).toEqual({ ok: false, error: { code: 'invalid_schedule', field: 'interval', message } });
  });

  it('names the field it was given in its errors', () => {
    const r = parseInterval('soon', 'max_run_time');
    expect(r.ok ? null : r.error).toEqual({
      code: 'invalid_schedule',
      field: 'max_run_time',
      message: 'max_run_time: "soon" is not a number followed by a unit (microseconds, milliseconds, seconds, minutes, hours, days or weeks) in "soon"',
    });
  });
});
