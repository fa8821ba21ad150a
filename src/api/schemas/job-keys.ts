// The keys that define a job over HTTP: pgpro_scheduler's create_job and submit_job keys and
// edgecron's own, exactly as docs/job-keys.md lists them (the SQL functions take the same JSON).
// Unknown keys are refused by name. As in SQL, null means the key's default (on a change: reset
// it). Which key wins when two name the same column is never guessed: both is a 400.
import { z } from '@hono/zod-openapi';
import { Id, Int32, IntervalText, Name, PositiveInt32, RoleName, Text, TimestampText } from './common';
import { checkJsonValue } from './json-value';

const INT32_MAX = 2_147_483_647;
const Sql = Text.min(1);

export const RetryPolicy = z
  .strictObject({
    max_attempts: PositiveInt32.nullable().optional().openapi({ description: 'Attempts per slot (default 1 = no retry).', example: 3 }),
    backoff: IntervalText.nullable().optional().openapi({ description: 'First wait before a retry; doubles each attempt (default 10 seconds).' }),
    backoff_max: IntervalText.nullable().optional().openapi({ description: 'Longest wait between attempts (default 1 hour).' }),
    broken_after: PositiveInt32.nullable()
      .optional()
      .openapi({ description: 'The job is broken after this many consecutive failed runs.' }),
  })
  .openapi('RetryPolicy');

/** Keys that say when a recurring job runs: exactly one on create. */
export const SCHEDULE_KEYS = ['schedule', 'cron', 'rule', 'date', 'dates'] as const;
/** Keys that say what a job runs: exactly one on create. */
export const COMMAND_KEYS = ['command', 'commands'] as const;
/** Keys naming the same column: at most one of each group (as edgecron._job_columns checks). */
const SAME_COLUMN = [
  ['command', 'commands', 'query'],
  ['last_start_available', 'max_wait', 'max_wait_interval'],
  ['max_run_time', 'max_duration'],
  ['onrollback', 'fallback'],
] as const;

/** pgpro_scheduler's create_job keys and edgecron's (recurring jobs). */
export const jobKeyShape = {
  name: Name.nullable().optional().openapi({ description: 'Unique per owner; at most 200 characters.', example: 'nightly-vacuum' }),
  schedule: Text.min(1).nullable().optional().openapi({
    description: 'Any syntax of the schedule language: cron (5 or 6 fields), `@daily`, `@every 5 minutes`, `@after 1 hour`, `30 seconds`, `@reboot`.',
    example: '0 3 * * *',
  }),
  cron: Text.min(1).nullable().optional().openapi({ description: "pgpro_scheduler's name for `schedule`.", example: '*/5 * * * *' }),
  rule: z.record(z.string(), z.unknown()).superRefine(checkJsonValue).nullable().optional().openapi({
    description: "pgpro_scheduler's rule: `minutes`, `hours`, `days`, `months`, `wdays`, `onstart`.",
    example: { minutes: [0, 30], hours: [9] },
  }),
  date: TimestampText.nullable().optional().openapi({ description: 'One instant to run at (pgpro_scheduler).' }),
  dates: z.array(TimestampText).min(1).max(10_000).nullable().optional().openapi({ description: 'Instants to run at (pgpro_scheduler).' }),
  command: Sql.nullable().optional().openapi({ description: 'One SQL string.', example: 'VACUUM ANALYZE events' }),
  commands: z.array(Sql).min(1).max(1000).nullable().optional().openapi({
    description: 'SQL strings, each in its own transaction unless `use_same_transaction`.',
  }),
  use_same_transaction: z.boolean().nullable().optional(),
  run_as: RoleName.nullable().optional().openapi({ description: 'A role the owner is a member of; else 403.' }),
  start_date: TimestampText.nullable().optional().openapi({ description: 'Validity window start.' }),
  end_date: TimestampText.nullable().optional().openapi({ description: 'Validity window end.' }),
  last_start_available: IntervalText.nullable()
    .optional()
    .openapi({ description: 'How long a run may wait past its slot before it is `expired` (pgpro name of `max_wait`).' }),
  max_wait: IntervalText.nullable().optional().openapi({ description: "edgecron's name for `last_start_available`." }),
  max_run_time: IntervalText.nullable().optional().openapi({ description: 'A run is `timed_out` past it.' }),
  max_instances: PositiveInt32.nullable().optional().openapi({ description: 'Runs of this job at once (default 1).' }),
  onrollback: Sql.nullable().optional().openapi({ description: "SQL run when a run fails (pgpro name of `fallback`)." }),
  fallback: Sql.nullable().optional().openapi({ description: 'SQL run when a run fails.' }),
  next_time_statement: Sql.nullable()
    .optional()
    .openapi({ description: 'SQL run after each run, returning the next start (timestamptz).' }),
  interval_expression: Sql.nullable()
    .optional()
    .openapi({ description: 'SQL expression evaluated before each run giving the next start; NULL = run once.' }),
  comments: Text.nullable().optional(),
  timezone: Text.min(1).nullable().optional().openapi({
    description: "IANA zone of the schedule's wall times; default the database's (`edgecron.settings.timezone`).",
    example: 'Europe/Berlin',
  }),
  day_match: z.enum(['any', 'all']).nullable().optional().openapi({
    description: 'When day of month and day of week are both restricted: either matches (`any`, Vixie cron) or both must (`all`, pgpro); default (null) `any` for cron text, `all` for a `rule`.',
  }),
  overlap: z.enum(['skip', 'queue']).nullable().optional().openapi({
    description: 'A slot due while `max_instances` runs are running is recorded `skipped` (default) or waits `queued`.',
  }),
  queue_limit: PositiveInt32.nullable().optional().openapi({ description: 'Most slots waiting with `overlap: "queue"`.' }),
  misfire: z.enum(['run_once', 'skip', 'run_all']).nullable().optional().openapi({ description: 'What runs after downtime (default `run_once`).' }),
  misfire_cap: PositiveInt32.nullable().optional().openapi({ description: 'Most slots run (`run_all`) or recorded `missed`.' }),
  retry: RetryPolicy.nullable().optional(),
  queue: Name.nullable().optional().openapi({ description: 'Named queue (`edgecron.queue`); at most 200 characters.' }),
  priority: Int32.nullable().optional().openapi({ description: 'Higher starts first when runs wait.' }),
  enabled: z.boolean().nullable().optional(),
  owner: RoleName.optional().openapi({ description: "Admin tokens only: the role the job belongs to (default the token's role)." }),
};

