// The master's work for one database, around the pure decisions in timing.ts and
// finish-plan.ts: sync SQL changes → claim due slots → dispatch waiting runs → execute →
// record → say when to wake next. Everything that must survive a restart is in the database.
import type { Pool } from '@neondatabase/serverless';
import { createDb, createPool, loginUrl, type Db } from '../db/client';
import { claimDueRuns } from '../db/queries/claim-due-runs';
import { dispatchRuns, type StartedRun } from '../db/queries/dispatch-runs';
import { finishRuns, type FinishingJobRow, type FinishingRunRow, type RunEnd } from '../db/queries/finish-run';
import {
  cancelRequests,
  findLostRuns,
  loadStartupJobs,
  purgeHistory,
  queueStartupRuns,
  renewLeases,
  signalBackend,
} from '../db/queries/maintenance';
import { DEFAULT_DATABASE_SETTINGS, nextWork, peekWork, type DatabaseSettings } from '../db/queries/peek-work';
import { markRunsStarted } from '../db/queries/record-run';
import { releaseDependents } from '../db/queries/release-dependents';
import { syncChangedJobs } from '../db/queries/sync-jobs';
import { toDateArray, toNullableDate, toNumber } from '../db/queries/rows';
import type { DatabaseConfig } from '../env';
import { Execution, executeRun, type ExecutionReport, type ExecutorDeps, type JobConnection } from '../executor/run-command';
import { planFinish, resolveNextTime, type FinishPlan } from './finish-plan';
import { scheduleOf } from './job-schedule';
import { BatchWriter } from './batch-writer';
import { decideDueJob, nextWakeAt, timingForChangedJob, type ChangedJob } from './timing';

/** How far ahead of a slot its run is claimed and its session prepared. */
export const LOOKAHEAD_MS = 500;
/** A slot claimed later than this after its time was missed (downtime, pause): misfire policy. */
const MISFIRE_GRACE_MS = 5_000;
const HEARTBEAT_EVERY_MS = 5_000;
const PURGE_EVERY_MS = 60_000;
const MAX_CLAIM_BATCHES_PER_TICK = 40;
/** Connections for claiming, dispatching and recording: runs ending together record at once. */
const CONTROL_CONNECTIONS = 10;
/**
 * Limits of the bookkeeping sessions. Ticks run one at a time, so a statement that hangs (a
 * lock held by a migration or a user, a server that stopped answering) would hold up every
 * later tick and wake and leave no alarm set: with these it fails within seconds, the tick
 * is retried, and everyone else's jobs go on. The master's own statements take milliseconds
 * (a claim of 500 jobs, a purge batch of 1,000 rows), so 10 s leaves a wide margin. Jobs run
 * on the other pool, which has none of these (their limit is max_run_time).
 */
const CONTROL_LIMITS = { statementMs: 10_000, lockMs: 3_000, idleInTransactionMs: 60_000, queryMs: 15_000 };
/** A due job that could not be claimed (its row is locked) is tried again this soon, not at once. */
const LOCKED_RETRY_MS = 250;
/** Run starts or ends written in one statement at most. */
const WRITE_BATCH = 500;

export interface RuntimeOptions {
  database: DatabaseConfig;
  wsProxy: string | undefined;
  log: (message: string) => void;
  /** Keeps the Durable Object alive while a run executes after the tick returned. */
  keepAlive: (work: Promise<unknown>) => void;
}

export interface TickOptions {
  /** A wake from the API or the watchdog: look at the database even in scale-to-zero mode. */
  force: boolean;
  /** When the alarm that caused this tick was set for (to measure how late it fired). */
  expectedAt: Date | null;
}

export interface RuntimeStatus {
  masterId: string;
  startedAt: string;
  lastTickAt: string | null;
  lagMs: number;
  running: number;
  nextDue: string | null;
  paused: boolean;
  scaleToZero: boolean;
  pollIntervalMs: number;
  parallelism: number;
}

