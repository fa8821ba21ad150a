// Pure decisions of the tick: when a job is next due and when the master wakes again.
import type { ClaimDecision, DueJob } from '../db/queries/claim-due-runs';
import type { JobTiming, UnsyncedJob } from '../db/queries/sync-jobs';
import { nextFire, parseSchedule } from '../schedule';

/**
 * The timing of a job just inserted or changed: its first slot strictly after `now`, nothing
 * when it is disabled or finished, and `broken` with the reason when its schedule is invalid.
 */
export function timingForChangedJob(job: UnsyncedJob, now: Date): JobTiming {
  const base = { id: job.id, revision: job.revision };
  if (!job.enabled || job.state !== 'active') return { ...base, nextRunAt: null };
  if (job.schedule === null) return { ...base, broken: 'schedule: a recurring job needs a schedule' };
  const parsed = parseSchedule({ schedule: job.schedule, timezone: job.timezone ?? 'UTC' });
  if (!parsed.ok) return { ...base, broken: parsed.error.message };
  return { ...base, nextRunAt: nextFire(parsed.value, now) };
}

/**
 * A due job runs its slot once (late if the master was late) and then realigns: its next
 * slot is the first one after both the slot and `now`, so a late tick never fires a burst.
 */
export function decideDueJob(job: DueJob, now: Date): ClaimDecision {
  const parsed = job.schedule === null ? null : parseSchedule({ schedule: job.schedule, timezone: job.timezone ?? 'UTC' });
  const after = job.nextRunAt > now ? job.nextRunAt : now;
  return {
    jobId: job.id,
    slot: job.nextRunAt,
    nextRunAt: parsed?.ok ? nextFire(parsed.value, after) : null,
  };
}

/**
 * When the master wakes next: in time to claim the earliest due slot `lookaheadMs` ahead of
 * it, and at the latest after one poll interval so SQL changes are seen.
 */
export function nextWakeAt(input: { now: Date; nextDue: Date | null; pollIntervalMs: number; lookaheadMs: number }): Date {
  const poll = input.now.getTime() + input.pollIntervalMs;
  if (input.nextDue === null) return new Date(poll);
  return new Date(Math.max(input.now.getTime(), Math.min(poll, input.nextDue.getTime() - input.lookaheadMs)));
}
