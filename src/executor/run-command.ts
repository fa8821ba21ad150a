// Runs one started run on its own connection, as the job's role, and reports how it ended.
// It never throws and never reads the clock or the environment: both come in through `deps`.
import type { Pool, PoolClient } from '@neondatabase/serverless';
import { isConnectionError, withClient } from '../db/client';
import type { StartedRun } from '../db/queries/dispatch-runs';
import { runApplicationName } from '../db/queries/maintenance';
import type { RunError, RunFallback, RunResult } from '../db/schema';
import type { EndStatus, NextTimeOutcome } from '../master/finish-plan';
import { toRunError, toRunResult } from './outcome';
import { loggableError } from '../db/database-error';

/**
 * Where a run of a role connects: the executor's pool, switching to the role with SET ROLE, or
 * a pool that logs in as the role itself (EDGECRON_JOB_LOGINS); or why the role may not run.
 */
export type JobConnection = { pool: Pool; login: boolean } | { refused: string };

export interface ExecutorDeps {
  connectionFor: (role: string) => JobConnection;
  database: string;
  resultLimitBytes: number;
  allowSuperuserJobs: boolean;
  /** Resolves at `instant`. */
  waitUntil: (instant: Date) => Promise<void>;
  now: () => Date;
  log: (message: string) => void;
  /** Records that the command was sent (started_at, backend pid), while it runs. */
  onStart: (runId: number, startedAt: Date, backendPid: number | null) => Promise<void>;
  /** Cancels (or, when that was not enough, terminates) a backend from another connection. */
  signal: (pid: number, how: 'cancel' | 'terminate') => Promise<void>;
  /** How long after max_run_time the cancel, and after it the terminate, are sent. */
  cancelGraceMs: number;
  terminateGraceMs: number;
}

/** The run's backend is gone although its connection looks open (half-open): it is lost. */
export class BackendGone extends Error {
  override name = 'BackendGone';
}

/** What the master may do to a run while it executes. */
export class Execution {
  canceled = false;
  timedOut = false;
  backendPid: number | null = null;
  /** The session is prepared and not reset yet: its backend names the run in pg_stat_activity. */
  sessionLive = false;
  /** Rejects when the master gives the run up (its backend is gone); the command stops waiting. */
  readonly abandoned: Promise<never>;
  #abandon: (reason: BackendGone) => void = () => {};

  constructor(readonly run: StartedRun) {
    this.abandoned = new Promise<never>((_, reject) => {
      this.#abandon = reject;
    });
    this.abandoned.catch(() => {}); // observed by the executor only while a command runs
  }

  abandon(reason: string): void {
    this.#abandon(new BackendGone(reason));
  }
}

export interface ExecutionReport {
  status: EndStatus;
  startedAt: Date | null;
  /** When the commands (and fallback) ended, by the master's clock, like startedAt. */
  finishedAt: Date | null;
  backendPid: number | null;
  result: RunResult | null;
  error: RunError | null;
  fallback: RunFallback | null;
  reason: string | null;
  nextTime: NextTimeOutcome;
  /** The job cannot run at all (its role is gone, or not allowed): it should be broken. */
  unrunnable: string | null;
}

const SQLSTATE_QUERY_CANCELED = '57014';

/**
 * Prepares a session (application_name so a DBA finds the run in pg_stat_activity; the job's
 * role, so `current_user` inside the job is its owner or run_as; edgecron.job_id and
 * edgecron.run_id; statement_timeout from max_run_time), evaluates the interval expression,
 * waits for the run's instant, runs the commands (simple query protocol, so VACUUM and
 * procedures that COMMIT work; each in its own transaction unless use_same_transaction),
 * runs the fallback after a failure and the next-time statement after the run, and leaves
 * the connection as it found it.
 */
