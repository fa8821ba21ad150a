// One-time jobs: pgpro_scheduler's submit_job parameters plus edgecron's policies.
import { z } from '@hono/zod-openapi';
import { Id, Int32, IntervalText, TimestampText } from './common';
import { RetryPolicy } from './job-keys';

const INT32_MAX = 2_147_483_647;

export const SubmitBody = z
  .strictObject({
    query: z.string().min(1).openapi({ description: 'The SQL to run.', example: 'SELECT process_order($1)' }),
    params: z.array(z.unknown()).max(1000).optional().openapi({
      description: 'JSON values bound as `$1..$n` (the query must then be a single statement).',
      example: [42],
    }),
    run_after: TimestampText.optional().openapi({ description: 'Not before this instant (default: now).' }),
    max_duration: IntervalText.optional().openapi({ description: 'The run is `timed_out` past it.' }),
    max_wait_interval: IntervalText.optional().openapi({ description: 'The run is `expired` if it cannot start within it.' }),
    depends_on: z.array(Id).min(1).max(1000).optional().openapi({
      description: 'Job ids that must all succeed first; one failed or canceled → `dependency_failed`. Not with `run_after`.',
    }),
    name: z.string().min(1).optional(),
    comments: z.string().optional(),
    resubmit_limit: z.number().int().min(0).max(INT32_MAX).optional().openapi({ description: 'Most resubmissions (default 100).' }),
    run_as: z.string().min(1).optional().openapi({ description: 'A role the owner is a member of; else 403.' }),
    retry: RetryPolicy.optional(),
    queue: z.string().min(1).optional(),
    priority: Int32.optional(),
    fallback: z.string().min(1).optional().openapi({ description: 'SQL run when the run fails.' }),
    delete_after_success: z.boolean().optional(),
    owner: z.string().min(1).optional().openapi({ description: "Admin tokens only: the role the job belongs to (default the token's role)." }),
  })
  .openapi('SubmitJob', { example: { query: 'SELECT process_order($1)', params: [42], max_duration: '1 minute' } });

export type SubmitKeys = z.infer<typeof SubmitBody>;

export const SubmitResponse = z
  .object({
    id: Id.openapi({ example: 7 }),
    status: z.string().openapi({ description: 'The job status (see Job.status): `pending` until a run is queued.', example: 'pending' }),
  })
  .openapi('Submitted');
