import { describe, expect, it } from 'vitest';
import { parseSchedule, planMisfire, previewSchedule } from '../../../src/schedule';
import { firesAfter, iso, scheduleOf } from './helpers';

// Instants before 1970 are negative milliseconds, and so are their wall times: nothing in the
// search may treat a negative number as "no match". Exact instants; New York's 1969 rules were
// the US ones of the time (last Sunday of April, last Sunday of October), Berlin kept CET all year.
describe('cron before 1970', () => {
  it.each([
    ['0 0 * * *', 'UTC', '1969-06-01T00:00:00Z', ['1969-06-02T00:00:00Z', '1969-06-03T00:00:00Z']],
    ['0 0 * * *', 'UTC', '1969-12-31T12:00:00Z', ['1970-01-01T00:00:00Z', '1970-01-02T00:00:00Z']],
    ['0 0 29 2 *', 'UTC', '1896-03-01T00:00:00Z', ['1904-02-29T00:00:00Z', '1908-02-29T00:00:00Z']],
    ['0 0 * * *', 'Europe/Berlin', '1969-12-25T00:00:00Z', ['1969-12-25T23:00:00Z', '1969-12-26T23:00:00Z']],
    // local midnight of 1970-01-01 in Berlin is an instant of 1969
    ['0 0 * * *', 'Europe/Berlin', '1969-12-31T22:00:00Z', ['1969-12-31T23:00:00Z', '1970-01-01T23:00:00Z']],
    // spring forward 1969-04-27 02:00 EST → 03:00 EDT: 02:30 does not exist and fires at 03:30
    ['30 2 * * *', 'America/New_York', '1969-04-26T12:00:00Z', ['1969-04-27T07:30:00Z', '1969-04-28T06:30:00Z']],
    // fall back 1969-10-26 02:00 EDT → 01:00 EST: 01:30 fires once, at the first occurrence
    ['30 1 * * *', 'America/New_York', '1969-10-25T12:00:00Z', ['1969-10-26T05:30:00Z', '1969-10-27T06:30:00Z']],
    ['0 * * * *', 'America/New_York', '1969-10-26T04:30:00Z', ['1969-10-26T05:00:00Z', '1969-10-26T06:00:00Z', '1969-10-26T07:00:00Z']],
  ])('%s in %s after %s fires at %j', (schedule, timezone, from, expected) => {
    expect(firesAfter({ schedule, timezone }, from, expected.length)).toEqual(expected);
  });

  it('accepts a window that starts before 1970 and fires from its start', () => {
    const parsed = parseSchedule({ schedule: '0 0 * * *', start: '1960-01-01T00:00:00Z' });
    expect(parsed.ok).toBe(true);
    expect(firesAfter({ schedule: '0 0 * * *', start: '1960-01-01T00:00:00Z' }, '1900-01-01T00:00:00Z', 2)).toEqual([
      '1960-01-01T00:00:00Z',
      '1960-01-02T00:00:00Z',
    ]);
  });

  it('still refuses a window before 1970 in which nothing fires', () => {
    expect(parseSchedule({ schedule: '0 0 1 2 *', start: '1969-03-01T00:00:00Z', end: '1969-12-31T00:00:00Z' })).toMatchObject({
      ok: false,
      error: { code: 'never_fires' },
    });
  });

  it('previews fires before 1970 in local time', () => {
    expect(previewSchedule({ schedule: '0 0 * * *', timezone: 'Europe/Berlin' }, new Date('1969-12-25T00:00:00Z'), 2)).toEqual({
      ok: true,
      value: {
        fires: ['1969-12-25T23:00:00Z', '1969-12-26T23:00:00Z'],
        local: ['1969-12-26T00:00:00+01:00', '1969-12-27T00:00:00+01:00'],
        warnings: [],
      },
    });
  });

  it('plans the slots missed across 1970', () => {
    const plan = planMisfire({
      schedule: scheduleOf('0 * * * *'),
      lastSlot: new Date('1969-12-31T22:00:00Z'),
      now: new Date('1970-01-01T01:30:00Z'),
    });
    expect(plan.ok && { run: plan.value.run.map(iso), missed: plan.value.missed.map(iso), next: plan.value.next && iso(plan.value.next) }).toEqual({
      run: ['1970-01-01T01:00:00Z'],
      missed: ['1969-12-31T23:00:00Z', '1970-01-01T00:00:00Z'],
      next: '1970-01-01T02:00:00Z',
    });
  });
});
