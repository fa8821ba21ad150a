// The public SQL surface of edgecron: schema `edgecron` in the target database.
// Table and column names here are what users query and insert into; extend, never rename.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  interval,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const edgecron = pgSchema('edgecron');

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`);

export const JOB_KINDS = ['recurring', 'one_time'] as const;
export const JOB_STATES = ['active', 'broken', 'done'] as const;
export const OVERLAP_POLICIES = ['skip', 'queue'] as const;
export const MISFIRE_POLICIES = ['run_once', 'skip', 'run_all'] as const;
export const DAY_MATCHES = ['any', 'all'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = (typeof JOB_STATES)[number];
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

/**
 * One row per job, recurring or one-time. Users write the definition columns (by SQL or the
 * API); the master maintains the state columns (`next_run_at` and below).
 */
export const job = edgecron.table(
  'job',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    name: text('name'),
    owner: text('owner').notNull().default(sql`current_user`),
    runAs: text('run_as'),
    comments: text('comments'),

    // What runs: one command, or a list (each in its own transaction unless use_same_transaction).
    command: text('command'),
    commands: text('commands').array(),
    params: jsonb('params').$type<unknown[]>(),
    useSameTransaction: boolean('use_same_transaction').notNull().default(false),

    // When it runs. A job without schedule, rule or dates is one-time: at run_after (or now),
    // or when every job in depends_on has succeeded.
    kind: text('kind', { enum: JOB_KINDS })
      .notNull()
      .generatedAlwaysAs(
        sql`CASE WHEN schedule IS NULL AND rule IS NULL AND dates IS NULL THEN 'one_time' ELSE 'recurring' END`,
      ),
    schedule: text('schedule'),
    rule: jsonb('rule'),
    dates: instant('dates').array(),
    runAfter: instant('run_after'),
    timezone: text('timezone'),
    // NULL: the syntax's own rule, either day matching for cron text (Vixie), both for a pgpro rule.
    dayMatch: text('day_match', { enum: DAY_MATCHES }),
    startAt: instant('start_at'),
    endAt: instant('end_at'),
    dependsOn: bigint('depends_on', { mode: 'number' }).array(),
    nextTimeStatement: text('next_time_statement'),
    intervalExpression: text('interval_expression'),

    // Policies.
    overlap: text('overlap', { enum: OVERLAP_POLICIES }).notNull().default('skip'),
    maxInstances: integer('max_instances').notNull().default(1),
    queueLimit: integer('queue_limit').notNull().default(100),
    misfire: text('misfire', { enum: MISFIRE_POLICIES }).notNull().default('run_once'),
    misfireCap: integer('misfire_cap').notNull().default(100),
    maxAttempts: integer('max_attempts').notNull().default(1),
    retryBackoff: interval('retry_backoff').notNull().default('10 seconds'),
    retryBackoffMax: interval('retry_backoff_max').notNull().default('1 hour'),
    brokenAfter: integer('broken_after'),
    maxRunTime: interval('max_run_time'),
    maxWait: interval('max_wait'),
    fallback: text('fallback'),
    queue: text('queue'),
    priority: integer('priority').notNull().default(0),
    resubmitLimit: integer('resubmit_limit').notNull().default(100),
    deleteAfterSuccess: boolean('delete_after_success').notNull().default(false),
    enabled: boolean('enabled').notNull().default(true),

    // State, maintained by the master.
    state: text('state', { enum: JOB_STATES }).notNull().default('active'),
    brokenReason: text('broken_reason'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    resubmitCount: integer('resubmit_count').notNull().default(0),
    resubmitAt: instant('resubmit_at'),
    nextRunAt: instant('next_run_at'),
    lastScheduledFor: instant('last_scheduled_for'),
    lastFinishedAt: instant('last_finished_at'),
    anchorAt: instant('anchor_at').notNull().defaultNow(),
    // `revision` moves when a user changes what decides the timing (a trigger bumps it);
    // the master recomputes `next_run_at` for rows where it differs from `synced_revision`.
    revision: bigint('revision', { mode: 'number' }).notNull().default(1),
    syncedRevision: bigint('synced_revision', { mode: 'number' }).notNull().default(0),
    // A column of its own (not just an index predicate) so the planner has statistics on it
    // and finds the few unsynced rows through job_unsynced_idx instead of scanning the table.
    needsSync: boolean('needs_sync')
      .notNull()
      .generatedAlwaysAs(sql`revision <> synced_revision`),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('job_owner_name_key').on(t.owner, t.name),
    index('job_due_idx').on(t.nextRunAt).where(sql`${t.nextRunAt} IS NOT NULL`),
    index('job_unsynced_idx').on(t.id).where(sql`${t.needsSync}`),
    index('job_waiting_idx')
      .on(t.id)
      .where(
        sql`${t.dependsOn} IS NOT NULL AND ${t.state} = 'active' AND ${t.nextRunAt} IS NULL AND ${t.lastScheduledFor} IS NULL`,
      ),
    check(
      'job_has_command',
      sql`(command IS NOT NULL AND btrim(command) <> '') OR (commands IS NOT NULL AND cardinality(commands) > 0)`,
    ),
    check('job_state_valid', oneOf('state', JOB_STATES)),
    check('job_overlap_valid', oneOf('overlap', OVERLAP_POLICIES)),
    check('job_misfire_valid', oneOf('misfire', MISFIRE_POLICIES)),
    check('job_day_match_valid', sql`day_match IS NULL OR ${oneOf('day_match', DAY_MATCHES)}`),
    check('job_max_instances_positive', sql`max_instances >= 1`),
    check('job_queue_limit_positive', sql`queue_limit >= 1`),
    check('job_misfire_cap_positive', sql`misfire_cap >= 1`),
    check('job_max_attempts_positive', sql`max_attempts >= 1`),
    check('job_broken_after_positive', sql`broken_after IS NULL OR broken_after >= 1`),
    check('job_resubmit_limit_nonnegative', sql`resubmit_limit >= 0`),
    check('job_window_ordered', sql`start_at IS NULL OR end_at IS NULL OR start_at < end_at`),
  ],
);

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'skipped',
  'missed',
  'expired',
  'lost',
  'canceled',
  'dependency_failed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED_RUN_STATUSES = RUN_STATUSES.filter((s) => s !== 'queued' && s !== 'running');

/** What a successful command returned, as kept in `run.result`. */
export interface RunResult {
  command: string | null;
  row_count: number | null;
  /** The result's column names in the query's order (row objects do not keep it). */
  columns: string[];
  rows: unknown[];
  truncated: boolean;
}

/** Why a run failed, as kept in `run.error`. */
export interface RunError {
  message: string;
  sqlstate?: string;
  detail?: string;
  hint?: string;
}

/** How the fallback SQL went after a failed run; `failed` is a double fault. */
export interface RunFallback {
  status: 'succeeded' | 'failed';
  error?: RunError;
}

/** One row per attempt of one scheduled slot of a job. */
export const run = edgecron.table(
  'run',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => job.id, { onDelete: 'cascade' }),
    owner: text('owner').notNull().default(sql`current_user`),
    scheduledFor: instant('scheduled_for').notNull(),
    attempt: integer('attempt').notNull().default(1),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    reason: text('reason'),
    queue: text('queue'),
    priority: integer('priority').notNull().default(0),
    startAfter: instant('start_after').notNull().defaultNow(),
    notAfter: instant('not_after'),
    claimedAt: instant('claimed_at').notNull().defaultNow(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    masterId: text('master_id'),
    leaseUntil: instant('lease_until'),
    backendPid: integer('backend_pid'),
    role: text('role'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    // Ended without the master (canceled while queued): the master still applies what follows.
    needsFinish: boolean('needs_finish').notNull().default(false),
    result: jsonb('result').$type<RunResult>(),
    error: jsonb('error').$type<RunError>(),
    fallback: jsonb('fallback').$type<RunFallback>(),
  },
  (t) => [
    // A slot is claimed once, whatever races: the claim inserts with ON CONFLICT DO NOTHING.
    uniqueIndex('run_job_slot_attempt_key').on(t.jobId, t.scheduledFor, t.attempt),
    // (job, id) scanned backwards gives a job's runs newest first.
    index('run_job_idx').on(t.jobId, t.id),
    // Dispatch order, and when the next queued run may start.
    index('run_queued_idx')
      .on(t.priority.desc(), t.startAfter, t.id)
      .where(sql`${t.status} = 'queued'`),
    index('run_queued_start_idx').on(t.startAfter).where(sql`${t.status} = 'queued'`),
    // Instances of a job and of a queue that are waiting or running (overlap and limits).
    index('run_unfinished_job_idx').on(t.jobId, t.status).where(sql`${t.status} IN ('queued', 'running')`),
    index('run_running_queue_idx').on(t.queue).where(sql`${t.status} = 'running'`),
    index('run_finished_idx').on(t.finishedAt).where(sql`${t.finishedAt} IS NOT NULL`),
    index('run_needs_finish_idx').on(t.id).where(sql`${t.needsFinish}`),
    // The earliest deadline (max_wait) among waiting runs.
    index('run_deadline_idx').on(t.notAfter).where(sql`${t.status} = 'queued' AND ${t.notAfter} IS NOT NULL`),
    check('run_status_valid', oneOf('status', RUN_STATUSES)),
  ],
);

/** Per-database settings: a single row, changed with UPDATE (or the API). */
export const settings = edgecron.table(
  'settings',
  {
    id: boolean('id').primaryKey().default(true),
    pollInterval: interval('poll_interval').notNull().default('1 second'),
    parallelism: integer('parallelism').notNull().default(8),
    timezone: text('timezone').notNull().default('UTC'),
    paused: boolean('paused').notNull().default(false),
    scaleToZero: boolean('scale_to_zero').notNull().default(false),
    syncInterval: interval('sync_interval').notNull().default('15 minutes'),
    resultLimit: integer('result_limit').notNull().default(65536),
    retentionAge: interval('retention_age').default('30 days'),
    retentionMaxRuns: bigint('retention_max_runs', { mode: 'number' }).default(1_000_000),
    lease: interval('lease').notNull().default('30 seconds'),
    claimBatch: integer('claim_batch').notNull().default(500),
    allowSuperuserJobs: boolean('allow_superuser_jobs').notNull().default(true),
    requireJobLogin: boolean('require_job_login').notNull().default(false),
  },
  () => [
    check('settings_single_row', sql`id`),
    check('settings_parallelism_range', sql`parallelism BETWEEN 1 AND 1000`),
    check('settings_poll_interval_range', sql`poll_interval BETWEEN interval '10 milliseconds' AND interval '1 hour'`),
    check('settings_claim_batch_range', sql`claim_batch BETWEEN 1 AND 10000`),
    check('settings_result_limit_range', sql`result_limit BETWEEN 0 AND 10485760`),
    check('settings_lease_range', sql`lease >= interval '1 second'`),
  ],
);

/** Named queues (pg_task groups): at most `max_running` runs of the queue's jobs at once. */
export const queue = edgecron.table(
  'queue',
  {
    name: text('name').primaryKey(),
    maxRunning: integer('max_running').notNull().default(1),
  },
  () => [check('queue_max_running_positive', sql`max_running >= 1`)],
);

/** Each master's heartbeat, written as it ticks: is the scheduler alive, and how is it doing. */
export const masterHeartbeat = edgecron.table('master_heartbeat', {
  masterId: text('master_id').primaryKey(),
  database: text('database').notNull(),
  startedAt: instant('started_at').notNull(),
  lastTickAt: instant('last_tick_at').notNull(),
  lagMs: integer('lag_ms').notNull().default(0),
  running: integer('running').notNull().default(0),
  queued: integer('queued').notNull().default(0),
  nextDue: instant('next_due'),
});

export type Job = typeof job.$inferSelect;
export type Run = typeof run.$inferSelect;
export type Settings = typeof settings.$inferSelect;
