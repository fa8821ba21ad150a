// The master's work for one database, around the pure decisions in timing.ts:
// sync SQL changes → claim due slots → start them on the executor → say when to wake next.
import type { Pool } from '@neondatabase/serverless';
import { createDb, createPool, type Db } from '../db/client';
import { claimDueRuns, type ClaimedRun } from '../db/queries/claim-due-runs';
import { peekPendingWork } from '../db/queries/peek-work';
import { finishRun, markRunStarted } from '../db/queries/record-run';
import { loadUnsyncedJobs, saveJobTimings } from '../db/queries/sync-jobs';
import type { DatabaseConfig } from '../env';
import { executeRun, type ExecutorDeps } from '../executor/run-command';
import type { MasterSettings } from './settings';
import { decideDueJob, nextWakeAt, timingForChangedJob } from './timing';

export class MasterRuntime {
  readonly #database: DatabaseConfig;
  readonly #settings: MasterSettings;
  readonly #log: (message: string) => void;
  readonly #controlPool: Pool;
  readonly #jobPool: Pool;
  readonly #db: Db;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(database: DatabaseConfig, wsProxy: string | undefined, settings: MasterSettings, log: (m: string) => void) {
    this.#database = database;
    this.#settings = settings;
    this.#log = log;
    // Bookkeeping has its own connections, so jobs holding every job connection never
    // stop the master from claiming, recording or answering.
    this.#controlPool = createPool({ url: database.url, wsProxy, max: 2, onError: log });
    this.#jobPool = createPool({ url: database.url, wsProxy, max: settings.parallelism, onError: log });
    this.#db = createDb(this.#controlPool);
  }

  get runningCount(): number {
    return this.#inFlight.size;
  }

  /** One tick at `now`; returns when the master should wake next. */
  async tick(now: Date): Promise<Date> {
    let work = await peekPendingWork(this.#db);
    if (work.unsynced) {
      await this.#syncChangedJobs(now);
      work = await peekPendingWork(this.#db);
    }
    const horizon = new Date(now.getTime() + this.#settings.lookaheadMs);
    if (work.nextDue !== null && work.nextDue <= horizon) {
      const claimed = await claimDueRuns(this.#db, {
        horizon,
        limit: this.#settings.batchSize,
        decide: (job) => decideDueJob(job, now),
      });
      for (const run of claimed) this.#start(run);
      work = await peekPendingWork(this.#db);
    }
    return nextWakeAt({
      now,
      nextDue: work.nextDue,
      pollIntervalMs: this.#settings.pollIntervalMs,
      lookaheadMs: this.#settings.lookaheadMs,
    });
  }

  /** Waits for every run started so far to be recorded. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#controlPool.end(), this.#jobPool.end()]);
  }

  async #syncChangedJobs(now: Date): Promise<void> {
    for (;;) {
      const jobs = await loadUnsyncedJobs(this.#db, this.#settings.batchSize);
      if (jobs.length === 0) return;
      await saveJobTimings(this.#db, jobs.map((job) => timingForChangedJob(job, now)));
      if (jobs.length < this.#settings.batchSize) return;
    }
  }

  #start(run: ClaimedRun): void {
    const deps: ExecutorDeps = {
      jobPool: this.#jobPool,
      database: this.#database.name,
      resultLimitBytes: this.#settings.resultLimitBytes,
      log: this.#log,
      now: () => new Date(),
      waitUntil: (instant) => new Promise((resolve) => setTimeout(resolve, Math.max(0, instant.getTime() - Date.now()))),
      onStart: async (r, startedAt, pid) => {
        await markRunStarted(this.#db, r.runId, startedAt, pid);
      },
      onFinish: (r, finishedAt, outcome) => finishRun(this.#db, r.runId, finishedAt, outcome),
    };
    const execution = executeRun(deps, run).finally(() => this.#inFlight.delete(execution));
    this.#inFlight.add(execution);
  }
}
