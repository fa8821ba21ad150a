// Rows as the API shows them: snake_case like the SQL columns, instants as ISO UTC strings
// (null, and named in `unreadable_instants`, for one JavaScript cannot hold: instant-json.ts).
import type { Job, Run } from '../db/schema';
import { InstantWriter } from './instant-json';
import type { RunSummary } from './queries/jobs';
import type { JobJson } from './schemas/job';
import type { RunJson } from './schemas/run';

/** Job.status (documented in schemas/job.ts): what a user asks first about a job. */
export function jobStatus(row: Job, runs: RunSummary): string {
  if (runs.running) return 'running';
  if (runs.queued) return 'queued';
  if (row.kind === 'one_time') {
    if (row.state === 'active') return 'pending';
    // Done without a run: canceled before it started. Broken: the master could not run it.
    return runs.lastStatus ?? (row.state === 'broken' ? 'broken' : 'canceled');
  }
  if (row.state !== 'active') return row.state;
  return row.enabled ? 'scheduled' : 'disabled';
}

export function jobJson(row: Job, runs: RunSummary): JobJson {
  const at = new InstantWriter();
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    run_as: row.runAs,
    comments: row.comments,
    kind: row.kind,
    command: row.command,
    commands: row.commands,
    params: row.params,
    use_same_transaction: row.useSameTransaction,
    schedule: row.schedule,
    rule: row.rule,
    dates: row.dates?.map((date, i) => at.iso(`dates.${i}`, date)) ?? null,
    run_after: at.isoOrNull('run_after', row.runAfter),
    timezone: row.timezone,
    day_match: row.dayMatch,
    start_at: at.isoOrNull('start_at', row.startAt),
    end_at: at.isoOrNull('end_at', row.endAt),
    depends_on: row.dependsOn?.map(Number) ?? null,
    next_time_statement: row.nextTimeStatement,
    interval_expression: row.intervalExpression,
    overlap: row.overlap,
    max_instances: row.maxInstances,
    queue_limit: row.queueLimit,
    misfire: row.misfire,
    misfire_cap: row.misfireCap,
    max_attempts: row.maxAttempts,
    retry_backoff: row.retryBackoff,
    retry_backoff_max: row.retryBackoffMax,
    broken_after: row.brokenAfter,
    max_run_time: row.maxRunTime,
    max_wait: row.maxWait,
    fallback: row.fallback,
    queue: row.queue,
    priority: row.priority,
    resubmit_limit: row.resubmitLimit,
    delete_after_success: row.deleteAfterSuccess,
    enabled: row.enabled,
    state: row.state,
    broken_reason: row.brokenReason,
    consecutive_failures: row.consecutiveFailures,
    resubmit_count: row.resubmitCount,
    resubmit_at: at.isoOrNull('resubmit_at', row.resubmitAt),
    next_run_at: at.isoOrNull('next_run_at', row.nextRunAt),
    last_scheduled_for: at.isoOrNull('last_scheduled_for', row.lastScheduledFor),
    last_finished_at: at.isoOrNull('last_finished_at', row.lastFinishedAt),
    anchor_at: at.iso('anchor_at', row.anchorAt),
    created_at: at.iso('created_at', row.createdAt),
    updated_at: at.iso('updated_at', row.updatedAt),
    status: jobStatus(row, runs),
    finished: row.state !== 'active',
    ...at.marker(),
  };
}

export function runJson(row: Run): RunJson {
  const at = new InstantWriter();
  return {
    id: row.id,
    job_id: row.jobId,
    owner: row.owner,
    scheduled_for: at.iso('scheduled_for', row.scheduledFor),
    attempt: row.attempt,
    status: row.status,
    reason: row.reason,
    queue: row.queue,
    priority: row.priority,
    start_after: at.iso('start_after', row.startAfter),
    not_after: at.isoOrNull('not_after', row.notAfter),
    claimed_at: at.iso('claimed_at', row.claimedAt),
    started_at: at.isoOrNull('started_at', row.startedAt),
    finished_at: at.isoOrNull('finished_at', row.finishedAt),
    master_id: row.masterId,
    lease_until: at.isoOrNull('lease_until', row.leaseUntil),
    backend_pid: row.backendPid,
    role: row.role,
    cancel_requested: row.cancelRequested,
    result: row.result,
    error: row.error,
    fallback: row.fallback,
    ...at.marker(),
  };
}
