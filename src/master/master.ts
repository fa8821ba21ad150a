// The Master Durable Object: one per target database (idFromName(database)). A thin shell:
// it keeps the database name in storage, runs one tick at a time and always re-arms its alarm.
import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../env';
import { MasterRuntime, type RuntimeStatus } from './runtime';
import { loggableError } from '../db/database-error';

export interface MasterStatus extends Partial<RuntimeStatus> {
  database: string | null;
  nextAlarm: string | null;
  running: number;
}

/** After a tick that failed on the database (unreachable, restarting), try again this soon. */
const RETRY_AFTER_ERROR_MS = 5_000;
/** An alarm this late has been lost (the platform retries a failed alarm within seconds). */
const ALARM_LOST_AFTER_MS = 60_000;

export class Master extends DurableObject<Env> {
  #runtime: MasterRuntime | undefined;
  #ticks: Promise<void> = Promise.resolve();
  #alarmAt: Date | null = null;
  #ticking = false;
  /** A tick asked for (wakeBy) while one was under way: the alarm it sets is no later. */
  #wakeHint: number | null = null;

  /** Makes sure this master serves `database` and ticks now: something changed (the API). */
  async wake(database: string): Promise<MasterStatus> {
    await this.#serve(database);
    await this.#tickSerially(true);
    return this.status();
  }

  /**
   * The watchdog's call: makes sure this master serves `database` and its alarm is set. A
   * master whose alarm is armed is left alone, so in scale-to-zero mode the watchdog never
   * costs a round trip to the database; one whose alarm is missing or long overdue ticks (as
   * its alarm would have: without forcing a look at the database it has no reason for).
   */
  async ensureArmed(database: string): Promise<MasterStatus> {
    await this.#serve(database);
    const alarm = await this.ctx.storage.getAlarm();
    if (!this.#ticking && (alarm === null || alarm < Date.now() - ALARM_LOST_AFTER_MS)) await this.#tickSerially(false);
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

  async #serve(database: string): Promise<void> {
    if ((await this.ctx.storage.get<string>('database')) !== database) {
      await this.ctx.storage.put('database', database);
    }
  }

  /** Moves the alarm earlier to `at` if it is set later (never later: ticks set it). */
  #wakeBy(at: Date): void {
    const t = at.getTime();
    if (this.#ticking) {
      this.#wakeHint = Math.min(this.#wakeHint ?? t, t);
      return;
    }
    if (this.#alarmAt !== null && this.#alarmAt.getTime() <= t) return;
    this.#alarmAt = at;
    this.ctx.storage.setAlarm(t).catch((e: unknown) => this.#log(`could not set the alarm: ${String(e)}`));
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
    this.#ticking = true;
    this.#wakeHint = null;
    try {
      wakeAt = await runtime.tick(now, { force, expectedAt: force ? null : this.#alarmAt });
    } catch (e) {
      // Retried by our own alarm: throwing would hand it to the platform's fixed retry policy.
      this.#log(`tick failed: ${loggableError(e, { stack: false })}`);
      wakeAt = new Date(now.getTime() + RETRY_AFTER_ERROR_MS);
    }
    if (this.#wakeHint !== null && this.#wakeHint < wakeAt.getTime()) wakeAt = new Date(Math.max(now.getTime(), this.#wakeHint));
    this.#ticking = false;
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
      wakeBy: (at) => this.#wakeBy(at),
    });
    return this.#runtime;
  }

  #log(message: string): void {
    console.log(`[master] ${message}`);
  }
}
