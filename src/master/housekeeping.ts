// History retention on the master's schedule: a purge pass now and then, in the background, in
// small batches looped within a time budget so a backlog is worked off however large it grew.
import type { Db } from '../db/client';
import type { DatabaseSettings } from '../db/queries/peek-work';
import { purgeHeartbeats, purgeOldJobs, purgeOldRuns, purgeRunsUpTo, runCountCutoff } from '../db/queries/purge-history';
import { loggableError } from '../db/database-error';

/** Outside scale-to-zero mode, history is purged once a minute. */
const PURGE_EVERY_MS = 60_000;
/** Rows deleted per statement: short locks, small WAL bursts. */
const PURGE_BATCH = 1_000;
/** How long one pass may delete batches; what is left waits for the next pass. */
const PURGE_BUDGET_MS = 2_000;
/** How long the newest-`retention_max_runs` cutoff is reused before the index is walked again. */
const CUTOFF_TTL_MS = 10 * 60_000;
/** A master that has not ticked for an hour (or two sync intervals) is gone. */
const HEARTBEAT_MIN_AGE_MS = 3_600_000;

/**
 * How often history is purged: every minute, or once per sync interval in scale-to-zero mode,
 * where a purge only rides on a tick that touches the database anyway.
 */
export function purgeEveryMs(settings: Pick<DatabaseSettings, 'scaleToZero' | 'syncIntervalMs'>): number {
  return settings.scaleToZero ? Math.max(PURGE_EVERY_MS, settings.syncIntervalMs) : PURGE_EVERY_MS;
}

/**
 * How long since its last tick a master's heartbeat is kept: an hour, or twice the sync
 * interval when that is longer (a scale-to-zero master ticks at least once per sync interval).
 */
export function heartbeatMaxAgeMs(settings: Pick<DatabaseSettings, 'syncIntervalMs'>): number {
  return Math.max(HEARTBEAT_MIN_AGE_MS, 2 * settings.syncIntervalMs);
}

export class Housekeeping {
  readonly #db: Db;
  readonly #log: (message: string) => void;
  #lastPurgeAt = -Infinity;
  /** The last pass ran out of time: the next tick that touches the database goes on. */
  #behind = false;
  #cutoff: { id: number | null; maxRuns: number; at: number } | null = null;
  #purging: Promise<void> | null = null;

  constructor(db: Db, log: (message: string) => void) {
    this.#db = db;
    this.#log = log;
  }

  /** The pass under way, if any. */
  get busy(): Promise<void> | null {
    return this.#purging;
  }

  /** Starts a purge pass in the background when one is due at `now` (ms) and none is running. */
  maybePurge(now: number, settings: DatabaseSettings): void {
    if (this.#purging || (!this.#behind && now - this.#lastPurgeAt < purgeEveryMs(settings))) return;
    this.#lastPurgeAt = now;
    this.#purging = this.#purge(now, settings)
      .catch((e: unknown) => this.#log(`purge failed: ${loggableError(e, { stack: false })}`))
      .finally(() => {
        this.#purging = null;
      });
  }

  async #purge(now: number, s: DatabaseSettings): Promise<void> {
    const deadline = Date.now() + PURGE_BUDGET_MS;
    let behind = false;
    const drain = async (batch: () => Promise<number>) => {
      while (!behind) {
        if ((await batch()) < PURGE_BATCH) return;
        if (Date.now() >= deadline) behind = true;
      }
    };
    await purgeHeartbeats(this.#db, heartbeatMaxAgeMs(s));
    const maxAgeMs = s.retentionAgeMs;
    if (maxAgeMs !== null) {
      await drain(() => purgeOldRuns(this.#db, maxAgeMs, PURGE_BATCH));
      await drain(() => purgeOldJobs(this.#db, maxAgeMs, PURGE_BATCH));
    }
    if (s.retentionMaxRuns !== null) {
      // Runs beyond the newest N as of the last count stay beyond them as runs are added, so
      // a count up to CUTOFF_TTL_MS old still says which may go.
      const cached = this.#cutoff;
      const cutoff =
        cached && cached.maxRuns === s.retentionMaxRuns && now - cached.at < CUTOFF_TTL_MS
          ? cached
          : { id: await runCountCutoff(this.#db, s.retentionMaxRuns), maxRuns: s.retentionMaxRuns, at: now };
      this.#cutoff = cutoff;
      const id = cutoff.id;
      if (id !== null) await drain(() => purgeRunsUpTo(this.#db, id, PURGE_BATCH));
    }
    this.#behind = behind;
  }
}
