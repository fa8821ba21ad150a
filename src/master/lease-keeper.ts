// Keeps the leases of a master's runs on a timer of its own, every third of the lease: neither
// a long poll interval nor a late alarm lets them expire while the master lives, and a run
// whose end is still being written stays leased. A run whose backend is gone although its
// session should be live (a half-open connection) is given up, so it ends lost.
import type { Db } from '../db/client';
import { renewLeases } from '../db/queries/maintenance';
import type { Execution } from '../executor/run-command';
import { loggableError } from '../db/database-error';

export class LeaseKeeper {
  readonly #db: Db;
  readonly #masterId: string;
  readonly #executions: () => ReadonlyMap<number, { execution: Execution }>;
  readonly #leaseMs: () => number;
  readonly #log: (message: string) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #dueAt = 0;
  #renewing = false;

  constructor(options: {
    db: Db;
    masterId: string;
    /** The runs this master holds: executing, or ended with their end not written yet. */
    executions: () => ReadonlyMap<number, { execution: Execution }>;
    leaseMs: () => number;
    log: (message: string) => void;
  }) {
    this.#db = options.db;
    this.#masterId = options.masterId;
    this.#executions = options.executions;
    this.#leaseMs = options.leaseMs;
    this.#log = options.log;
  }

  /**
   * Renews every third of the lease for as long as the master holds runs. Called again (a run
   * started, the lease setting changed), it brings a renewal planned for later forward.
   */
  keep(): void {
    if (this.#renewing || this.#executions().size === 0) return;
    const everyMs = this.#leaseMs() / 3;
    if (this.#timer !== null && this.#dueAt <= Date.now() + everyMs) return;
    this.stop();
    this.#dueAt = Date.now() + everyMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#renewing = true;
      void this.#renew().finally(() => {
        this.#renewing = false;
        this.keep();
      });
    }, everyMs);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #renew(): Promise<void> {
    const executions = this.#executions();
    const runs = [...executions].map(([runId, { execution }]) => ({
      runId,
      backendPid: execution.backendPid,
      checkBackend: execution.sessionLive,
      role: execution.run.role,
    }));
    try {
      for (const runId of await renewLeases(this.#db, this.#masterId, this.#leaseMs(), runs)) {
        const execution = executions.get(runId)?.execution;
        // Still live now, so its session was not reset before the check looked: the backend
        // is really gone, and the connection its command waits on will never answer.
        if (execution?.sessionLive) execution.abandon('its backend is gone from pg_stat_activity while it ran');
      }
    } catch (e) {
      this.#log(`could not renew leases: ${loggableError(e, { stack: false })}`);
    }
  }
}