export async function executeRun(deps: ExecutorDeps, execution: Execution): Promise<ExecutionReport> {
  const run = execution.run;
  const report: ExecutionReport = {
    status: 'failed',
    startedAt: null,
    finishedAt: null,
    backendPid: null,
    result: null,
    error: null,
    fallback: null,
    reason: null,
    nextTime: {},
    unrunnable: null,
  };
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const connection = deps.connectionFor(run.role);
  if ('refused' in connection) {
    report.unrunnable = connection.refused;
    report.error = { message: connection.refused, sqlstate: '42501' };
    return report;
  }
  try {
    await withClient(connection.pool, async (client) => {
      // A login session already is the role; the executor's session switches to it.
      const session = await client.query<{ pid: number; superuser: boolean | null; user: string }>(
        `SELECT set_config('application_name', $1, false),
                CASE WHEN $6::boolean THEN NULL ELSE set_config('role', $2, false) END,
                set_config('edgecron.job_id', $3, false), set_config('edgecron.run_id', $4, false),
                set_config('statement_timeout', $5, false), pg_backend_pid() AS pid,
                (SELECT rolsuper FROM pg_roles WHERE rolname = $2) AS superuser, session_user AS user`,
        [
          runApplicationName(deps.database, run.runId),
          run.role,
          String(run.jobId),
          String(run.runId),
          run.maxRunTimeMs === null ? '0' : `${Math.max(1, Math.round(run.maxRunTimeMs))}ms`,
          connection.login,
        ],
      ).catch((e: unknown) => {
        if (!isConnectionError(e)) report.unrunnable = `cannot run as role "${run.role}": ${toRunError(e).message}`;
        throw e;
      });
      const pid = session.rows[0]?.pid ?? null;
      execution.backendPid = report.backendPid = pid;
      execution.sessionLive = true;
      const reset = () => {
        // From here on the session stops naming the run: the lease renewal must not take that
        // for a backend that is gone.
        execution.sessionLive = false;
        return resetSession(client);
      };
      const refusal =
        connection.login && session.rows[0]?.user !== run.role
          ? `the login configured for role "${run.role}" in EDGECRON_JOB_LOGINS connects as "${session.rows[0]?.user}"`
          : session.rows[0]?.superuser === true && !deps.allowSuperuserJobs
            ? `role "${run.role}" is a superuser and edgecron.settings.allow_superuser_jobs is off`
            : null;
      if (refusal !== null) {
        report.unrunnable = refusal;
        report.error = { message: refusal, sqlstate: '42501' };
        await reset();
        return;
      }

      if (run.intervalExpression !== null) {
        report.nextTime = await evaluateNextTime(client, `SELECT (${run.intervalExpression})::timestamptz`, 'interval_expression', true);
      }

      await deps.waitUntil(run.startAfter);
      if (execution.canceled) {
        report.status = 'canceled';
        report.reason = 'canceled before it started';
        await reset();
        return;
      }
      const startedAt = deps.now();
      report.startedAt = startedAt;
      // Not awaited: the run's end carries the same facts, and a start written after the end
      // changes nothing (it only touches running runs).
      deps.onStart(run.runId, startedAt, pid).catch((e: unknown) => {
        deps.log(`run ${run.runId}: could not record its start: ${loggableError(e, { stack: false })}`);
      });
      if (run.maxRunTimeMs !== null && pid !== null) {
        const cancelAt = run.maxRunTimeMs + deps.cancelGraceMs;
        timers.push(
          setTimeout(() => {
            execution.timedOut = true;
            deps.signal(pid, 'cancel').catch(() => {});
          }, cancelAt),
          setTimeout(() => deps.signal(pid, 'terminate').catch(() => {}), cancelAt + deps.terminateGraceMs),
        );
      }

      let failure: unknown = null;
      try {
        report.result = toRunResult(await Promise.race([runCommands(client, run), execution.abandoned]), deps.resultLimitBytes);
      } catch (e) {
        failure = e;
      }
      report.finishedAt = deps.now();
      for (const timer of timers.splice(0)) clearTimeout(timer);

      if (failure === null) {
        report.status = 'succeeded';
      } else {
        report.error = toRunError(failure);
        report.status = endStatus(failure, execution);
        if (isConnectionError(failure)) {
          if (report.status === 'lost') {
            report.reason = failure instanceof BackendGone ? failure.message : 'its connection closed while it ran';
          }
          if (report.status === 'timed_out') report.reason = `ran longer than max_run_time (${run.maxRunTimeMs} ms); its backend was terminated`;
          throw failure; // the connection is gone: nothing more can run on it
        }
        if (report.status === 'canceled') report.reason = 'canceled while it ran';
        if (report.status === 'timed_out') report.reason = `ran longer than max_run_time (${run.maxRunTimeMs} ms)`;
        if (run.fallback !== null && report.status !== 'canceled') {
          report.fallback = await runFallback(client, run.fallback);
        }
      }
      if (run.nextTimeStatement !== null) {
        await client.query('ROLLBACK');
        await setTransactionState(client, report.status === 'succeeded' ? 'success' : 'failure');
        report.nextTime = await evaluateNextTime(client, run.nextTimeStatement, 'next_time_statement', false);
      }
      report.finishedAt = deps.now();
      await reset();
    });
  } catch (e) {
    execution.sessionLive = false;
    for (const timer of timers) clearTimeout(timer);
    if (connection.login && report.startedAt === null && /^28/.test(toRunError(e).sqlstate ?? '')) {
      // The role's password is wrong or it may not log in: retrying cannot help.
      report.unrunnable = `cannot log in as role "${run.role}" with its EDGECRON_JOB_LOGINS password: ${toRunError(e).message}`;
    }
    if (report.status !== 'lost' && report.startedAt === null) {
      // The session could not be prepared, or the connection failed before the command.
      report.status = isConnectionError(e) ? 'lost' : 'failed';
      report.error = toRunError(e);
      report.reason = isConnectionError(e) ? 'could not open or keep a connection' : report.reason;
    }
  }
  return report;
}

