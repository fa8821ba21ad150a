// The master's work for one database, around the pure decisions in timing.ts and
// finish-plan.ts: sync SQL changes → claim due slots → dispatch waiting runs → execute →
// record → say when to wake next. Everything that must survive a restart is in the database.
import type { Pool } from '@neondatabase/serverless';
import { createDb, createPool, type Db } from '../db/client';
import { claimDueRuns } from '../db/queries/claim-due-runs';
import { dispatchRuns, type StartedRun } from '../db/queries/dispatch-runs';
import { finishRuns, type FinishingJobRow, type FinishingRunRow, type RunEnd } from '../db/queries/finish-run';
import { cancelRequests, signalBackend } from '../db/queries/maintenance';
import { DEFAULT_DATABASE_SETTINGS, nextWork, peekWork, type DatabaseSettings, type NextWork } from '../db/queries/peek-work';
import { markRunsStarted } from '../db/queries/record-run';
import { releaseDependents } from '../db/queries/release-dependents';
import { syncChangedJobs } from '../db/queries/sync-jobs';
import type { DatabaseConfig } from '../env';
import { Execution, executeRun, type ExecutionReport, type ExecutorDeps } from '../executor/run-command';
import { BatchWriter } from './batch-writer';
import { expireOverdueRuns, finishEndedRuns, reclaimLostRuns } from './ended-runs';
import { planFinish, resolveNextTime, whenSqlSaidNothing, type FinishPlan } from './finish-plan';
import { Housekeeping } from './housekeeping';
import { JobConnections } from './job-connections';
import { scheduleOf } from './job-schedule';
import { LeaseKeeper } from './lease-keeper';
import { queueRunsAtStart } from './startup-runs';
import { decideDueJob, nextWakeAt, nextWorkAt, timingForChangedJob, type ChangedJob } from './timing';
import { loggableError } from '../db/database-error';

/** How far ahead of a slot its run is claimed and its session prepared. */
export const LOOKAHEAD_MS = 500;
/** A slot claimed later than this after its time was missed (downtime, pause): misfire policy. */
const MISFIRE_GRACE_MS = 5_000;
const HEARTBEAT_EVERY_MS = 5_000;
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
  /**
   * Asks for a tick no later than `at`: a run's end (between ticks) armed something sooner
   * than the alarm may be set for (a retry, a released dependent, a job's next time).
   */
  wakeBy: (at: Date) => void;
}

export interface TickOptions {
  /** A wake from the API (a change was made): look at the database even in scale-to-zero mode. */
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
  readonly #wakeBy: (at: Date) => void;
  readonly #controlPool: Pool;
  readonly #jobConnections: JobConnections;
  readonly #db: Db;
  #settings: DatabaseSettings = DEFAULT_DATABASE_SETTINGS;
  /**
   * Runs this master holds, and the work that ends once each is recorded. A run whose command
   * is over (`done`) no longer takes a slot: the next run starts while its end is being
   * written. One whose end was tried but is not written yet (the database is unreachable, a
   * user holds its row) stays here, `tried`, still leased, until it is.
   */
  readonly #executions = new Map<number, Held>();
  /** Run ends not written yet; if the database is unreachable they wait here, still leased. */
  readonly #ends: BatchWriter<ExecutionReport>;
  readonly #starts: BatchWriter<{ startedAt: Date; backendPid: number | null }>;
  #startupRunsQueued = false;
  #maybeQueued = true;
  #dispatching: Promise<void> | null = null;
  #dispatchAgain = false;
  #lastPeekAt = 0;
  #lastHeartbeatAt = 0;
  #lastTickAt: Date | null = null;
  #lagMs = 0;
  #nextDue: Date | null = null;
  /**
   * When the master must tick next for work it knows of (a due slot, a waiting run's start, a
   * deadline), from the last look at the database and every run end since; undefined until the
   * first look. Scale-to-zero sleeps on it.
   */
  #workAt: Date | null | undefined;
  #ticking = false;
  /** Work a run's end armed while a tick was under way (its look may have been before it). */
  #notedInTick: number | null = null;
  readonly #leases: LeaseKeeper;
  readonly #housekeeping: Housekeeping;
  readonly #onBroken = (jobId: number, reason: string): void => this.#log(`job ${jobId} is broken: ${reason}`);

