/** How a master runs one database. */
export interface MasterSettings {
  /** How often SQL changes to jobs are looked for, and the longest an idle master sleeps. */
  pollIntervalMs: number;
  /** How far ahead of a slot its run is claimed and its session prepared. */
  lookaheadMs: number;
  /** Runs executing at once on this database. */
  parallelism: number;
  /** Jobs claimed or synced per round trip. */
  batchSize: number;
  /** Size of the JSON rows kept in run.result. */
  resultLimitBytes: number;
  /** Pause after a tick that failed on the database before trying again. */
  retryAfterErrorMs: number;
}

export const DEFAULT_SETTINGS: MasterSettings = {
  pollIntervalMs: 1_000,
  lookaheadMs: 500,
  parallelism: 8,
  batchSize: 500,
  resultLimitBytes: 64 * 1024,
  retryAfterErrorMs: 5_000,
};
