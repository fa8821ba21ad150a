// Runs one claimed run on its own connection, as the job's owner, and records the outcome.
import type { Pool, PoolClient } from '@neondatabase/serverless';
import { withClient } from '../db/client';
import type { ClaimedRun } from '../db/queries/claim-due-runs';
import type { RunError, RunResult } from '../db/schema';
import { toRunError, toRunResult } from './outcome';

export interface ExecutorDeps {
  jobPool: Pool;
  /** Called when the command is about to be sent; records `running` (control connection). */
  onStart: (run: ClaimedRun, startedAt: Date, backendPid: number | null) => Promise<void>;
  onFinish: (run: ClaimedRun, finishedAt: Date, outcome: ExecutionOutcome) => Promise<void>;
  /** Resolves at `instant`; injected so the executor itself never reads the clock. */
  waitUntil: (instant: Date) => Promise<void>;
  now: () => Date;
  log: (message: string) => void;
  database: string;
  resultLimitBytes: number;
}

export type ExecutionOutcome =
  | { status: 'succeeded'; result: RunResult }
  | { status: 'failed'; error: RunError };

/**
 * Prepares a session (application_name so a DBA finds the run in pg_stat_activity, and the
 * owner's role so `current_user` inside the job is the owner), waits for the slot's instant,
 * runs the command with the simple query protocol (so commands that cannot run in a
 * transaction block, such as VACUUM, work), then records the outcome. Never throws.
 */
export async function executeRun(deps: ExecutorDeps, run: ClaimedRun): Promise<void> {
  let outcome: ExecutionOutcome;
  try {
    outcome = await withClient(deps.jobPool, deps.log, async (client) => {
      const session = await client.query<{ pid: number }>(
        `SELECT set_config('application_name', $1, false), set_config('role', $2, false), pg_backend_pid() AS pid`,
        [`edgecron ${deps.database} run ${run.runId}`, run.owner],
      );
      await deps.waitUntil(run.scheduledFor);
      const started = deps.onStart(run, deps.now(), session.rows[0]?.pid ?? null);
      let result: ExecutionOutcome;
      try {
        result = { status: 'succeeded', result: toRunResult(await client.query(run.command), deps.resultLimitBytes) };
      } catch (e) {
        result = { status: 'failed', error: toRunError(e) };
      }
      await started;
      await resetSession(client);
      return result;
    });
  } catch (e) {
    // The session could not be prepared (e.g. the owner role is gone) or the connection broke.
    outcome = { status: 'failed', error: toRunError(e) };
  }
  try {
    await deps.onFinish(run, deps.now(), outcome);
  } catch (e) {
    deps.log(`run ${run.runId}: could not record its outcome: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Leaves the connection as it was found, whatever the job did to its session (an open
 * transaction, SET commands, temporary tables): the next run must not inherit any of it.
 * If this fails the connection is discarded by withClient.
 */
async function resetSession(client: PoolClient): Promise<void> {
  await client.query('ROLLBACK');
  await client.query('DISCARD ALL');
}
