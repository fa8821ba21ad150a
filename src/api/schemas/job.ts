// A job as the API shows it: the columns of edgecron.job (snake_case, instants in ISO UTC), plus
// what the API derives: `status`, `finished` and the next fire times.
import { z } from '@hono/zod-openapi';
import { JOB_KINDS, JOB_STATES } from '../../db/schema';
import { Cursor, Id, Limit, NextCursor, RoleName, StoredTimestamp, Text, Timestamp, UnreadableInstants } from './common';
import { Run } from './run';

export const JOB_STATUS_TEXT =
  '`running` or `queued` while a run of the job is; otherwise, for one-time jobs, `pending` until they finish, then the status of their last run (`succeeded`, `failed`, `timed_out`, `canceled`, `expired`, `dependency_failed`, …), or `canceled`/`broken` when they never ran; for recurring jobs `scheduled`, `disabled`, `broken` or `done`.';

export const Job = z
  .object({
    id: Id,
    name: z.string().nullable(),
    owner: z.string(),
    run_as: z.string().nullable(),
    comments: z.string().nullable(),
    kind: z.enum(JOB_KINDS),
    command: z.string().nullable(),
    commands: z.array(z.string()).nullable(),
    params: z.array(z.unknown()).nullable(),
    use_same_transaction: z.boolean(),
    schedule: z.string().nullable(),
    rule: z.unknown().nullable(),
    dates: z.array(Timestamp.nullable()).nullable(),
    run_after: Timestamp.nullable(),
    timezone: z.string().nullable(),
    day_match: z.enum(['any', 'all']).nullable(),
    start_at: Timestamp.nullable(),
    end_at: Timestamp.nullable(),
    depends_on: z.array(Id).nullable(),
    next_time_statement: z.string().nullable(),
    interval_expression: z.string().nullable(),
    overlap: z.enum(['skip', 'queue']),
    max_instances: z.number().int(),
    queue_limit: z.number().int(),
    misfire: z.enum(['run_once', 'skip', 'run_all']),
    misfire_cap: z.number().int(),
    max_attempts: z.number().int(),
    retry_backoff: z.string(),
    retry_backoff_max: z.string(),
    broken_after: z.number().int().nullable(),
    max_run_time: z.string().nullable(),
    max_wait: z.string().nullable(),
    fallback: z.string().nullable(),
    queue: z.string().nullable(),
    priority: z.number().int(),
    resubmit_limit: z.number().int(),
    delete_after_success: z.boolean(),
    enabled: z.boolean(),
    state: z.enum(JOB_STATES),
    broken_reason: z.string().nullable(),
    consecutive_failures: z.number().int(),
    resubmit_count: z.number().int(),
    resubmit_at: Timestamp.nullable(),
    next_run_at: Timestamp.nullable(),
    last_scheduled_for: Timestamp.nullable(),
    last_finished_at: Timestamp.nullable(),
    anchor_at: StoredTimestamp,
    created_at: StoredTimestamp,
    updated_at: StoredTimestamp,
    status: z.string().openapi({ description: JOB_STATUS_TEXT, example: 'scheduled' }),
    finished: z.boolean().openapi({ description: 'True when the job will not run again by itself (`state` is `done` or `broken`).' }),
    unreadable_instants: UnreadableInstants,
  })
  .openapi('Job');
export type JobJson = z.infer<typeof Job>;

export const JobWithFires = Job.extend({
  next_fires: z.array(Timestamp).openapi({
    description: "The schedule's next five fire times after now (empty for one-time jobs and schedules without clock times).",
  }),
}).openapi('JobWithFires');

export const JobDetail = JobWithFires.extend({
  runs: z.array(Run).openapi({ description: 'The latest runs of the job, newest first (at most 20).' }),
}).openapi('JobDetail');

export const JobList = z.object({ jobs: z.array(Job), next_cursor: NextCursor }).openapi('JobList');

export const JobListQuery = z.strictObject({
  // Longer than a name the API takes: a job named by SQL may have a longer one.
  name: Text.min(1).max(1000).optional().openapi({ description: 'Exact job name.' }),
  kind: z.enum(JOB_KINDS).optional(),
  state: z.enum(JOB_STATES).optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional().openapi({ type: 'boolean' }),
  queue: Text.min(1).max(1000).optional(),
  owner: RoleName.optional().openapi({ description: "Admin tokens: only this role's jobs." }),
  limit: Limit,
  cursor: Cursor.optional(),
});

