import { describe, expect, it } from 'vitest';
import { scheduleOf } from '../../../src/master/job-schedule';
import {
  decideDueJob,
  nextWakeAt,
  nextWorkAt,
  startupFiring,
  timingForChangedJob,
  type ChangedJob,
  type DueJob,
} from '../../../src/master/timing';

const at = (iso: string) => new Date(iso);
let nextId = 1;

function changed(overrides: Partial<ChangedJob>): ChangedJob {
  return {
    id: nextId++,
    revision: 3,
    kind: 'recurring',
    schedule: '* * * * *',
    rule: null,
    dates: null,
    runAfter: null,
    timezone: null,
    dayMatch: null,
    startAt: null,
    endAt: null,
    enabled: true,
    state: 'active',
    dependsOn: null,
    anchorAt: at('2026-11-01T00:00:00Z'),
    lastFinishedAt: null,
    nextRunAt: null,
    lastScheduledFor: null,
    ...overrides,
  };
}

function due(overrides: Partial<DueJob>): DueJob {
  return {
    id: nextId++,
    revision: 1,
    kind: 'recurring',
    owner: 'alice',
    schedule: '* * * * *',
    rule: null,
    dates: null,
    timezone: null,
    dayMatch: null,
    startAt: null,
    endAt: null,
    nextRunAt: at('2026-11-22T10:16:00Z'),
    lastRunSlot: null,
    anchorAt: at('2026-11-01T00:00:00Z'),
    lastFinishedAt: null,
    overlap: 'skip',
    maxInstances: 1,
    queueLimit: 100,
    misfire: 'run_once',
    misfireCap: 100,
    maxWaitMs: null,
    queue: null,
    priority: 0,
    nextTimeFromSql: false,
    running: 0,
    queued: 0,
    ...overrides,
  };
}