function endStatus(failure: unknown, execution: Execution): EndStatus {
  if (execution.canceled) return 'canceled';
  if (execution.timedOut) return isConnectionError(failure) || isCanceled(failure) ? 'timed_out' : 'failed';
  if (isCanceled(failure)) {
    // statement_timeout (set from max_run_time) cancels with the same SQLSTATE as a user cancel.
    return /statement timeout/i.test((failure as Error).message) ? 'timed_out' : 'canceled';
  }
  return isConnectionError(failure) ? 'lost' : 'failed';
}

function isCanceled(e: unknown): boolean {
  return e instanceof Error && (e as { code?: unknown }).code === SQLSTATE_QUERY_CANCELED;
}

async function runCommands(client: PoolClient, run: StartedRun): Promise<unknown> {
  if (run.params !== null && run.commands.length === 1) {
    // Parameters need the extended protocol: a single statement, bound as $1..$n.
    return client.query(run.commands[0]!, run.params);
  }
  if (run.useSameTransaction && run.commands.length > 1) {
    await client.query('BEGIN');
    try {
      let last: unknown;
      for (const command of run.commands) last = await client.query(command);
      await client.query('COMMIT');
      return last;
    } catch (e) {
      if (!isConnectionError(e)) await client.query('ROLLBACK');
      throw e;
    }
  }
  let last: unknown;
  for (const command of run.commands) last = await client.query(command);
  return last;
}

async function runFallback(client: PoolClient, fallback: string): Promise<RunFallback> {
  try {
    await client.query('ROLLBACK');
    await client.query(fallback);
    return { status: 'succeeded' };
  } catch (e) {
    return { status: 'failed', error: toRunError(e) };
  }
}

/**
 * pgpro_scheduler's `schedule.transaction_state`, which its README tells a next_time_statement
 * to read: 'success' or 'failure', the run's outcome (the session is reset afterwards). A
 * server that reserves the name (pgpro_scheduler still preloaded) refuses it: the statement
 * then runs without it rather than not at all.
 */
async function setTransactionState(client: PoolClient, state: 'success' | 'failure'): Promise<void> {
  try {
    await client.query(`SELECT set_config('schedule.transaction_state', $1, false)`, [state]);
  } catch (e) {
    if (isConnectionError(e)) throw e;
  }
}

/**
 * Runs SQL that gives the job's next start (first column of the first row). A timestamp sets
 * it; NULL means "no more runs" for an interval expression and is an error for a
 * next_time_statement (pgpro_scheduler marks the job broken); anything else breaks the job.
 * A next_time_statement that returns no row sets nothing: the job's schedule gives the next
 * start, as if it had none (QSched's override applies after successful runs only).
 */
async function evaluateNextTime(
  client: PoolClient,
  text: string,
  what: 'interval_expression' | 'next_time_statement',
  nullMeansDone: boolean,
): Promise<NextTimeOutcome> {
  try {
    const result = await client.query({ text, rowMode: 'array' });
    if (result.rows.length === 0 && what === 'next_time_statement') return { fromSchedule: true };
    const value: unknown = (result.rows[0] as unknown[] | undefined)?.[0];
    if (value instanceof Date && !Number.isNaN(value.getTime())) return { nextRunAt: value };
    if ((value === null || value === undefined) && nullMeansDone) return { nextRunAt: null };
    return { brokenReason: `${what} returned ${value === undefined ? 'no row' : JSON.stringify(value)}, not a timestamp` };
  } catch (e) {
    return { brokenReason: `${what} failed: ${toRunError(e).message}` };
  }
}

/**
 * Leaves the connection as it was found, whatever the job did to its session (an open
 * transaction, SET commands, its role, temporary tables): the next run must not inherit any
 * of it. If this fails, withClient discards the connection.
 */
async function resetSession(client: PoolClient): Promise<void> {
  try {
    await client.query('DISCARD ALL');
  } catch {
    // The job left a transaction open (or failed inside one): DISCARD cannot run there.
    await client.query('ROLLBACK');
    await client.query('DISCARD ALL');
  }
}
