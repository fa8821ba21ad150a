// The public SQL surface of edgecron: schema `edgecron` in the target database.
// Table and column names here are what users query and insert into; extend, never rename.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const edgecron = pgSchema('edgecron');

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const JOB_STATES = ['active', 'broken', 'done'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One row per job. `next_run_at` is maintained by the master; NULL means nothing is due. */
export const job = edgecron.table(
  'job',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    name: text('name'),
    owner: text('owner').notNull().default(sql`current_user`),
    schedule: text('schedule'),
    command: text('command').notNull(),
    timezone: text('timezone'),
    enabled: boolean('enabled').notNull().default(true),
    state: text('state', { enum: JOB_STATES }).notNull().default('active'),
    brokenReason: text('broken_reason'),
    nextRunAt: instant('next_run_at'),
    lastScheduledFor: instant('last_scheduled_for'),
    // `revision` moves when a user changes what decides the timing (a trigger bumps it);
    // the master recomputes `next_run_at` for rows where it differs from `synced_revision`.
    revision: bigint('revision', { mode: 'number' }).notNull().default(1),
    syncedRevision: bigint('synced_revision', { mode: 'number' }).notNull().default(0),
    createdAt: instant('created_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('job_owner_name_key').on(t.owner, t.name),
    index('job_due_idx').on(t.nextRunAt).where(sql`${t.nextRunAt} IS NOT NULL`),
    index('job_unsynced_idx').on(t.id).where(sql`${t.revision} <> ${t.syncedRevision}`),
    check('job_command_not_empty', sql`btrim(${t.command}) <> ''`),
    check('job_state_valid', sql.raw(`state IN (${JOB_STATES.map((s) => `'${s}'`).join(', ')})`)),
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

/** What a successful command returned, as kept in `run.result`. */
export interface RunResult {
  command: string | null;
  row_count: number | null;
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

/** One row per attempt of one scheduled slot of a job. */
export const run = edgecron.table(
  'run',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => job.id, { onDelete: 'cascade' }),
    scheduledFor: instant('scheduled_for').notNull(),
    attempt: integer('attempt').notNull().default(1),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('queued'),
    claimedAt: instant('claimed_at').notNull().defaultNow(),
    startedAt: instant('started_at'),
    finishedAt: instant('finished_at'),
    backendPid: integer('backend_pid'),
    result: jsonb('result').$type<RunResult>(),
    error: jsonb('error').$type<RunError>(),
  },
  (t) => [
    // A slot is claimed once, whatever races: the claim inserts with ON CONFLICT DO NOTHING.
    uniqueIndex('run_job_slot_attempt_key').on(t.jobId, t.scheduledFor, t.attempt),
    index('run_job_idx').on(t.jobId, t.id.desc()),
    index('run_unfinished_idx').on(t.status).where(sql`${t.status} IN ('queued', 'running')`),
    check('run_status_valid', sql.raw(`status IN (${RUN_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
  ],
);

export type Job = typeof job.$inferSelect;
export type Run = typeof run.$inferSelect;
