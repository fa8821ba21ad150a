import { describe, expect, it } from 'vitest';
import { ApiFailure, type ApiError } from '../../../src/api/errors';
import { checkSchedule, nextFires } from '../../../src/api/schedule-check';
import type { JobKeys } from '../../../src/api/schemas/job-keys';
import type { Job } from '../../../src/db/schema';

function refusal(keys: JobKeys, current?: Job): ApiError | null {
  try {
    checkSchedule(keys, 'UTC', current);
    return null;
  } catch (e) {
    if (e instanceof ApiFailure) return e.error;
    throw e;
  }
}

const storedJob = (fields: Partial<Job>): Job =>
  ({
    id: 1,
    kind: 'recurring',
    schedule: null,
    rule: null,
    dates: null,
    timezone: null,
    dayMatch: null,
    startAt: null,
    endAt: null,
    anchorAt: new Date('2026-01-01T00:00:00Z'),
    ...fields,
  }) as Job;

describe('checking a schedule before it is saved', () => {
  it('accepts every syntax of the schedule language', () => {
    for (const keys of [{ cron: '*/5 * * * *' }, { schedule: '@every 10 seconds' }, { rule: { minutes: [0], hours: [9] } }, { date: '2099-01-01T00:00:00Z' }, { dates: ['2099-01-01T00:00:00Z'] }]) {
      expect(refusal(keys), JSON.stringify(keys)).toBeNull();
    }
  });

  it('names the key the user wrote, not the schedule module field', () => {
    expect(refusal({ cron: '61 * * * *' })).toEqual({
      code: 'invalid_schedule',
      message: 'cron: minute: 61 is out of range 0-59 in "61 * * * *"',
      details: { field: 'cron' },
    });
    expect(refusal({ schedule: '61 * * * *' })?.message).toBe('schedule: minute: 61 is out of range 0-59 in "61 * * * *"');
    expect(refusal({ date: 'tomorrow' })?.message).toMatch(/^date: "tomorrow" is not an ISO 8601 date-time/);
    expect(refusal({ cron: '* * * * *', end_date: 'soon' })?.message).toMatch(/^end_date: "soon" is not/);
  });

  it('refuses an unknown time zone as invalid_timezone naming timezone', () => {
    expect(refusal({ cron: '* * * * *', timezone: 'Mars/Olympus' })).toMatchObject({ code: 'invalid_timezone', details: { field: 'timezone' } });
  });

  it('refuses a schedule that can never fire', () => {
    expect(refusal({ cron: '0 0 30 2 *' })).toMatchObject({ code: 'never_fires', details: { field: 'cron' } });
  });

  it('checks a change against the stored schedule', () => {
    const current = storedJob({ schedule: '0 3 * * *' });
    expect(refusal({ timezone: 'Nowhere/Land' }, current)?.code).toBe('invalid_timezone');
    expect(refusal({ timezone: 'Europe/Berlin' }, current)).toBeNull();
    expect(refusal({ cron: 'nope' }, current)?.details).toEqual({ field: 'cron' });
    expect(refusal({ comments: 'no timing here' }, storedJob({ schedule: 'garbage' }))).toBeNull();
  });

  it('lets a one-time job change keys that have no schedule to check', () => {
    expect(refusal({ timezone: 'Europe/Berlin' }, storedJob({ kind: 'one_time' }))).toBeNull();
  });
});

describe('next fires of a stored job', () => {
  it('lists five fires strictly after now in the job\'s zone', () => {
    const fires = nextFires(storedJob({ schedule: '30 2 * * *', timezone: 'Europe/Berlin' }), 'UTC', new Date('2026-03-27T12:00:00Z'));
    expect(fires).toEqual(['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z', '2026-04-01T00:30:00Z']);
  });

  it('uses the database default zone when the job names none', () => {
    const [first] = nextFires(storedJob({ schedule: '0 9 * * *' }), 'America/New_York', new Date('2026-07-01T00:00:00Z'));
    expect(first).toBe('2026-07-01T13:00:00Z');
  });

  it('has none for a one-time job or a schedule that does not parse', () => {
    expect(nextFires(storedJob({ kind: 'one_time' }), 'UTC', new Date())).toEqual([]);
    expect(nextFires(storedJob({ schedule: 'every full moon' }), 'UTC', new Date())).toEqual([]);
  });
});
