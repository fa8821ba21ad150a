// Rows as the API shows them: snake_case like the SQL columns, instants as ISO UTC strings.
import type { Job, Run } from '../db/schema';
import type { RunSummary } from './queries/jobs';
import type { JobJson } from './schemas/job';
import type { RunJson } from './schemas/run';

const iso = (value: Date | string): string => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : iso(value));

/** Job.status (documented in schemas/job.ts): what a user asks first about a job. */
export function jobStatus(row: Job, runs: RunSummary): string {
  if (runs.running) return 'running';
  if (runs.queued) return 'queued';
  if (row.kind === 'one_time') return row.state === 'active' ? 'pending' : (runs.lastStatus ?? 'canceled');
  if (row.state !== 'active') return row.state;
  return row.enabled ? 'scheduled' : 'disabled';
}

export function jobJson(row: Job, runs: RunSummary): JobJson {
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
    dates: row.dates?.map(iso) ?? null,
    run_after: isoOrNull(row.runAfter),
    timezone: row.timezone,
    day_match: row.dayMatch,
    start_at: isoOrNull(row.startAt),
    end_at: isoOrNull(row.endAt),
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
    resubmit_at: isoOrNull(row.resubmitAt),
    next_run_at: isoOrNull(row.nextRunAt),
    last_scheduled_for: isoOrNull(row.lastScheduledFor),
    last_finished_at: isoOrNull(row.lastFinishedAt),
    anchor_at: iso(row.anchorAt),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    status: jobStatus(row, runs),
    finished: row.state !== 'active',
  };
}

export function runJson(row: Run): RunJson {
  return {
    id: row.id,
    job_id: row.jobId,
    owner: row.owner,
    scheduled_for: iso(row.scheduledFor),
    attempt: row.attempt,
    status: row.status,
    reason: row.reason,
    queue: row.queue,
    priority: row.priority,
    start_after: iso(row.startAfter),
    not_after: isoOrNull(row.notAfter),
    claimed_at: iso(row.claimedAt),
    started_at: isoOrNull(row.startedAt),
    finished_at: isoOrNull(row.finishedAt),
    master_id: row.masterId,
    lease_until: isoOrNull(row.leaseUntil),
    backend_pid: row.backendPid,
    role: row.role,
    cancel_requested: row.cancelRequested,
    result: row.result,
    error: row.error,
    fallback: row.fallback,
  };
}
