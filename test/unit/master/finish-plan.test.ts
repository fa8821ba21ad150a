import { describe, expect, it } from 'vitest';
import { planFinish, resolveNextTime, whenSqlSaidNothing, type FinishingJob } from '../../../src/master/finish-plan';
import { parseSchedule, type Schedule } from '../../../src/schedule';

const now = new Date('2026-11-22T10:00:00Z');
const run = { attempt: 1, scheduledFor: new Date('2026-11-22T09:59:00Z') };

function job(overrides: Partial<FinishingJob> = {}): FinishingJob {
  return {
    kind: 'recurring',
    state: 'active',
    maxAttempts: 1,
    retryBackoffMs: 10_000,
    retryBackoffMaxMs: 3_600_000,
    brokenAfter: null,
    consecutiveFailures: 0,
    deleteAfterSuccess: false,
    resubmitAt: null,
    resubmitCount: 0,
    resubmitLimit: 100,
    afterIntervalMs: null,
    hasIntervalExpression: false,
    hasNextTimeStatement: false,
    ...overrides,
  };
}

describe('planFinish', () => {
  it('resets the failure count after a success', () => {
    const plan = planFinish(job({ consecutiveFailures: 3 }), run, 'succeeded', now, {}, 0.5);
    expect(plan).toEqual({ retry: null, job: { consecutiveFailures: 0, lastFinishedAt: now }, dependents: null, deleteJob: false });
  });

  it('retries a failed, timed-out, lost or expired run while attempts remain, with exponential backoff and jitter', () => {
    const j = job({ maxAttempts: 4, retryBackoffMs: 1_000 });
    for (const status of ['failed', 'timed_out', 'lost', 'expired'] as const) {
      expect(planFinish(j, run, status, now, {}, 0).retry).toEqual({ attempt: 2, startAfter: new Date(now.getTime() + 500) });
    }
    expect(planFinish(j, { ...run, attempt: 2 }, 'failed', now, {}, 1).retry).toEqual({
      attempt: 3,
      startAfter: new Date(now.getTime() + 2_000),
    });
    expect(planFinish(j, { ...run, attempt: 4 }, 'failed', now, {}, 0).retry).toBeNull();
  });

  it('caps the backoff at retry_backoff_max', () => {
    const plan = planFinish(job({ maxAttempts: 30, retryBackoffMs: 1_000, retryBackoffMaxMs: 5_000 }), { ...run, attempt: 20 }, 'failed', now, {}, 1);
    expect(plan.retry?.startAfter).toEqual(new Date(now.getTime() + 5_000));
  });

  it('does not retry a canceled run, nor count it as a failure', () => {
    const plan = planFinish(job({ maxAttempts: 3, consecutiveFailures: 2 }), run, 'canceled', now, {}, 0);
    expect(plan.retry).toBeNull();
    expect(plan.job.consecutiveFailures).toBe(2);
  });

  it('breaks the job at broken_after consecutive final failures', () => {
    const plan = planFinish(job({ brokenAfter: 3, consecutiveFailures: 2 }), run, 'failed', now, {}, 0);
    expect(plan.job).toMatchObject({ state: 'broken', consecutiveFailures: 3, nextRunAt: null });
    expect(plan.job.brokenReason).toMatch(/3 consecutive failed runs/);
  });

  it('sets the next slot of an @after job from the end of the run', () => {
    const plan = planFinish(job({ afterIntervalMs: 30_000 }), run, 'succeeded', now, {}, 0);
    expect(plan.job.nextRunAt).toEqual(new Date(now.getTime() + 30_000));
  });

  it('takes the next time from SQL, and breaks the job when that failed', () => {
    const next = new Date('2030-01-01T00:00:00Z');
    expect(planFinish(job(), run, 'succeeded', now, { nextRunAt: next }, 0).job.nextRunAt).toEqual(next);
    const broken = planFinish(job(), run, 'succeeded', now, { brokenReason: 'next_time_statement failed: x' }, 0);
    expect(broken.job).toMatchObject({ state: 'broken', brokenReason: 'next_time_statement failed: x' });
  });

  it('finishes a one-time job and releases its dependents after a success, fails them otherwise', () => {
    const oneTime = job({ kind: 'one_time' });
    expect(planFinish(oneTime, run, 'succeeded', now, {}, 0)).toMatchObject({ job: { state: 'done' }, dependents: 'release' });
    expect(planFinish(oneTime, run, 'failed', now, {}, 0)).toMatchObject({ job: { state: 'done' }, dependents: 'fail' });
  });

  it('resubmits a one-time job that asked for it, within resubmit_limit', () => {
    const at = new Date('2026-11-22T11:00:00Z');
    const plan = planFinish(job({ kind: 'one_time', resubmitAt: at, resubmitCount: 1, resubmitLimit: 2 }), run, 'succeeded', now, {}, 0);
    expect(plan.job).toMatchObject({ nextRunAt: at, resubmitCount: 2, clearResubmit: true });
    expect(plan.job.state).toBeUndefined();
    const spent = planFinish(job({ kind: 'one_time', resubmitAt: at, resubmitCount: 2, resubmitLimit: 2 }), run, 'succeeded', now, {}, 0);
    expect(spent.job).toMatchObject({ state: 'done', clearResubmit: true });
  });

  it('deletes a one-time job after its success with delete_after_success, but keeps a failed one', () => {
    const j = job({ kind: 'one_time', deleteAfterSuccess: true });
    expect(planFinish(j, run, 'succeeded', now, {}, 0).deleteJob).toBe(true);
    expect(planFinish(j, run, 'failed', now, {}, 0).deleteJob).toBe(false);
  });

  it('keeps a one-time job with an interval expression active while it gives a next time', () => {
    const j = job({ kind: 'one_time', hasIntervalExpression: true });
    const next = new Date('2026-11-23T00:00:00Z');
    expect(planFinish(j, run, 'succeeded', now, { nextRunAt: next }, 0)).toMatchObject({ job: { nextRunAt: next }, dependents: null });
    expect(planFinish(j, run, 'succeeded', now, { nextRunAt: null }, 0).job.state).toBe('done');
  });

  it('counts a final expired run as a failure: broken_after, and a one-time job done with its dependents failed', () => {
    expect(planFinish(job({ brokenAfter: 1 }), run, 'expired', now, {}, 0).job).toMatchObject({ state: 'broken', consecutiveFailures: 1 });
    const oneTime = planFinish(job({ kind: 'one_time' }), run, 'expired', now, {}, 0);
    expect(oneTime).toMatchObject({ retry: null, job: { state: 'done', consecutiveFailures: 1 }, dependents: 'fail' });
  });
});

