import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../src/schedule';
import { parseCron } from '../../../src/schedule/parse-cron';

function fieldsOf(text: string) {
  const r = parseCron(text);
  if (!r.ok) throw new Error(r.error);
  return r.value.fields;
}

describe('cron syntax', () => {
  it.each([
    ['*/15 * * * *', 'minutes', [0, 15, 30, 45]],
    ['*/7 * * * *', 'minutes', [0, 7, 14, 21, 28, 35, 42, 49, 56]],
    ['5/20 * * * *', 'minutes', [5, 25, 45]],
    ['10-30/10 * * * *', 'minutes', [10, 20, 30]],
    ['1,2,5-7 * * * *', 'minutes', [1, 2, 5, 6, 7]],
    ['0 9-17/4 * * *', 'hours', [9, 13, 17]],
    ['0 0 * JAN,jul,Dec *', 'months', [1, 7, 12]],
    ['0 0 * mar-may *', 'months', [3, 4, 5]],
    ['0 0 * * 7', 'daysOfWeek', [0]],
    ['0 0 * * 0', 'daysOfWeek', [0]],
    ['0 0 * * 5-7', 'daysOfWeek', [0, 5, 6]],
    ['0 0 * * MON-FRI', 'daysOfWeek', [1, 2, 3, 4, 5]],
    ['0 0 * * sat,SUN', 'daysOfWeek', [0, 6]],
    ['0 0 * * 1-7/2', 'daysOfWeek', [0, 1, 3, 5]],
    ['30 */20 * * * *', 'seconds', [30]],
    ['30 */20 * * * *', 'minutes', [0, 20, 40]],
  ])('%s expands %s to %j', (text, key, values) => {
    expect(fieldsOf(text)[key as 'minutes']).toEqual(values);
  });

  it('gives 5-field expressions a seconds field of 0', () => {
    expect(fieldsOf('* * * * *').seconds).toEqual([0]);
  });

  it('reads L and $ as the last day of the month, L-3 as three days before it', () => {
    expect(fieldsOf('0 0 L * *').lastDaysOfMonth).toEqual([0]);
    expect(fieldsOf('0 0 $ * *').lastDaysOfMonth).toEqual([0]);
    expect(fieldsOf('0 0 1,L-3 * *')).toMatchObject({ daysOfMonth: [1], lastDaysOfMonth: [3] });
  });

  it('reads 5L and FRIL as the last Friday, 1#2 and MON#2 as the second Monday', () => {
    expect(fieldsOf('0 0 * * 5L').lastDaysOfWeek).toEqual([5]);
    expect(fieldsOf('0 0 * * friL').lastDaysOfWeek).toEqual([5]);
    expect(fieldsOf('0 0 * * 1#2').nthDaysOfWeek).toEqual([[1, 2]]);
    expect(fieldsOf('0 0 * * MON#2,7#1').nthDaysOfWeek).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('reads 15W and LW as nearest and last weekdays', () => {
    expect(fieldsOf('0 0 15W * *').nearestWeekdays).toEqual([15]);
    expect(fieldsOf('0 0 LW * *').lastWeekdayOfMonth).toBe(true);
  });

  it('treats a day field starting with * or ? as unrestricted, as Vixie cron does', () => {
    expect(fieldsOf('0 0 * * 1')).toMatchObject({ dayOfMonthRestricted: false, dayOfWeekRestricted: true });
    expect(fieldsOf('0 0 */2 * 1')).toMatchObject({ dayOfMonthRestricted: false, daysOfMonth: [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] });
    expect(fieldsOf('0 0 ? * 1')).toMatchObject({ dayOfMonthRestricted: false, daysOfMonth: Array.from({ length: 31 }, (_, i) => i + 1) });
    expect(fieldsOf('0 0 1-31 * 1')).toMatchObject({ dayOfMonthRestricted: true, dayOfWeekRestricted: true });
  });

  it('warns about a step that does not divide its cycle', () => {
    const r = parseCron('*/42 * * * *');
    expect(r.ok && r.value.warnings).toEqual([
      'minute: "*/42" means minutes 0,42 of every hour, so runs are 42 and 18 minutes apart: a step starts again every hour',
    ]);
    const even = parseCron('*/15 */6 * * *');
    expect(even.ok && even.value.warnings).toEqual([]);
  });
});

describe('cron errors name the field, the bad token and what is allowed', () => {
  it.each([
    ['61 * * * *', 'minute: 61 is out of range 0-59 in "61 * * * *"'],
    ['0 24 * * *', 'hour: 24 is out of range 0-23 in "0 24 * * *"'],
    ['0 0 0 * *', 'day-of-month: 0 is out of range 1-31 in "0 0 0 * *"'],
    ['0 0 32 * *', 'day-of-month: 32 is out of range 1-31 in "0 0 32 * *"'],
    ['0 0 * 13 *', 'month: 13 is out of range 1-12 in "0 0 * 13 *"'],
    ['0 0 * * 8', 'day-of-week: 8 is out of range 0-7 in "0 0 * * 8"'],
    ['60 * * * * *', 'second: 60 is out of range 0-59 in "60 * * * * *"'],
    ['0 0 * JANE *', 'month: "JANE" is not allowed; use 1-12 or JAN-DEC in "0 0 * JANE *"'],
    ['0 0 * * FUN', 'day-of-week: "FUN" is not allowed; use 0-7 (0 and 7 are Sunday) or SUN-SAT, nL (last), n#k (k-th) in "0 0 * * FUN"'],
    ['0 22-2 * * *', 'hour: 22-2 is a reversed range (22 > 2); write 22-23,0-2 in "0 22-2 * * *"'],
    ['*/0 * * * *', 'minute: step 0 in "*/0" is out of range 1-60 in "*/0 * * * *"'],
    ['*/x * * * *', 'minute: step "x" in "*/x" is not a whole number in "*/x * * * *"'],
    ['1,,2 * * * *', 'minute: empty list item in "1,,2" in "1,,2 * * * *"'],
    ['? * * * *', 'minute: "?" is only allowed in day-of-month and day-of-week in "? * * * *"'],
    ['0 0 * * L', 'day-of-week: "L" needs a weekday before it, e.g. 5L or FRIL for the last Friday in "0 0 * * L"'],
    ['0 0 * * 1#6', 'day-of-week: 6 in "1#6" is out of range 1-5 (a month has at most 5 of a weekday) in "0 0 * * 1#6"'],
    ['0 0 L-31 * *', 'day-of-month: "L-31" counts back 31 days; L-n takes n = 0-30 in "0 0 L-31 * *"'],
    ['0 0 5X * *', 'day-of-month: "5X" is not allowed; use 1-31, L or $ (last day), L-n, LW, nW in "0 0 5X * *"'],
    ['* * * *', 'schedule: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got 4 in "* * * *"'],
    [
      '0 0 12 * * ? 2026',
      `schedule: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got 7 in "0 0 12 * * ? 2026": a 7th field (Quartz's year) is not supported; limit the years with the validity window (start_date, end_date)`,
    ],
    // seven fields with a name and no cron symbol used to read as an interval without a unit
    [
      '0 0 12 * * MON 2026',
      `schedule: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got 7 in "0 0 12 * * MON 2026": a 7th field (Quartz's year) is not supported; limit the years with the validity window (start_date, end_date)`,
    ],
    ['0 0 12 1 1 MON 2026', expect.stringContaining(`got 7 in "0 0 12 1 1 MON 2026": a 7th field (Quartz's year) is not supported`)],
    // tokens outside cron's characters name their field, escaped where they are not printable
    ['😀 * * * *', 'minute: "😀" is not allowed; use 0-59 in "😀 * * * *"'],
    ['ı * * * *', 'minute: "ı" is not allowed; use 0-59 in "ı * * * *"'],
    ['* * * * *\u0000', 'day-of-week: "*\\u0000" is not allowed; use 0-7 (0 and 7 are Sunday) or SUN-SAT, nL (last), n#k (k-th) in "* * * * *\\u0000"'],
    ['0 9 * * mon-frı', 'day-of-week: "mon-frı" is not allowed; use 0-7 (0 and 7 are Sunday) or SUN-SAT, nL (last), n#k (k-th) in "0 9 * * mon-frı"'],
    ['0 9 * * ſun', 'day-of-week: "ſun" is not allowed; use 0-7 (0 and 7 are Sunday) or SUN-SAT, nL (last), n#k (k-th) in "0 9 * * ſun"'],
    ['0 0 1 ﬁve *', 'month: "ﬁve" is not allowed; use 1-12 or JAN-DEC in "0 0 1 ﬁve *"'],
  ])('%s → %s', (schedule, message) => {
    const r = parseSchedule({ schedule });
    expect(r).toEqual({ ok: false, error: { code: 'invalid_schedule', field: 'schedule', message } });
  });

  it('rejects a schedule that can never fire, saying so', () => {
    expect(parseSchedule({ schedule: '0 0 30 2 *' })).toEqual({
      ok: false,
      error: {
        code: 'never_fires',
        field: 'schedule',
        message: 'schedule: "0 0 30 2 *" can never fire: no date has day-of-month 30 in month 2',
      },
    });
    expect(parseSchedule({ schedule: '0 0 31 4,6,9,11 *' }).ok).toBe(false);
  });

  it('accepts February 29th, and the 30th when another month allows it', () => {
    expect(parseSchedule({ schedule: '0 0 29 2 *' }).ok).toBe(true);
    expect(parseSchedule({ schedule: '0 0 30 2,3 *' }).ok).toBe(true);
  });

  it('rejects with dayMatch all a day-of-month and weekday that never meet', () => {
    // The 1st of a month is never its fifth Monday; with "any" either one is enough.
    const r = parseSchedule({ schedule: '0 0 1 * 1#5', dayMatch: 'all' });
    expect(r.ok ? null : r.error.code).toBe('never_fires');
    expect(parseSchedule({ schedule: '0 0 1 * 1#5' }).ok).toBe(true);
  });
});