  constructor(options: RuntimeOptions) {
    this.#database = options.database;
    this.#log = options.log;
    this.#keepAlive = options.keepAlive;
    this.#wakeBy = options.wakeBy;
    // Bookkeeping has its own connections, so jobs holding every job connection never stop
    // the master from claiming, recording or cancelling.
    this.#controlPool = createPool({
      url: options.database.url,
      wsProxy: options.wsProxy,
      max: CONTROL_CONNECTIONS,
      onError: this.#log,
      // How a DBA (and a test) tells the master's sessions from its jobs' in pg_stat_activity.
      applicationName: `edgecron ${options.database.name} master`,
      limits: CONTROL_LIMITS,
    });
    this.#jobConnections = new JobConnections({ database: options.database, wsProxy: options.wsProxy, log: this.#log });
    this.#db = createDb(this.#controlPool);
    this.#housekeeping = new Housekeeping(this.#db, this.#log);
    this.#leases = new LeaseKeeper({
      db: this.#db,
      masterId: this.masterId,
      executions: () => this.#executions,
      leaseMs: () => this.#settings.leaseMs,
      log: this.#log,
    });
    this.#ends = new BatchWriter({
      maxBatch: WRITE_BATCH,
      write: async (ends) => {
        // A run's start is written without waiting for it; while that write holds the run's
        // row, this one would skip the run (SKIP LOCKED) and leave its end for later.
        await this.#starts.busy;
        const reports = new Map(ends);
        const plans: FinishPlan[] = [];
        const { deferred } = await finishRuns(
          this.#db,
          ends.map(([runId, report]) => toRunEnd(runId, report)),
          (job, run) => {
            const plan = this.#planFinish(job, run, reports.get(run.runId)!);
            plans.push(plan);
            return plan;
          },
          this.#onBroken,
        );
        this.#noteFinished(plans);
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
    if (!options.force && settings.scaleToZero && this.#executions.size === 0 && this.#workAt !== undefined) {
      const wakeAt = Math.min(this.#lastPeekAt + settings.syncIntervalMs, this.#workAt?.getTime() ?? Infinity);
      if (now.getTime() < wakeAt) return new Date(wakeAt);
    }
    this.#ticking = true;
    this.#notedInTick = null;
    try {
      return await this.#look(now, options);
    } finally {
      this.#ticking = false;
    }
  }

  async #look(now: Date, options: TickOptions): Promise<Date> {
    const heartbeatDue =
      options.force || this.#settings.scaleToZero || now.getTime() - this.#lastHeartbeatAt >= HEARTBEAT_EVERY_MS;
    const work = await peekWork(
      this.#db,
      heartbeatDue
        ? {
            masterId: this.masterId,
            database: this.#database.name,
            startedAt: this.startedAt,
            lagMs: this.#lagMs,
            running: this.#executions.size,
            nextDue: this.#nextDue,
          }
        : null,
    );
    this.#lastPeekAt = now.getTime();
    if (heartbeatDue) this.#lastHeartbeatAt = now.getTime();
    this.#settings = work.settings;
    const s = work.settings;

    let next: NextWork = work;
    if (this.#ends.size > 0) await this.#ends.flush();
    if (!this.#startupRunsQueued) {
      await queueRunsAtStart(this.#db, now, s.timezone);
      this.#startupRunsQueued = true;
    }
    if (work.waiting) await releaseDependents(this.#db);
    if (work.unsynced || work.waiting) {
      if (work.unsynced) await this.#syncChangedJobs(now);
      // What just became due (a job submitted a moment ago) is claimed in this same tick.
      next = await nextWork(this.#db);
    }
    // Runs that ended without an end reported by an executor go through the same finishing.
    const end = (runId: number, report: ExecutionReport) => this.#ends.add(runId, report);
    if (work.needsFinish) await finishEndedRuns(this.#db, end, WRITE_BATCH, this.#log);
    if (work.cancelRequested) await this.#cancelRequested();
    // Ours: still executing (its lease is renewed), or ended with its end waiting for a row
    // someone holds.
    const ours = (runId: number) => this.#executions.has(runId) || this.#ends.has(runId);
    if (work.leaseExpired) await reclaimLostRuns(this.#db, end, ours);

    const horizon = new Date(now.getTime() + LOOKAHEAD_MS);
    let claimed = 0;
    let backlog = false;
    if (!s.paused && next.nextDue !== null && next.nextDue <= horizon) {
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
      if (claimed > 0) next = await nextWork(this.#db);
    }
    // Still due after a claim that was not cut short: its row is locked (by a user, or by
    // another master's claim). Waking at once would spin for as long as the lock is held.
    const lockedDue = !s.paused && next.nextDue !== null && next.nextDue <= horizon && !backlog;
    // Deadlines pass whether or not a slot is free, paused or not (a slot claimed late may be
    // past its deadline already).
    if (work.overdue || (next.nextDeadline !== null && next.nextDeadline < now)) {
      await expireOverdueRuns(this.#db, end, WRITE_BATCH);
    }
    if (!s.paused && (claimed > 0 || (next.nextQueued !== null && next.nextQueued <= horizon))) {
      this.#maybeQueued = true;
      await this.#dispatch(now);
    }
    // Only ticks that touch the database anyway purge: purging never wakes one.
    this.#housekeeping.maybePurge(now.getTime(), s);
    const purging = this.#housekeeping.busy;
    if (purging) this.#keepAlive(purging);
    // Ends deferred because this tick (its sync, claim or lease renewal) held their rows.
    if (this.#ends.size > 0) await this.#ends.flush();

    this.#leases.keep(); // the lease setting may have changed
    this.#nextDue = next.nextDue;
    const due = lockedDue ? new Date(now.getTime() + LOOKAHEAD_MS + Math.min(LOCKED_RETRY_MS, s.pollIntervalMs)) : next.nextDue;
    const known = nextWorkAt({ now, ...next, nextDue: due, paused: s.paused, lookaheadMs: LOOKAHEAD_MS });
    const noted = this.#notedInTick;
    this.#workAt = noted !== null && (known === null || noted < known.getTime()) ? new Date(noted) : known;
    const idleMs = s.scaleToZero && this.#executions.size === 0 ? s.syncIntervalMs : s.pollIntervalMs;
    return nextWakeAt({ now, nextDue: this.#workAt, idleMs, lookaheadMs: 0 });
  }

  /**
   * Waits until every run started so far has ended and its end was written (or tried: one that
   * cannot be written yet waits for a later tick), and a purge is over.
   */
  async settle(): Promise<void> {
    for (;;) {
      // A run whose end was tried and is still pending stays held until a later tick writes it:
      // not waited for. Any other is, through what follows its end (the next dispatch).
      const waiting = [...this.#executions].filter(([runId, e]) => !(e.tried && this.#ends.has(runId))).map(([, e]) => e);
      const busy = [this.#dispatching, this.#ends.busy, this.#starts.busy, this.#housekeeping.busy].filter((p) => p !== null);
      if (waiting.length === 0 && busy.length === 0) return;
      const tried = waiting.filter((e) => !e.tried).map((e) => e.triedNow);
      await Promise.race([Promise.all([...waiting.map((e) => e.work), ...busy]), ...tried]);
    }
  }

  async close(): Promise<void> {
    this.#leases.stop();
    await Promise.allSettled([this.#controlPool.end(), this.#jobConnections.close()]);
  }

  async #syncChangedJobs(now: Date): Promise<void> {
    const limit = this.#settings.claimBatch;
    const compute = (job: ChangedJob) => timingForChangedJob(job, now, this.#settings.timezone);
    // A full batch means more may wait (rows locked by others are skipped, not counted).
    let looked: number;
    do looked = await syncChangedJobs(this.#db, { limit, compute, onBroken: this.#onBroken });
    while (looked === limit);
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
    let tried: () => void = () => {};
    const entry: Held = { execution, work: Promise.resolve(), done: false, tried: false, triedNow: new Promise((r) => (tried = r)) };
    entry.work = executeRun(this.#executorDeps(), execution)
      .then(async (report) => {
        entry.done = true;
        this.#maybeQueued = true;
        void this.#dispatch();
        await this.#ends.add(run.runId, report);
        entry.tried = true;
        tried();
        // Until its end is written the run stays ours, and leased: no other master may take
        // it for lost while the database is unreachable or a user holds its row.
        await this.#ends.whenWritten(run.runId);
      })
      .catch((e: unknown) => this.#log(`run ${run.runId}: ${message(e)}`))
      .finally(() => {
        entry.tried = true;
        tried();
        this.#executions.delete(run.runId);
        // Its end is written: a run of the same job that waited for it may start now.
        this.#maybeQueued = true;
        void this.#dispatch();
      });
    this.#executions.set(run.runId, entry);
    this.#keepAlive(entry.work);
    this.#leases.keep();
  }

  #busySlots(): number {
    let busy = 0;
    for (const entry of this.#executions.values()) if (!entry.done) busy++;
    return busy;
  }

  #executorDeps(): ExecutorDeps {
    return {
      connectionFor: (role) => this.#jobConnections.for(role, this.#settings.requireJobLogin),
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

  #planFinish(job: FinishingJobRow, run: FinishingRunRow, report: ExecutionReport): FinishPlan {
    const parsed = scheduleOf(job, this.#settings.timezone);
    const afterIntervalMs = parsed?.ok && parsed.value.kind === 'after' ? parsed.value.intervalMs : null;
    const now = new Date();
    const schedule = parsed?.ok ? parsed.value : null;
    const nextTime =
      report.unrunnable !== null
        ? { brokenReason: report.unrunnable }
        : resolveNextTime(whenSqlSaidNothing(report.nextTime, job, schedule !== null, report.status), schedule, now, {
            ...(report.startedAt ? { lastStart: report.startedAt } : {}),
            lastEnd: now,
          });
    // A job that cannot run at all (its role is gone) is not retried: it is broken at once.
    const finishing = report.unrunnable !== null ? { ...job, maxAttempts: run.attempt, brokenAfter: null } : job;
    return planFinish({ ...finishing, afterIntervalMs }, run, report.status, now, nextTime, Math.random());
  }

  /** What written run ends armed: a retry's start, a job's next time, released dependents (now). */
  #noteFinished(plans: FinishPlan[]): void {
    let earliest = Infinity;
    for (const plan of plans) {
      if (plan.retry) earliest = Math.min(earliest, plan.retry.startAfter.getTime() - LOOKAHEAD_MS);
      if (plan.job.nextRunAt) earliest = Math.min(earliest, plan.job.nextRunAt.getTime() - LOOKAHEAD_MS);
      if (plan.dependents !== null) earliest = Math.min(earliest, Date.now());
    }
    if (earliest === Infinity) return;
    if (this.#ticking) this.#notedInTick = Math.min(this.#notedInTick ?? earliest, earliest);
    if (this.#workAt !== undefined && (this.#workAt === null || earliest < this.#workAt.getTime())) {
      this.#workAt = new Date(earliest);
    }
    this.#wakeBy(new Date(earliest));
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
}

/** A run this master holds: executing, or ended with its end not written yet. */
interface Held {
  execution: Execution;
  /** Ends once the run's end is written. */
  work: Promise<void>;
  /** Its command is over: it no longer takes a slot. */
  done: boolean;
  /** Its end was tried once (written, or left pending for a later tick). */
  tried: boolean;
  triedNow: Promise<void>;
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
  return loggableError(e, { stack: false });
}