describe('resolveNextTime', () => {
  const schedule = (text: string): Schedule => {
    const parsed = parseSchedule({ schedule: text });
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value;
  };

  it("takes a recurring job's next start from its schedule when the next_time_statement gave no row", () => {
    expect(resolveNextTime({ fromSchedule: true }, schedule('0 0 * * * *'), now, {})).toEqual({
      nextRunAt: new Date('2026-11-22T11:00:00Z'),
    });
    // An interval schedule keeps to its series, from the run's start.
    expect(resolveNextTime({ fromSchedule: true }, schedule('@every 7 minutes'), now, { lastStart: new Date('2026-11-22T09:58:00Z') })).toEqual({
      nextRunAt: new Date('2026-11-22T10:05:00Z'),
    });
  });

  it('leaves a one-time job to end as one without a next_time_statement, and passes other outcomes through', () => {
    expect(resolveNextTime({ fromSchedule: true }, null, now, {})).toEqual({});
    const given = { nextRunAt: new Date('2027-01-01T00:00:00Z') };
    expect(resolveNextTime(given, schedule('0 0 * * * *'), now, {})).toBe(given);
    expect(resolveNextTime({ brokenReason: 'x' }, null, now, {})).toEqual({ brokenReason: 'x' });
  });
});

describe('whenSqlSaidNothing', () => {
  it('leaves the next time of a job whose next time does not come from SQL alone', () => {
    expect(whenSqlSaidNothing({}, job(), true, 'lost')).toEqual({});
  });

  it('hands a recurring job with a schedule to its schedule when its run ended before the SQL ran', () => {
    expect(whenSqlSaidNothing({}, job({ hasNextTimeStatement: true }), true, 'expired')).toEqual({ fromSchedule: true });
  });

  it('breaks a job without a schedule to fall back on, with the reason, instead of leaving it with no next time', () => {
    expect(whenSqlSaidNothing({}, job({ kind: 'one_time', hasIntervalExpression: true }), false, 'lost')).toEqual({
      brokenReason: 'its run ended lost before its interval_expression gave the next time; enable the job to run it again',
    });
  });

  it('keeps what the SQL said', () => {
    const at = new Date('2026-11-23T00:00:00Z');
    expect(whenSqlSaidNothing({ nextRunAt: at }, job({ hasNextTimeStatement: true }), true, 'failed')).toEqual({ nextRunAt: at });
    expect(whenSqlSaidNothing({ nextRunAt: null }, job({ hasIntervalExpression: true }), false, 'succeeded')).toEqual({ nextRunAt: null });
  });
});