describe('timingForChangedJob', () => {
  it('gives a new every-minute job the start of the next minute', () => {
    const timing = timingForChangedJob(changed({}), at('2026-11-22T10:15:42.123Z'), 'UTC');
    expect(timing).toMatchObject({ nextRunAt: at('2026-11-22T10:16:00.000Z'), state: 'active' });
  });

  it('computes the next slot strictly after now', () => {
    const timing = timingForChangedJob(changed({ schedule: '0 * * * *' }), at('2026-11-22T10:00:00.000Z'), 'UTC');
    expect(timing).toMatchObject({ nextRunAt: at('2026-11-22T11:00:00.000Z') });
  });

  it("uses the database's time zone when the job has none", () => {
    const timing = timingForChangedJob(changed({ schedule: '0 9 * * *' }), at('2026-11-22T10:00:00Z'), 'Europe/Berlin');
    expect(timing).toMatchObject({ nextRunAt: at('2026-11-23T08:00:00Z') });
  });

  it('schedules nothing for a disabled job', () => {
    expect(timingForChangedJob(changed({ enabled: false }), at('2026-11-22T10:00:00Z'), 'UTC')).toMatchObject({
      nextRunAt: null,
      state: 'active',
    });
  });

  it('breaks a job whose schedule cannot be parsed, naming the schedule', () => {
    const timing = timingForChangedJob(changed({ schedule: 'every full moon' }), at('2026-11-22T10:00:00Z'), 'UTC');
    expect('broken' in timing && timing.broken).toMatch(/every full moon/);
  });

  it('runs a one-time job at run_after, or now without one', () => {
    const now = at('2026-11-22T10:00:00Z');
    const oneTime = { kind: 'one_time' as const, schedule: null };
    expect(timingForChangedJob(changed(oneTime), now, 'UTC')).toMatchObject({ nextRunAt: now });
    expect(timingForChangedJob(changed({ ...oneTime, runAfter: at('2026-11-23T00:00:00Z') }), now, 'UTC')).toMatchObject({
      nextRunAt: at('2026-11-23T00:00:00Z'),
    });
  });

  it('keeps the next start a re-armed one-time job set for itself when one of its columns changes', () => {
    const now = at('2026-11-22T10:00:00Z');
    const rearmed = changed({
      kind: 'one_time',
      schedule: null,
      runAfter: at('2026-11-20T00:00:00Z'),
      lastScheduledFor: at('2026-11-21T00:00:00Z'),
      nextRunAt: at('2026-11-23T00:00:00Z'),
    });
    expect(timingForChangedJob(rearmed, now, 'UTC')).toMatchObject({ nextRunAt: at('2026-11-23T00:00:00Z'), state: 'active' });
    // A new run_after clears last_scheduled_for (the update trigger): scheduled anew.
    const restarted = { ...rearmed, runAfter: at('2018-05-30T00:00:00Z'), lastScheduledFor: null };
    expect(timingForChangedJob(restarted, now, 'UTC')).toMatchObject({ nextRunAt: at('2018-05-30T00:00:00Z') });
  });

  it('keeps a one-time job with dependencies waiting', () => {
    const timing = timingForChangedJob(changed({ kind: 'one_time', schedule: null, dependsOn: [4, 5] }), at('2026-11-22T10:00:00Z'), 'UTC');
    expect(timing).toMatchObject({ nextRunAt: null, state: 'active' });
  });

  it('finishes a job whose schedule fires no more', () => {
    const timing = timingForChangedJob(
      changed({ schedule: '* * * * *', endAt: at('2026-11-22T09:00:00Z') }),
      at('2026-11-22T10:00:00Z'),
      'UTC',
    );
    expect(timing).toMatchObject({ nextRunAt: null, state: 'done' });
  });

  it('keeps an @reboot job active inside its window and finishes it past its end_at', () => {
    const now = at('2026-11-22T10:00:00Z');
    expect(timingForChangedJob(changed({ schedule: '@reboot', endAt: at('2026-11-23T00:00:00Z') }), now, 'UTC')).toMatchObject({
      nextRunAt: null,
      state: 'active',
    });
    expect(timingForChangedJob(changed({ schedule: '@reboot', endAt: at('2026-11-22T09:00:00Z') }), now, 'UTC')).toMatchObject({
      nextRunAt: null,
      state: 'done',
    });
  });
});

describe('startupFiring', () => {
  const now = at('2026-11-22T10:00:00Z');
  const schedule = (columns: Partial<ChangedJob>) => {
    const parsed = scheduleOf(changed(columns), 'UTC');
    if (!parsed?.ok) throw new Error('schedule did not parse');
    return parsed.value;
  };

  it('fires an @reboot job and a cron rule with onstart inside their window, both ends inclusive', () => {
    expect(startupFiring(schedule({ schedule: '@reboot' }), now)).toBe('run');
    expect(startupFiring(schedule({ schedule: '@reboot', startAt: now, endAt: at('2026-11-22T11:00:00Z') }), now)).toBe('run');
    expect(startupFiring(schedule({ schedule: '@reboot', endAt: now }), now)).toBe('run');
    expect(startupFiring(schedule({ schedule: null, rule: { onstart: 1, minutes: [0], hours: [3] } }), now)).toBe('run');
  });

  it('waits before start_at and has ended after end_at', () => {
    expect(startupFiring(schedule({ schedule: '@reboot', startAt: at('2026-11-22T10:00:01Z') }), now)).toBe('wait');
    expect(startupFiring(schedule({ schedule: '@reboot', endAt: at('2026-11-22T09:59:59Z') }), now)).toBe('ended');
    expect(
      startupFiring(schedule({ schedule: null, rule: { onstart: 1, minutes: [0] }, endAt: at('2026-11-01T00:00:00Z') }), now),
    ).toBe('ended');
  });

  it('is null for a schedule that does not fire at start', () => {
    expect(startupFiring(schedule({ schedule: '* * * * *' }), now)).toBeNull();
  });
});

