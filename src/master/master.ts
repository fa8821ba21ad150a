// The Master Durable Object: one per target database (idFromName(database)). A thin shell:
// it keeps the database name in storage, runs one tick at a time and always re-arms its alarm.
import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../env';
import { MasterRuntime, type RuntimeStatus } from './runtime';

export interface MasterStatus extends Partial<RuntimeStatus> {
  database: string | null;
  nextAlarm: string | null;
  running: number;
}

/** After a tick that failed on the database (unreachable, restarting), try again this soon. */
const RETRY_AFTER_ERROR_MS = 5_000;

export class Master extends DurableObject<Env> {
  #runtime: MasterRuntime | undefined;
  #ticks: Promise<void> = Promise.resolve();
  #alarmAt: Date | null = null;

  /** Makes sure this master serves `database` and ticks now (watchdog, API changes). */
  async wake(database: string): Promise<MasterStatus> {
    if ((await this.ctx.storage.get<string>('database')) !== database) {
      await this.ctx.storage.put('database', database);
    }
    await this.#tickSerially(true);
    return this.status();
  }

  override async alarm(): Promise<void> {
    await this.#tickSerially(false);
  }

  async status(): Promise<MasterStatus> {
    const alarm = await this.ctx.storage.getAlarm();
    return {
      ...this.#runtime?.status(),
      database: (await this.ctx.storage.get<string>('database')) ?? null,
      nextAlarm: alarm === null ? null : new Date(alarm).toISOString(),
      running: this.#runtime?.status().running ?? 0,
    };
  }

  /** Waits until every run started so far has recorded its outcome (tests, graceful stops). */
  async settle(): Promise<void> {
    await this.#ticks;
    await this.#runtime?.settle();
  }

  // An alarm and a wake() can arrive together; ticks never overlap.
  #tickSerially(force: boolean): Promise<void> {
    const next = this.#ticks.then(() => this.#tick(force));
    this.#ticks = next.catch(() => {});
    return next;
  }

  async #tick(force: boolean): Promise<void> {
    const runtime = await this.#getRuntime();
    if (!runtime) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const now = new Date();
    let wakeAt: Date;
    try {
      wakeAt = await runtime.tick(now, { force, expectedAt: force ? null : this.#alarmAt });
    } catch (e) {
      // Retried by our own alarm: throwing would hand it to the platform's fixed retry policy.
      this.#log(`tick failed: ${e instanceof Error ? e.message : String(e)}`);
      wakeAt = new Date(now.getTime() + RETRY_AFTER_ERROR_MS);
    }
    this.#alarmAt = wakeAt;
    await this.ctx.storage.setAlarm(wakeAt.getTime());
  }

  async #getRuntime(): Promise<MasterRuntime | undefined> {
    if (this.#runtime) return this.#runtime;
    const database = await this.ctx.storage.get<string>('database');
    if (database === undefined) return undefined;
    const config = readConfig(this.env as unknown as Record<string, unknown>);
    if (!config.ok) {
      this.#log(config.error.message);
      return undefined;
    }
    const target = config.value.databases.get(database);
    if (!target) {
      this.#log(`database "${database}" is no longer configured; this master stops`);
      return undefined;
    }
    this.#runtime = new MasterRuntime({
      database: target,
      wsProxy: config.value.wsProxy,
      log: (m) => this.#log(m),
      keepAlive: (work) => this.ctx.waitUntil(work),
    });
    return this.#runtime;
  }

  #log(message: string): void {
    console.log(`[master] ${message}`);
  }
}
