// Housekeeping keeps up: history beyond retention goes however far behind it is, and the
// heartbeats of masters long gone are deleted.
import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { createJob, masterNamed, resetSettings, setSettings, tick } from '../support/engine';

async function count(query: string): Promise<number> {
  const [row] = await sql<{ n: string }>(query);
  return Number(row!.n);
}

describe('housekeeping', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('purges a backlog of history larger than one batch in one go', async () => {
    const job = await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    // Oldest first, so ids follow time as they do when the master inserts runs.
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at)
               SELECT $1, 'postgres', now() - interval '40 days' - (2501 - i) * interval '1 second', 'failed', now() - interval '40 days'
                 FROM generate_series(1, 2500) AS i`, [job]);
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at)
               SELECT $1, 'postgres', now() - (2501 - i) * interval '1 second', 'succeeded', now() - (2501 - i) * interval '1 second'
                 FROM generate_series(1, 2500) AS i`, [job]);
    const [newest] = await sql<{ id: string }>(`SELECT id FROM edgecron.run ORDER BY id DESC OFFSET 999 LIMIT 1`);
    await setSettings({ retention_max_runs: 1_000, retention_age: '30 days' });
    await tick(masterNamed(`fresh-${Date.now()}`));
    expect(await count('SELECT count(*) AS n FROM edgecron.run')).toBe(1_000);
    expect(await count(`SELECT count(*) AS n FROM edgecron.run WHERE status = 'failed'`)).toBe(0);
    // The newest are the ones kept.
    expect(await count(`SELECT min(id) AS n FROM edgecron.run`)).toBe(Number(newest!.id));
  });

  it('purges finished one-time jobs beyond one batch in one go', async () => {
    await sql(`INSERT INTO edgecron.job (command, state, last_finished_at)
               SELECT 'SELECT 1', 'done', now() - interval '40 days' FROM generate_series(1, 1500)`);
    await setSettings({ retention_age: '30 days' });
    await tick(masterNamed(`fresh-${Date.now()}`));
    expect(await count('SELECT count(*) AS n FROM edgecron.job')).toBe(0);
  });

  it('deletes the heartbeats of masters gone for over an hour, and keeps the others', async () => {
    await sql(`INSERT INTO edgecron.master_heartbeat (master_id, database, started_at, last_tick_at) VALUES
                 ('long gone', 'main', now() - interval '3 days', now() - interval '2 days'),
                 ('just gone', 'main', now() - interval '1 hour', now() - interval '10 minutes')`);
    const master = masterNamed(`fresh-${Date.now()}`);
    await tick(master);
    const ids = await sql<{ master_id: string }>('SELECT master_id FROM edgecron.master_heartbeat ORDER BY master_id');
    expect(ids.map((r) => r.master_id).sort()).toEqual(['just gone', (await master.status()).masterId].sort());
  });
});