export class MasterRuntime {
  readonly masterId = crypto.randomUUID();
  readonly startedAt = new Date();
  readonly #database: DatabaseConfig;
  readonly #log: (message: string) => void;
  readonly #keepAlive: (work: Promise<unknown>) => void;
  readonly #controlPool: Pool;
  readonly #jobPool: Pool;
  /** Pools that log in as a job role (EDGECRON_JOB_LOGINS), opened when the role first runs. */
  readonly #loginPools = new Map<string, Pool>();
  readonly #wsProxy: string | undefined;
  readonly #db: Db;
  #settings: DatabaseSettings = DEFAULT_DATABASE_SETTINGS;
  /**
   * Runs executing now, and the work that ends once each is recorded. A run whose command is
   * over (`done`) no longer takes a slot: the next run starts while its end is being written.
   */
  readonly #executions = new Map<number, { execution: Execution; work: Promise<void>; done: boolean }>();
  /** Run ends not written yet; if the database is unreachable they wait here, still leased. */
  readonly #ends: BatchWriter<ExecutionReport>;
  readonly #starts: BatchWriter<{ startedAt: Date; backendPid: number | null }>;
  #startupRunsQueued = false;
  #maybeQueued = true;
  #dispatching: Promise<void> | null = null;
  #dispatchAgain = false;
  #lastPeekAt = 0;
  #lastHeartbeatAt = 0;
  #lastLeaseRenewAt = 0;
  #lastPurgeAt = 0;
  #lastTickAt: Date | null = null;
  #lagMs = 0;
  #nextDue: Date | null | undefined;
  readonly #onBroken = (jobId: number, reason: string): void => this.#log(`job ${jobId} is broken: ${reason}`);

