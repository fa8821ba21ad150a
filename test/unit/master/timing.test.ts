import { describe, expect, it } from 'vitest';
import { decideDueJob, nextWakeAt, timingForChangedJob } from '../../../src/master/timing';

const at = (iso: string) => new Date(iso);

describe('timingForChangedJob', () => {
  const base = { id: 1, revision: 3, timezone: null, enabled: true, state: 'active' as const, lastScheduledFor: null };

  it('gives a new every-minute job the start of the next minute', () => {
    expect(timingForChangedJob({ ...base, schedule: '* * * * *' }, at('2026-11-22T10:15:42.123Z'))).toEqual({
      id: 1,
      revision: 3,
      nextRunAt: at('2026-11-22T10:16:00.000Z'),
    });
  });

  it('computes the next slot strictly after now', () => {
    const timing = timingForChangedJob({ ...base, schedule: '0 * * * *' }, at('2026-11-22T10:00:00.000Z'));
    expect(timing).toMatchObject({ nextRunAt: at('2026-11-22T11:00:00.000Z') });
  });

  it('schedules nothing for a disabled job', () => {
    expect(timingForChangedJob({ ...base, enabled: false, schedule: '* * * * *' }, at('2026-11-22T10:00:00Z'))).toEqual({
      id: 1,
      revision: 3,
      nextRunAt: null,
    });
  });

  it('breaks a job whose schedule cannot be parsed, naming the schedule', () => {
    const timing = timingForChangedJob({ ...base, schedule: 'every full moon' }, at('2026-11-22T10:00:00Z'));
    expect(timing).toMatchObject({ id: 1, revision: 3 });
    expect('broken' in timing && timing.broken).toMatch(/every full moon/);
  });

  it('breaks a recurring job without a schedule', () => {
    const timing = timingForChangedJob({ ...base, schedule: null }, at('2026-11-22T10:00:00Z'));
    expect('broken' in timing && timing.broken).toMatch(/needs a schedule/);
  });
});

describe('decideDueJob', () => {
  const job = { id: 7, owner: 'alice', timezone: null, command: 'SELECT 1' };

  it('runs the due slot and moves on to the following one', () => {
    const decision = decideDueJob(
      { ...job, schedule: '* * * * *', nextRunAt: at('2026-11-22T10:16:00Z') },
      at('2026-11-22T10:15:59.600Z'),
    );
    expect(decision).toEqual({ jobId: 7, slot: at('2026-11-22T10:16:00Z'), nextRunAt: at('2026-11-22T10:17:00Z') });
  });

  it('runs a late slot once and realigns after now instead of firing a burst', () => {
    const decision = decideDueJob(
      { ...job, schedule: '* * * * *', nextRunAt: at('2026-11-22T10:16:00Z') },
      at('2026-11-22T10:20:30Z'),
    );
    expect(decision).toEqual({ jobId: 7, slot: at('2026-11-22T10:16:00Z'), nextRunAt: at('2026-11-22T10:21:00Z') });
  });
});

describe('nextWakeAt', () => {
  const now = at('2026-11-22T10:00:00.000Z');

  it('polls after one interval when nothing is due', () => {
    expect(nextWakeAt({ now, nextDue: null, pollIntervalMs: 1000, lookaheadMs: 500 })).toEqual(at('2026-11-22T10:00:01.000Z'));
  });

  it('wakes a lookahead before a slot that comes before the next poll', () => {
    expect(
      nextWakeAt({ now, nextDue: at('2026-11-22T10:00:00.800Z'), pollIntervalMs: 1000, lookaheadMs: 500 }),
    ).toEqual(at('2026-11-22T10:00:00.300Z'));
  });

  it('never wakes in the past', () => {
    expect(nextWakeAt({ now, nextDue: at('2026-11-22T09:59:00Z'), pollIntervalMs: 1000, lookaheadMs: 500 })).toEqual(now);
  });
});
