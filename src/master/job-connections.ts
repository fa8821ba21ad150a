// Where a run's session comes from: the executor's own login (it then SETs the job's role), or
// a login of the job's role itself (EDGECRON_JOB_LOGINS), one pool per such role, opened when
// the role first runs.
import type { Pool } from '@neondatabase/serverless';
import { createPool, loginUrl } from '../db/client';
import type { DatabaseConfig } from '../env';
import type { JobConnection } from '../executor/run-command';

export class JobConnections {
  readonly #database: DatabaseConfig;
  readonly #wsProxy: string | undefined;
  readonly #log: (message: string) => void;
  readonly #executorPool: Pool;
  readonly #loginPools = new Map<string, Pool>();

  constructor(options: { database: DatabaseConfig; wsProxy: string | undefined; log: (message: string) => void }) {
    this.#database = options.database;
    this.#wsProxy = options.wsProxy;
    this.#log = options.log;
    // The pool's size is a ceiling; the database's `parallelism` setting is enforced by dispatch.
    this.#executorPool = createPool({ url: options.database.url, wsProxy: options.wsProxy, max: 1000, onError: this.#log });
  }

  /** The pool a run of `role` uses, or why it may not run (`require_job_login` without a login). */
  for(role: string, requireJobLogin: boolean): JobConnection {
    const password = this.#database.jobLogins.get(role);
    if (password === undefined) {
      if (!requireJobLogin) return { pool: this.#executorPool, login: false };
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

  async close(): Promise<void> {
    await Promise.allSettled([this.#executorPool, ...this.#loginPools.values()].map((pool) => pool.end()));
  }
}
