// One-time jobs: pgpro_scheduler's submit_job parameters plus edgecron's policies.
import { z } from '@hono/zod-openapi';
import { Id } from './common';
import { checkKeyGroups, jobKeyShape, oneTimeKeyShape } from './job-keys';

const { name, comments, run_as, retry, queue, priority, fallback, owner } = jobKeyShape;

export const SubmitBody = z
  .strictObject({ ...oneTimeKeyShape, name, comments, run_as, retry, queue, priority, fallback, owner })
  .superRefine((body, ctx) => checkKeyGroups(body, ctx, false))
  .openapi('SubmitJob', { example: { query: 'SELECT process_order($1)', params: [42], max_duration: '1 minute' } });

export type SubmitKeys = z.infer<typeof SubmitBody>;

export const SubmitResponse = z
  .object({
    id: Id.openapi({ example: 7 }),
    status: z.string().openapi({ description: 'The job status (see Job.status): `pending` until a run is queued.', example: 'pending' }),
  })
  .openapi('Submitted');