describe('decideDueJob', () => {
  const grace = 5_000;

  it('runs the due slot and moves on to the following one', () => {
    const decision = decideDueJob(due({}), at('2026-11-22T10:15:59.600Z'), grace, 'UTC');
    expect(decision.runs).toEqual([
      expect.objectContaining({ scheduledFor: at('2026-11-22T10:16:00Z'), status: 'queued', reason: null }),
    ]);
    expect(decision.nextRunAt).toEqual(at('2026-11-22T10:17:00Z'));
    expect(decision.lastSlot).toEqual(at('2026-11-22T10:16:00Z'));
  });

  it('after downtime runs the latest slot once and records the others missed (run_once)', () => {
    const decision = decideDueJob(due({}), at('2026-11-22T10:20:30Z'), grace, 'UTC');
    expect(decision.runs.map((r) => [r.scheduledFor.toISOString(), r.status])).toEqual([
      ['2026-11-22T10:16:00.000Z', 'missed'],
      ['2026-11-22T10:17:00.000Z', 'missed'],
      ['2026-11-22T10:18:00.000Z', 'missed'],
      ['2026-11-22T10:19:00.000Z', 'missed'],
      ['2026-11-22T10:20:00.000Z', 'queued'],
    ]);
    expect(decision.nextRunAt).toEqual(at('2026-11-22T10:21:00Z'));
  });

  it('after downtime runs nothing with misfire skip', () => {
    const decision = decideDueJob(due({ misfire: 'skip' }), at('2026-11-22T10:20:30Z'), grace, 'UTC');
    expect(decision.runs.every((r) => r.status === 'missed')).toBe(true);
    expect(decision.runs).toHaveLength(5);
  });

  it('records only misfire_cap missed slots and counts the rest in a reason', () => {
    const decision = decideDueJob(due({ misfire: 'skip', misfireCap: 2 }), at('2026-11-22T10:20:30Z'), grace, 'UTC');
    expect(decision.runs).toHaveLength(2);
    expect(decision.runs[0]?.reason).toMatch(/3 earlier slots not recorded/);
  });

  it('says in the first missed row when a misfire_cap above the bound limited the plan', () => {
    const down = due({ schedule: '* * * * * *', misfire: 'skip', misfireCap: 50_000, nextRunAt: at('2026-11-22T04:00:00Z') });
    const decision = decideDueJob(down, at('2026-11-22T10:00:00Z'), grace, 'UTC');
    expect(decision.runs).toHaveLength(10_000);
    expect(decision.runs[0]?.reason).toBe(
      'missed while the scheduler was down or paused (misfire skip); 11601 earlier slots not recorded; misfire_cap 50000 is more than 10000, the most slots one catch-up runs or records: 10000 were used',
    );
    expect(decision.runs[1]?.reason).toBe('missed while the scheduler was down or paused (misfire skip)');
  });

  it('skips a slot while the previous run is unfinished (overlap skip)', () => {
    const decision = decideDueJob(due({ running: 1 }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(decision.runs).toEqual([expect.objectContaining({ status: 'skipped', reason: expect.stringMatching(/max_instances 1/) })]);
  });

  it('queues a slot behind the unfinished run up to queue_limit (overlap queue)', () => {
    const queued = decideDueJob(due({ overlap: 'queue', running: 1 }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(queued.runs[0]?.status).toBe('queued');
    const full = decideDueJob(due({ overlap: 'queue', running: 1, queued: 2, queueLimit: 2 }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(full.runs[0]?.status).toBe('skipped');
  });

  it('allows up to max_instances at once', () => {
    const decision = decideDueJob(due({ running: 2, maxInstances: 3 }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(decision.runs[0]?.status).toBe('queued');
  });

  it('gives a run a deadline of slot + max_wait', () => {
    const decision = decideDueJob(due({ maxWaitMs: 30_000 }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(decision.runs[0]?.notAfter).toEqual(at('2026-11-22T10:16:30Z'));
  });

  it('leaves the next time of a job whose next time comes from SQL to the run', () => {
    const decision = decideDueJob(due({ nextTimeFromSql: true }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(decision.nextRunAt).toBeNull();
    expect(decision.state).toBe('active');
  });

  it('never gives a one-time job run again a slot it already ran', () => {
    const decision = decideDueJob(
      due({ kind: 'one_time', schedule: null, nextRunAt: at('2026-11-22T10:00:00Z'), lastRunSlot: at('2026-11-22T10:00:00Z') }),
      at('2026-11-22T10:00:01Z'),
      grace,
      'UTC',
    );
    expect(decision.runs[0]?.scheduledFor).toEqual(at('2026-11-22T10:00:01Z'));
    expect(decision.lastSlot).toEqual(at('2026-11-22T10:00:01Z'));
  });

  it('runs a one-time job once and leaves what follows to its end', () => {
    const decision = decideDueJob(due({ kind: 'one_time', schedule: null }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(decision.runs).toHaveLength(1);
    expect(decision.nextRunAt).toBeNull();
  });

  it('breaks a job whose schedule no longer parses', () => {
    const decision = decideDueJob(due({ schedule: '61 * * * *' }), at('2026-11-22T10:16:00Z'), grace, 'UTC');
    expect(decision).toMatchObject({ state: 'broken', runs: [] });
    expect(decision.brokenReason).toMatch(/61/);
  });
});

describe('nextWakeAt', () => {
  const now = at('2026-11-22T10:00:00.000Z');

  it('polls after one interval when nothing is due', () => {
    expect(nextWakeAt({ now, nextDue: null, idleMs: 1000, lookaheadMs: 500 })).toEqual(at('2026-11-22T10:00:01.000Z'));
  });

  it('wakes a lookahead before a slot that comes before the next poll', () => {
    expect(nextWakeAt({ now, nextDue: at('2026-11-22T10:00:00.800Z'), idleMs: 1000, lookaheadMs: 500 })).toEqual(
      at('2026-11-22T10:00:00.300Z'),
    );
  });

  it('never wakes in the past', () => {
    expect(nextWakeAt({ now, nextDue: at('2026-11-22T09:59:00Z'), idleMs: 1000, lookaheadMs: 500 })).toEqual(now);
  });
});

describe('nextWorkAt', () => {
  const now = at('2026-11-22T10:00:00.000Z');
  const none = { now, nextDue: null, nextWaiting: null, nextDeadline: null, paused: false, lookaheadMs: 500 };

  it('knows of nothing when nothing is due, waiting or bound by a deadline', () => {
    expect(nextWorkAt(none)).toBeNull();
  });

  it('is a lookahead before the earliest slot or retry still to start, and just after the earliest deadline', () => {
    expect(nextWorkAt({ ...none, nextDue: at('2026-11-22T10:05:00Z'), nextWaiting: at('2026-11-22T10:00:03Z') })).toEqual(
      at('2026-11-22T10:00:02.500Z'),
    );
    expect(nextWorkAt({ ...none, nextDue: at('2026-11-22T10:05:00Z'), nextDeadline: at('2026-11-22T10:00:01Z') })).toEqual(
      at('2026-11-22T10:00:01.100Z'),
    );
  });

  it('leaves out a waiting run whose lookahead has begun: it starts when a slot frees', () => {
    expect(nextWorkAt({ ...none, nextWaiting: at('2026-11-22T10:00:00.300Z') })).toBeNull();
  });

  it('while paused, knows only of deadlines', () => {
    const paused = { ...none, paused: true, nextDue: at('2026-11-22T10:00:01Z'), nextWaiting: at('2026-11-22T10:00:02Z') };
    expect(nextWorkAt(paused)).toBeNull();
    expect(nextWorkAt({ ...paused, nextDeadline: at('2026-11-22T10:00:03Z') })).toEqual(at('2026-11-22T10:00:03.100Z'));
  });
});