  constructor(options: RuntimeOptions) {
    this.#database = options.database;
    this.#log = options.log;
    this.#keepAlive = options.keepAlive;
    // Bookkeeping has its own connections, so jobs holding every job connection never stop
    // the master from claiming, recording or cancelling. The job pool's size is a ceiling;
    // the database's `parallelism` setting is enforced by dispatch.
    this.#controlPool = createPool({
      url: options.database.url,
      wsProxy: options.wsProxy,
      max: CONTROL_CONNECTIONS,
      onError: this.#log,
      // How a DBA (and a test) tells the master's sessions from its jobs' in pg_stat_activity.
      applicationName: `edgecron ${options.database.name} master`,
      limits: CONTROL_LIMITS,
    });
    this.#jobPool = createPool({ url: options.database.url, wsProxy: options.wsProxy, max: 1000, onError: this.#log });
    this.#wsProxy = options.wsProxy;
    this.#db = createDb(this.#controlPool);
    this.#ends = new BatchWriter({
      maxBatch: WRITE_BATCH,
      write: async (ends) => {
        // A run's start is written without waiting for it; while that write holds the run's
        // row, this one would skip the run (SKIP LOCKED) and leave its end for later.
        await this.#starts.busy;
        const reports = new Map(ends);
        const { deferred } = await finishRuns(
          this.#db,
          ends.map(([runId, report]) => toRunEnd(runId, report)),
          (job, run) => this.#planFinish(job, run, reports.get(run.runId)!),
          this.#onBroken,
        );
        return deferred;
      },
      onError: (e, count) => this.#log(`could not record ${count} run end(s) yet: ${message(e)}`),
    });
    // A start that cannot be written waits for the next one; the run's end carries the same facts.
    this.#starts = new BatchWriter({
      maxBatch: WRITE_BATCH,
      write: (starts) => markRunsStarted(this.#db, starts.map(([runId, s]) => ({ runId, ...s }))),
      onError: (e, count) => this.#log(`could not record ${count} run start(s): ${message(e)}`),
    });
  }

  status(): RuntimeStatus {
    return {
      masterId: this.masterId,
      startedAt: this.startedAt.toISOString(),
      lastTickAt: this.#lastTickAt?.toISOString() ?? null,
      lagMs: this.#lagMs,
      running: this.#executions.size,
      nextDue: this.#nextDue?.toISOString() ?? null,
      paused: this.#settings.paused,
      scaleToZero: this.#settings.scaleToZero,
      pollIntervalMs: this.#settings.pollIntervalMs,
      parallelism: this.#settings.parallelism,
    };
  }

  /** One tick at `now`; returns when the master should wake next. */
  async tick(now: Date, options: TickOptions): Promise<Date> {
    this.#lastTickAt = now;
    this.#lagMs = options.expectedAt ? Math.max(0, now.getTime() - options.expectedAt.getTime()) : 0;
    const settings = this.#settings;

    // Scale-to-zero: while nothing runs and nothing is due before the next sync, make no round
    // trip at all, so a database that suspends when idle is left asleep.
    if (!options.force && settings.scaleToZero && this.#executions.size === 0 && this.#nextDue !== undefined) {
      const syncAt = this.#lastPeekAt + settings.syncIntervalMs;
      const dueAt = this.#nextDue === null ? Infinity : this.#nextDue.getTime() - LOOKAHEAD_MS;
      if (now.getTime() < Math.min(syncAt, dueAt)) return new Date(Math.min(syncAt, dueAt));
    }

    const heartbeatDue = options.force || settings.scaleToZero || now.getTime() - this.#lastHeartbeatAt >= HEARTBEAT_EVERY_MS;
    const work = await peekWork(
      this.#db,
      heartbeatDue
        ? {
            masterId: this.masterId,
            database: this.#database.name,
            startedAt: this.startedAt,
            lagMs: this.#lagMs,
            running: this.#executions.size,
            nextDue: this.#nextDue ?? null,
          }
        : null,
    );
    this.#lastPeekAt = now.getTime();
    if (heartbeatDue) this.#lastHeartbeatAt = now.getTime();
    this.#settings = work.settings;
    const s = work.settings;

    let { nextDue, nextQueued } = work;
    let wakeForDue: Date | null = null;
    if (this.#ends.size > 0) await this.#ends.flush();
    if (!this.#startupRunsQueued) await this.#queueStartupRuns();
    if (work.waiting) await releaseDependents(this.#db);
    if (work.unsynced || work.waiting) {
      if (work.unsynced) await this.#syncChangedJobs(now);
      // What just became due (a job submitted a moment ago) is claimed in this same tick.
      ({ nextDue, nextQueued } = await nextWork(this.#db));
    }
    if (work.cancelRequested) await this.#cancelRequested();
    if (work.leaseExpired) await this.#reclaimLostRuns();
    if (this.#executions.size > 0 && now.getTime() - this.#lastLeaseRenewAt >= s.leaseMs / 3) {
      await renewLeases(this.#db, this.masterId, s.leaseMs);
      this.#lastLeaseRenewAt = now.getTime();
    }

    if (!s.paused) {
      const horizon = new Date(now.getTime() + LOOKAHEAD_MS);
      let claimed = 0;
      let backlog = false;
      if (nextDue !== null && nextDue <= horizon) {
        for (let batch = 0; batch < MAX_CLAIM_BATCHES_PER_TICK; batch++) {
          const count = await claimDueRuns(this.#db, {
            horizon,
            limit: s.claimBatch,
            decide: (job) => decideDueJob(job, now, MISFIRE_GRACE_MS, s.timezone),
            onBroken: this.#onBroken,
          });
          claimed += count;
          backlog = count === s.claimBatch;
          if (!backlog) break;
        }
      }
      if (claimed > 0 || (nextQueued !== null && nextQueued <= horizon)) {
        this.#maybeQueued = true;
        await this.#dispatch(now);
      }
      if (claimed > 0) ({ nextDue, nextQueued } = await nextWork(this.#db));
      // Still due after a claim that was not cut short: its row is locked (by a user, or by
      // another master's claim). Waking at once would spin for as long as the lock is held.
      if (nextDue !== null && nextDue <= horizon && !backlog) {
        wakeForDue = new Date(now.getTime() + LOOKAHEAD_MS + Math.min(LOCKED_RETRY_MS, s.pollIntervalMs));
      }
    }
    if (now.getTime() - this.#lastPurgeAt >= PURGE_EVERY_MS) {
      this.#lastPurgeAt = now.getTime();
      await purgeHistory(this.#db, { maxAgeMs: s.retentionAgeMs, maxRuns: s.retentionMaxRuns, batch: 1_000 });
    }
    // Ends deferred because this tick (its sync, claim or lease renewal) held their rows.
    if (this.#ends.size > 0) await this.#ends.flush();

    this.#nextDue = nextDue;
    // Queued runs whose time has come but that wait for a free slot are started when a run
    // ends; only those waiting for a later time (retries) set the alarm.
    const waitingUntil = nextQueued !== null && nextQueued > now ? nextQueued : null;
    const earliest = [s.paused ? null : (wakeForDue ?? nextDue), s.paused ? null : waitingUntil]
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    const idleMs = s.scaleToZero && this.#executions.size === 0 ? s.syncIntervalMs : s.pollIntervalMs;
    return nextWakeAt({ now, nextDue: earliest ?? null, idleMs, lookaheadMs: LOOKAHEAD_MS });
  }

  /** Waits until every run started so far has ended and been recorded. */
  async settle(): Promise<void> {
    while (this.#executions.size > 0 || this.#dispatching || this.#ends.busy || this.#starts.busy) {
      const works = [...this.#executions.values()].map((e) => e.work);
      await Promise.all([...works, this.#dispatching, this.#ends.busy, this.#starts.busy]);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#controlPool, this.#jobPool, ...this.#loginPools.values()].map((pool) => pool.end()));
  }

  async #syncChangedJobs(now: Date): Promise<void> {
    const limit = this.#settings.claimBatch;
    const compute = (job: ChangedJob) => timingForChangedJob(job, now, this.#settings.timezone);
    // A full batch means more may wait (rows locked by others are skipped, not counted).
    let looked: number;
    do looked = await syncChangedJobs(this.#db, { limit, compute, onBroken: this.#onBroken });
    while (looked === limit);
  }

  async #queueStartupRuns(): Promise<void> {
    const rows = await loadStartupJobs(this.#db);
    const ids = rows.filter((r) => firesOnStart(r, this.#settings.timezone)).map((r) => toNumber(r.id));
    await queueStartupRuns(this.#db, ids);
    this.#startupRunsQueued = true;
  }

  /** Starts waiting runs into free slots; calls made while one runs are folded into one more. */
  #dispatch(now?: Date): Promise<void> {
    if (this.#dispatching) {
      this.#dispatchAgain = true;
      return this.#dispatching;
    }
    this.#dispatching = (async () => {
      do {
        this.#dispatchAgain = false;
        const at = now ?? new Date();
        now = undefined;
        const free = this.#settings.parallelism - this.#busySlots();
        if (free <= 0 || this.#settings.paused || !this.#maybeQueued) continue;
        const started = await dispatchRuns(this.#db, {
          masterId: this.masterId,
          horizon: new Date(at.getTime() + LOOKAHEAD_MS),
          free,
          candidates: Math.max(16, free * 4),
          leaseMs: this.#settings.leaseMs,
        });
        // Fewer than the free slots: nothing more can start until something changes.
        if (started.length < free) this.#maybeQueued = false;
        for (const run of started) this.#execute(run);
      } while (this.#dispatchAgain);
    })()
      .catch((e: unknown) => this.#log(`dispatch failed: ${message(e)}`))
      .finally(() => {
        this.#dispatching = null;
      });
    return this.#dispatching;
  }

  #execute(run: StartedRun): void {
    const execution = new Execution(run);
    const entry = { execution, work: Promise.resolve(), done: false };
    entry.work = executeRun(this.#executorDeps(), execution)
      .then((report) => {
        entry.done = true;
        this.#maybeQueued = true;
        void this.#dispatch();
        return this.#ends.add(run.runId, report);
      })
      .catch((e: unknown) => this.#log(`run ${run.runId}: ${message(e)}`))
      .finally(() => {
        this.#executions.delete(run.runId);
        // Its end is written: a run of the same job that waited for it may start now.
        this.#maybeQueued = true;
        void this.#dispatch();
      });
    this.#executions.set(run.runId, entry);
    this.#keepAlive(entry.work);
  }

  #busySlots(): number {
    let busy = 0;
    for (const entry of this.#executions.values()) if (!entry.done) busy++;
    return busy;
  }

  #executorDeps(): ExecutorDeps {
    return {
      connectionFor: (role) => this.#connectionFor(role),
      database: this.#database.name,
      resultLimitBytes: this.#settings.resultLimit,
      allowSuperuserJobs: this.#settings.allowSuperuserJobs,
      waitUntil: (instant) => {
        const delay = instant.getTime() - Date.now();
        return delay <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, delay));
      },
      now: () => new Date(),
      log: this.#log,
      onStart: (runId, startedAt, backendPid) => this.#starts.add(runId, { startedAt, backendPid }),
      signal: (pid, how) => signalBackend(this.#db, pid, how),
      cancelGraceMs: 1_000,
      terminateGraceMs: 5_000,
    };
  }

  #connectionFor(role: string): JobConnection {
    const password = this.#database.jobLogins.get(role);
    if (password === undefined) {
      if (!this.#settings.requireJobLogin) return { pool: this.#jobPool, login: false };
      return {
        refused: `role "${role}" has no login in EDGECRON_JOB_LOGINS, and edgecron.settings.require_job_login is on`,
      };
    }
    let pool = this.#loginPools.get(role);
    if (!pool) {
      pool = createPool({
        url: loginUrl(this.#database.url, role, password),
        wsProxy: this.#wsProxy,
        max: 1000,
        onError: this.#log,
      });
      this.#loginPools.set(role, pool);
    }
    return { pool, login: true };
  }

  #planFinish(job: FinishingJobRow, run: FinishingRunRow, report: ExecutionReport): FinishPlan {
    const parsed = scheduleOf(job, this.#settings.timezone);
    const afterIntervalMs = parsed?.ok && parsed.value.kind === 'after' ? parsed.value.intervalMs : null;
    const now = new Date();
    const nextTime =
      report.unrunnable !== null
        ? { brokenReason: report.unrunnable }
        : resolveNextTime(report.nextTime, parsed?.ok ? parsed.value : null, now, {
            ...(report.startedAt ? { lastStart: report.startedAt } : {}),
            lastEnd: now,
          });
    // A job that cannot run at all (its role is gone) is not retried: it is broken at once.
    const finishing = report.unrunnable !== null ? { ...job, maxAttempts: run.attempt, brokenAfter: null } : job;
    return planFinish({ ...finishing, afterIntervalMs }, run, report.status, now, nextTime, Math.random());
  }

  async #cancelRequested(): Promise<void> {
    for (const { runId, backendPid } of await cancelRequests(this.#db, this.masterId)) {
      const execution = this.#executions.get(runId)?.execution;
      if (!execution || execution.canceled) continue;
      execution.canceled = true;
      const pid = backendPid ?? execution.backendPid;
      if (pid !== null) await signalBackend(this.#db, pid, 'cancel');
    }
  }

  async #reclaimLostRuns(): Promise<void> {
    for (const { runId, backendPid } of await findLostRuns(this.#db, this.#database.name)) {
      if (this.#executions.has(runId)) continue; // ours and still executing: its lease is renewed
      if (this.#ends.has(runId)) continue; // ours and ended: its end waits for a row someone holds
      if (backendPid !== null) await signalBackend(this.#db, backendPid, 'terminate');
      const report: ExecutionReport = {
        status: 'lost',
        startedAt: null,
        finishedAt: null,
        backendPid: null,
        result: null,
        error: null,
        fallback: null,
        reason:
          backendPid === null
            ? 'its master stopped renewing its lease and its connection is gone'
            : 'its master stopped renewing its lease; its backend was terminated',
        nextTime: {},
        unrunnable: null,
      };
      await this.#ends.add(runId, report);
    }
  }
}

/** Whether a job fires when a master starts serving the database (`@reboot`, `onstart`). */
function firesOnStart(r: Record<string, unknown>, defaultZone: string): boolean {
  try {
    const parsed = scheduleOf(
      {
        schedule: (r.schedule as string | null) ?? null,
        rule: r.rule ?? null,
        dates: toDateArray(r.dates, 'dates'),
        timezone: (r.timezone as string | null) ?? null,
        dayMatch: (r.day_match as 'any' | 'all' | null) ?? null,
        startAt: toNullableDate(r.start_at, 'start_at'),
        endAt: toNullableDate(r.end_at, 'end_at'),
      },
      defaultZone,
    );
    return parsed?.ok === true && (parsed.value.kind === 'on_start' || (parsed.value.kind === 'cron' && parsed.value.alsoOnStart));
  } catch {
    return false; // a row the scheduler cannot read: the sync breaks that job, with the reason
  }
}

function toRunEnd(runId: number, report: ExecutionReport): RunEnd {
  return {
    runId,
    status: report.status,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    backendPid: report.backendPid,
    result: report.result,
    error: report.error,
    fallback: report.fallback,
    reason: report.reason,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

