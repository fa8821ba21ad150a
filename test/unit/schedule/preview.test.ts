import { describe, expect, it } from 'vitest';
import { previewSchedule, type ScheduleInput } from '../../../src/schedule';

const preview = (input: ScheduleInput, from: string, count = 3) => {
  const r = previewSchedule(input, new Date(from), count);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('previewSchedule', () => {
  it('lists fires strictly after from, in UTC and with the zone offset', () => {
    expect(preview({ schedule: '0 9 * * 1-5', timezone: 'Asia/Kolkata' }, '2026-01-02T03:30:00Z')).toEqual({
      fires: ['2026-01-05T03:30:00Z', '2026-01-06T03:30:00Z', '2026-01-07T03:30:00Z'],
      local: ['2026-01-05T09:00:00+05:30', '2026-01-06T09:00:00+05:30', '2026-01-07T09:00:00+05:30'],
      warnings: [],
    });
  });

  it('gives at most 1000 fires', () => {
    expect(preview({ schedule: '* * * * * *' }, '2026-01-01T00:00:00Z', 5000).fires).toHaveLength(1000);
  });

  it('warns that */42 in minutes fires at :00 and :42', () => {
    expect(preview({ schedule: '*/42 * * * *' }, '2026-01-01T00:00:00Z').warnings).toEqual([
      'minute: "*/42" means minutes 0,42 of every hour, so runs are 42 and 18 minutes apart: a step starts again every hour',
    ]);
  });

  it('warns how day-of-month and day-of-week combine', () => {
    expect(preview({ schedule: '0 0 13 * 5' }, '2026-01-01T00:00:00Z').warnings).toEqual([
      'day-of-month and day-of-week are both restricted, so a day matching either one fires (Vixie cron, pg_cron); set dayMatch to "all" to require both (pgpro_scheduler, pg_timetable)',
    ]);
    expect(preview({ schedule: '0 0 13 * 5', dayMatch: 'all' }, '2026-01-01T00:00:00Z', 2).fires).toEqual(['2026-02-13T00:00:00Z', '2026-03-13T00:00:00Z']);
  });

  it('anchors an @every preview at from and says it assumes runs start on time', () => {
    expect(preview({ schedule: '@every 90 seconds' }, '2026-01-01T00:00:00Z')).toEqual({
      fires: ['2026-01-01T00:01:30Z', '2026-01-01T00:03:00Z', '2026-01-01T00:04:30Z'],
      local: ['2026-01-01T00:01:30+00:00', '2026-01-01T00:03:00+00:00', '2026-01-01T00:04:30+00:00'],
      warnings: ["runs every 1 minute 30 seconds from start to start, anchored at 2026-01-01T00:00:00Z (the job's first start); the preview assumes each run starts on time"],
    });
  });

  it('assumes an @after job takes no time', () => {
    expect(preview({ schedule: '@after 10 minutes' }, '2026-01-01T00:00:00Z')).toMatchObject({
      fires: ['2026-01-01T00:10:00Z', '2026-01-01T00:20:00Z', '2026-01-01T00:30:00Z'],
      warnings: ['runs 10 minutes after the previous run ends; the preview assumes each run takes no time'],
    });
  });

  it('has no clock times for @reboot and says why', () => {
    expect(preview({ schedule: '@reboot' }, '2026-01-01T00:00:00Z')).toEqual({
      fires: [],
      local: [],
      warnings: ['runs once when the scheduler starts serving the database (@reboot); it has no clock times to preview'],
    });
  });

  it('says when a schedule runs out of fires', () => {
    expect(preview({ dates: ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'] }, '2026-01-01T00:00:00Z', 5)).toMatchObject({
      fires: ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'],
      warnings: ['fires only 2 times in the 100 years after 2026-01-01T00:00:00Z'],
    });
  });

  it('says when the validity window is what limits the fires', () => {
    expect(preview({ schedule: '0 0 * * *', end: '2026-01-03T00:00:00Z' }, '2026-01-01T00:00:00Z', 5)).toMatchObject({
      fires: ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'],
      warnings: ['fires only 2 times before the validity window ends at 2026-01-03T00:00:00Z'],
    });
    expect(preview({ schedule: '0 0 * * *', end: '2025-12-01T00:00:00Z' }, '2026-01-01T00:00:00Z', 5)).toMatchObject({
      fires: [],
      warnings: ['fires no more times: the validity window ended at 2025-12-01T00:00:00Z, before 2026-01-01T00:00:00Z'],
    });
    expect(preview({ schedule: '0 0 * * *', start: '2200-01-01T00:00:00Z' }, '2026-01-01T00:00:00Z', 5)).toMatchObject({
      fires: [],
      warnings: ['does not fire in the 100 years after 2026-01-01T00:00:00Z: the validity window starts at 2200-01-01T00:00:00Z'],
    });
  });

  it('says when the end of year 9999 is what limits the fires', () => {
    const { fires, warnings } = preview({ schedule: '@yearly' }, '9990-06-01T00:00:00Z', 20);
    expect([fires.length, fires.at(-1), warnings]).toEqual([9, '9999-01-01T00:00:00Z', ['fires only 9 times before the end of 9999, the latest time a schedule reaches']]);
  });

  it('writes a local time past 9999 with an ISO 8601 extended year', () => {
    expect(preview({ schedule: '0 0 1 1 *', timezone: 'Asia/Tokyo' }, '9999-06-01T00:00:00Z', 1)).toMatchObject({
      fires: ['9999-12-31T15:00:00Z'],
      local: ['+010000-01-01T00:00:00+09:00'],
    });
    expect(preview({ at: '9999-12-31T23:30:00Z', timezone: 'Asia/Tokyo' }, '9999-12-31T00:00:00Z', 1)).toMatchObject({
      fires: ['9999-12-31T23:30:00Z'],
      local: ['+010000-01-01T08:30:00+09:00'],
    });
  });

  it('notes that a pgpro rule with onstart also runs at start', () => {
    expect(preview({ rule: { minutes: [0], hours: [3], onstart: 1 } }, '2026-01-01T00:00:00Z', 1)).toEqual({
      fires: ['2026-01-01T03:00:00Z'],
      local: ['2026-01-01T03:00:00+00:00'],
      warnings: ['also runs once when the scheduler starts serving the database (rule onstart)'],
    });
  });

  it('looks 100 years ahead at most', () => {
    const { fires, warnings } = preview({ schedule: '@yearly', timezone: 'Europe/Berlin' }, '2026-06-01T00:00:00Z', 1000);
    expect(fires).toHaveLength(100);
    expect([fires[0], fires[99]]).toEqual(['2026-12-31T23:00:00Z', '2125-12-31T23:00:00Z']);
    expect(warnings).toEqual(['fires only 100 times in the 100 years after 2026-06-01T00:00:00Z']);
  });

  it('returns the schedule error for invalid input', () => {
    expect(previewSchedule({ schedule: '61 * * * *' }, new Date('2026-01-01T00:00:00Z'), 5)).toEqual({
      ok: false,
      error: { code: 'invalid_schedule', field: 'schedule', message: 'minute: 61 is out of range 0-59 in "61 * * * *"' },
    });
  });
});
