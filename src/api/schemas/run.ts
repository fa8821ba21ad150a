// A run as the API shows it: the columns of edgecron.run, snake_case, instants in ISO UTC.
import { z } from '@hono/zod-openapi';
import { RUN_STATUSES } from '../../db/schema';
import { Cursor, Id, IdText, Limit, NextCursor, QueryInstant, RoleName, StoredTimestamp, Timestamp, UnreadableInstants } from './common';

export const RunStatus = z.enum(RUN_STATUSES);

export const Run = z
  .object({
    id: Id,
    job_id: Id,
    owner: z.string(),
    scheduled_for: StoredTimestamp.openapi({ description: 'The slot the run belongs to (the nominal time).' }),
    attempt: z.number().int(),
    status: RunStatus,
    reason: z.string().nullable(),
    queue: z.string().nullable(),
    priority: z.number().int(),
    start_after: StoredTimestamp,
    not_after: Timestamp.nullable(),
    claimed_at: StoredTimestamp,
    started_at: Timestamp.nullable(),
    finished_at: Timestamp.nullable(),
    master_id: z.string().nullable(),
    lease_until: Timestamp.nullable(),
    backend_pid: z.number().int().nullable(),
    role: z.string().nullable().openapi({ description: 'The role the run ran as.' }),
    cancel_requested: z.boolean(),
    result: z
      .object({
        command: z.string().nullable(),
        row_count: z.number().nullable(),
        columns: z.array(z.string()).optional().openapi({ description: 'Column names in the query order.' }),
        rows: z.array(z.unknown()),
        truncated: z.boolean(),
      })
      .nullable()
      .openapi({ description: "The last statement's tag, row count and rows (capped)." }),
    error: z
      .object({ message: z.string(), sqlstate: z.string().optional(), detail: z.string().optional(), hint: z.string().optional() })
      .nullable(),
    fallback: z.object({ status: z.enum(['succeeded', 'failed']), error: z.unknown().optional() }).nullable(),
    unreadable_instants: UnreadableInstants,
  })
  .openapi('Run');
export type RunJson = z.infer<typeof Run>;

export const RunList = z.object({ runs: z.array(Run), next_cursor: NextCursor }).openapi('RunList');

const statusList = z
  .string()
  .regex(/^[a-z_]+(,[a-z_]+)*$/, 'must be run statuses separated by commas')
  .transform((text) => text.split(','))
  .pipe(z.array(RunStatus));

export const RunListQuery = z.strictObject({
  job: IdText.optional().openapi({ type: 'integer', description: 'Only the runs of this job.' }),
  status: statusList.optional().openapi({ type: 'string', description: `Comma-separated: ${RUN_STATUSES.join(', ')}.`, example: 'failed,timed_out' }),
  since: QueryInstant.optional().openapi({ description: 'Only runs whose `scheduled_for` is at or after this instant (ISO 8601).' }),
  until: QueryInstant.optional().openapi({ description: 'Only runs whose `scheduled_for` is before this instant (ISO 8601).' }),
  owner: RoleName.optional().openapi({ description: "Admin tokens: only this role's runs." }),
  limit: Limit,
  cursor: Cursor.optional(),
});
