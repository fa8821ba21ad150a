import { env } from 'cloudflare:workers';
import { sql as query } from 'drizzle-orm';
import type { PoolClient } from '@neondatabase/serverless';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDb, createPool } from '../../../src/db/client';
import { resetDatabase, sql } from '../support/database';
import { createJob, masterNamed, resetSettings, runsOf, setSettings, tick } from '../support/engine';
import { asRole } from '../support/roles';

const MASTER_SESSIONS = `SELECT pid FROM pg_stat_activity WHERE application_name = 'edgecron main master'`;

/** Runs not ended yet, and jobs with no run at all. */
async function unfinished(): Promise<number> {
  const [row] = await sql<{ n: string }>(`
    SELECT (SELECT count(*) FROM edgecron.run WHERE status IN ('queued', 'running'))
         + (SELECT count(*) FROM edgecron.job AS j WHERE NOT EXISTS (SELECT 1 FROM edgecron.run AS r WHERE r.job_id = j.id)) AS n`);
  return Number(row!.n);
}

describe("the master's own connections", () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('names its sessions and gives them statement, lock and idle-in-transaction timeouts', async () => {
    await sql('CREATE TABLE IF NOT EXISTS public.seen_session (app text, statement_timeout text, lock_timeout text, idle text)');
    await sql('TRUNCATE public.seen_session');
    await sql(`CREATE OR REPLACE FUNCTION public.see_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO public.seen_session VALUES (current_setting('application_name'), current_setting('statement_timeout'),
          current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'));
        RETURN NEW;
      END $$`);
    await sql(`CREATE TRIGGER see_session BEFORE INSERT OR UPDATE ON edgecron.master_heartbeat
               FOR EACH ROW EXECUTE FUNCTION public.see_session()`);
    try {
      await masterNamed('main').wake('main'); // a forced wake writes the heartbeat
      const seen = await sql('SELECT DISTINCT * FROM public.seen_session');
      expect(seen).toEqual([{ app: 'edgecron main master', statement_timeout: '10s', lock_timeout: '3s', idle: '1min' }]);
    } finally {
      await sql('DROP TRIGGER see_session ON edgecron.master_heartbeat');
    }
  });

  it('fails a tick that waits for a lock instead of hanging, keeps its alarm, and goes on once the lock is gone', async () => {
    const master = masterNamed('main');
    await master.wake('main');
    const job = await createJob({ command: 'SELECT 1' });
    await asRole('postgres', async (q) => {
      // What a migration does: every statement of the tick waits behind this lock.
      await q('BEGIN');
      await q('LOCK TABLE edgecron.settings IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const status = await master.wake('main');
      const tookMs = Date.now() - started;
      expect(tookMs).toBeGreaterThanOrEqual(2_900);
      expect(tookMs).toBeLessThan(9_000);
      // Retried by its own alarm, a few seconds on.
      const alarmIn = new Date(status.nextAlarm!).getTime() - Date.now();
      expect(alarmIn).toBeGreaterThan(0);
      expect(alarmIn).toBeLessThanOrEqual(5_000);
      await q('ROLLBACK');
    });
    await tick(master);
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('hears of a connection that ends inside a transaction, instead of leaving its error to nobody', async () => {
    const bindings = env as unknown as { TEST_DATABASE_URL: string; EDGECRON_WS_PROXY: string };
    const errors: string[] = [];
    const pool = createPool({
      url: bindings.TEST_DATABASE_URL,
      wsProxy: bindings.EDGECRON_WS_PROXY,
      max: 1,
      onError: (m) => errors.push(m),
      applicationName: 'edgecron test checkout',
    });
    // The driver emits 'end' once it has handled the close; an 'error' event nobody listens
    // to throws out of that handler first, so 'end' never comes.
    const ended: Array<Promise<void>> = [];
    pool.on('acquire', (client: PoolClient) => ended.push(new Promise((resolve) => client.once('end', () => resolve()))));
    let handled = false;
    try {
      const failure = await createDb(pool)
        .transaction(async (tx) => {
          await tx.execute(query`SELECT 1`);
          // Between two statements of the transaction, its backend goes away.
          await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'edgecron test checkout'`);
          handled = await Promise.race([
            ended[0]!.then(() => true),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
          ]);
          await tx.execute(query`SELECT 2`);
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(handled).toBe(true);
      expect(failure).toBeInstanceOf(Error);
      expect(errors.some((m) => m.startsWith('connection closed: '))).toBe(true);
      // The pool dropped that connection and opens a new one.
      expect((await pool.query('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
    } finally {
      await pool.end();
    }
  });

  it('keeps going when its connection ends inside a claim or a finish transaction, and every run ends', async () => {
    // The backend of the master's transaction is terminated from inside it (as a PostgreSQL
    // restart or Neon suspend would end it): twice in a claim, twice while recording runs.
    await sql('DROP SEQUENCE IF EXISTS public.kills_in_claim, public.kills_in_finish');
    await sql('CREATE SEQUENCE public.kills_in_claim');
    await sql('CREATE SEQUENCE public.kills_in_finish');
    await sql(`CREATE OR REPLACE FUNCTION public.kill_master_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('application_name') = 'edgecron main master'
           AND nextval(CASE TG_OP WHEN 'INSERT' THEN 'public.kills_in_claim' ELSE 'public.kills_in_finish' END) <= 2 THEN
          PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NULL;
      END $$`);
    await sql(`CREATE TRIGGER kill_in_claim AFTER INSERT ON edgecron.run
               FOR EACH STATEMENT EXECUTE FUNCTION public.kill_master_session()`);
    await sql(`CREATE TRIGGER kill_in_finish AFTER UPDATE ON edgecron.run
               FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running') EXECUTE FUNCTION public.kill_master_session()`);
    try {
      await setSettings({ parallelism: 8, claim_batch: 10 });
      const master = masterNamed('main');
      const masterId = (await master.wake('main')).masterId;
      await sql(`INSERT INTO edgecron.job (name, command)
                 SELECT 'burst-' || i, 'SELECT pg_sleep(0.01)' FROM generate_series(1, 60) AS i`);
      for (let i = 0; i < 20 && (await unfinished()) > 0; i++) await tick(master);

      expect(await unfinished()).toBe(0);
      const [kills] = await sql<{ claim: string; finish: string }>(
        'SELECT (SELECT last_value FROM public.kills_in_claim) AS claim, (SELECT last_value FROM public.kills_in_finish) AS finish',
      );
      expect(Number(kills!.claim)).toBeGreaterThan(2);
      expect(Number(kills!.finish)).toBeGreaterThan(2);
      const statuses = await sql<{ status: string; n: string }>('SELECT status, count(*) AS n FROM edgecron.run GROUP BY status');
      expect(statuses).toEqual([{ status: 'succeeded', n: '60' }]);
      // The same master, never reset by an error nobody listened to.
      expect((await master.status()).masterId).toBe(masterId);
    } finally {
      await sql('DROP TRIGGER kill_in_claim ON edgecron.run');
      await sql('DROP TRIGGER kill_in_finish ON edgecron.run');
    }
  });

  it('keeps going when its sessions are terminated from outside while it works through a burst, and every run ends', async () => {
    await setSettings({ parallelism: 8, claim_batch: 25 });
    const master = masterNamed('main');
    const masterId = (await master.wake('main')).masterId;
    await sql(`INSERT INTO edgecron.job (name, command)
               SELECT 'burst-' || i, 'SELECT pg_sleep(0.01)' FROM generate_series(1, 200) AS i`);

    // Terminate every session of the master, again and again, while it works through the burst.
    let terminated = 0;
    let done = false;
    const working = (async () => {
      for (let i = 0; i < 30 && (await unfinished()) > 0; i++) await master.wake('main');
      done = true;
    })();
    for (let i = 0; i < 100 && !done; i++) {
      const killed = await sql<{ t: boolean }>(`SELECT pg_terminate_backend(pid) AS t FROM (${MASTER_SESSIONS}) AS s`);
      terminated += killed.filter((k) => k.t).length;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await working;
    expect(terminated).toBeGreaterThan(0);

    // Whatever a terminated connection interrupted is taken up again by the next ticks.
    for (let i = 0; i < 20 && (await unfinished()) > 0; i++) {
      await tick(master);
      // A run marked running by a dispatch whose answer was lost never started: its lease
      // running out (made to happen now) ends it lost.
      if (i >= 3) await sql(`UPDATE edgecron.run SET lease_until = now() - interval '1 second' WHERE status = 'running'`);
    }
    expect(await unfinished()).toBe(0);
    const [counts] = await sql<{ other: string }>(
      `SELECT count(*) AS other FROM edgecron.run WHERE status NOT IN ('succeeded', 'lost')`,
    );
    expect(counts).toEqual({ other: '0' });
    expect((await master.status()).masterId).toBe(masterId);
  });
});
