// The Master Durable Object: one per target database (idFromName(database)). A thin shell:
// it keeps the database name in storage, runs one tick at a time and always re-arms its alarm.
import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../env';
import { MasterRuntime } from './runtime';
import { DEFAULT_SETTINGS } from './settings';

export interface MasterStatus {
  database: string | null;
  nextAlarm: string | null;
  running: number;
}

export class Master extends DurableObject<Env> {
  #runtime: MasterRuntime | undefined;
  #ticks: Promise<void> = Promise.resolve();

  /** Makes sure this master serves `database` and ticks now (watchdog, API changes). */
  async wake(database: string): Promise<MasterStatus> {
    if ((await this.ctx.storage.get<string>('database')) !== database) {
      await this.ctx.storage.put('database', database);
    }
    await this.#tickSerially();
    return this.status();
  }

  override async alarm(): Promise<void> {
    await this.#tickSerially();
  }

  async status(): Promise<MasterStatus> {
    const alarm = await this.ctx.storage.getAlarm();
    return {
      database: (await this.ctx.storage.get<string>('database')) ?? null,
      nextAlarm: alarm === null ? null : new Date(alarm).toISOString(),
      running: this.#runtime?.runningCount ?? 0,
    };
  }

  /** Waits until every run started so far has recorded its outcome. */
  async settle(): Promise<void> {
    await this.#ticks;
    await this.#runtime?.settle();
  }

  // An alarm and a wake() can arrive together; ticks never overlap.
  #tickSerially(): Promise<void> {
    const next = this.#ticks.then(() => this.#tick());
    this.#ticks = next.catch(() => {});
    return next;
  }

  async #tick(): Promise<void> {
    const runtime = await this.#getRuntime();
    if (!runtime) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const now = new Date();
    let wakeAt: Date;
    try {
      wakeAt = await runtime.tick(now);
    } catch (e) {
      // A tick that failed on the database (unreachable, restarting) is retried by our own
      // alarm: throwing would hand it to the platform's fixed retry policy instead.
      this.#log(`tick failed: ${e instanceof Error ? e.message : String(e)}`);
      wakeAt = new Date(now.getTime() + DEFAULT_SETTINGS.retryAfterErrorMs);
    }
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
    this.#runtime = new MasterRuntime(target, config.value.wsProxy, DEFAULT_SETTINGS, (m) => this.#log(m));
    return this.#runtime;
  }

  #log(message: string): void {
    console.log(`[master] ${message}`);
  }
}