/** pgpro_scheduler's submit_job keys and edgecron's (one-time jobs), besides the shared ones. */
export const oneTimeKeyShape = {
  query: Sql.openapi({ description: 'The SQL to run.', example: 'SELECT process_order($1)' }),
  params: z.array(z.unknown()).max(1000).superRefine(checkJsonValue).nullable().optional().openapi({
    description: 'JSON values bound as `$1..$n` (the query must then be a single statement); nested at most 32 levels.',
    example: [42],
  }),
  run_after: TimestampText.nullable().optional().openapi({ description: 'Not before this instant (default: now).' }),
  max_duration: IntervalText.nullable().optional().openapi({ description: 'The run is `timed_out` past it.' }),
  max_wait_interval: IntervalText.nullable().optional().openapi({ description: 'The run is `expired` if it cannot start within it.' }),
  depends_on: z.array(Id).min(1).max(1000).nullable().optional().openapi({
    description: 'Job ids that must all succeed first; one failed or canceled → `dependency_failed`. Not with `run_after` (422).',
  }),
  resubmit_limit: z.number().int().min(0).max(INT32_MAX).nullable().optional().openapi({ description: 'Most resubmissions (default 100).' }),
  delete_after_success: z.boolean().nullable().optional(),
};

type Keys = Record<string, unknown>;

const present = (body: Keys, keys: readonly string[]): string[] => keys.filter((key) => body[key] !== undefined && body[key] !== null);

/** At most one key of each group naming one column; with `create`, exactly one schedule and one command key. */
export function checkKeyGroups(body: Keys, ctx: z.RefinementCtx, create: boolean): void {
  const groups: Array<[readonly string[], boolean]> = [
    [SCHEDULE_KEYS, create],
    [create ? COMMAND_KEYS : SAME_COLUMN[0], create],
    ...SAME_COLUMN.slice(1).map((group): [readonly string[], boolean] => [group, false]),
  ];
  for (const [keys, needed] of groups) {
    const given = present(body, keys);
    const list = keys.map((k) => `"${k}"`).join(', ');
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1] as string], message: `cannot be combined with "${given[0]}"; give one of ${list}` });
    } else if (needed && given.length === 0) {
      ctx.addIssue({ code: 'custom', path: [], message: `give exactly one of ${list}` });
    }
  }
}

export const CreateJobBody = z
  .strictObject(jobKeyShape)
  .superRefine((body, ctx) => checkKeyGroups(body, ctx, true))
  .openapi('CreateJob', { example: { name: 'nightly-vacuum', cron: '0 3 * * *', command: 'VACUUM ANALYZE events', timezone: 'Europe/Berlin' } });

export const PatchJobBody = z
  .strictObject({ ...jobKeyShape, ...oneTimeKeyShape, query: oneTimeKeyShape.query.nullable().optional() })
  .superRefine((body, ctx) => checkKeyGroups(body, ctx, false))
  .openapi('PatchJob', { example: { cron: '0 4 * * *', max_run_time: '10 minutes' } });

export type JobKeys = z.infer<typeof CreateJobBody>;
export type JobChanges = z.infer<typeof PatchJobBody>;
