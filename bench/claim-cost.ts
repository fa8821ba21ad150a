// Benchmark 3: what a tick costs in the database as the number of registered jobs grows
// (1k, 100k, 1M by default; BENCH_SIZES to change). Runs the master's own queries (peekWork,
// claimDueRuns) against PostgreSQL directly: the idle tick's one round trip, and claiming
// 100 due jobs among N registered ones. Medians of repeated runs, side by side.
//   npm run bench:claim-cost
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Db } from '../src/db/client';
import { claimDueRuns } from '../src/db/queries/claim-due-runs';
import { peekWork } from '../src/db/queries/peek-work';
import { decideDueJob } from '../src/master/timing';
import { median, startBenchStack } from './support/stack.ts';

const sizes = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const DUE = 100;
const stack = await startBenchStack({ withWorker: false });
try {
  const { db: client } = stack;
  // The master's queries, run on node-postgres instead of the Neon driver: the same SQL.
  const db = drizzle({ client }) as unknown as Db;
  let registered = 0;
  console.log(`tick cost in the database by registered jobs (${DUE} due), medians`);
  console.log('  registered    idle peek (ms)   claim 100 due (ms)   claim per job (ms)');
  for (const size of sizes) {
    const add = size - registered;
    // Registered jobs that are synced and due far in the future, as a live database holds them.
    await client.query(
      `INSERT INTO edgecron.job (name, schedule, command, next_run_at, synced_revision)
       SELECT 'job-' || i, '0 0 1 1 *', 'SELECT 1', now() + interval '300 days' + i * interval '1 second', 1
         FROM generate_series($1::int + 1, $1::int + $2::int) AS i`,
      [registered, add],
    );
    registered = size;
    await client.query('VACUUM ANALYZE edgecron.job');
    const dueIds = (await client.query<{ id: string }>(`SELECT id FROM edgecron.job ORDER BY id LIMIT ${DUE}`)).rows.map((r) => r.id);

    const peeks: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await peekWork(db, null);
      peeks.push(performance.now() - t);
    }
    const claims: number[] = [];
    for (let i = 0; i < 15; i++) {
      await client.query('DELETE FROM edgecron.run');
      await client.query(`UPDATE edgecron.job SET next_run_at = now() - interval '1 second' WHERE id = ANY($1)`, [dueIds]);
      const now = new Date();
      const t = performance.now();
      const claimed = await claimDueRuns(db, { horizon: now, limit: 500, decide: (job) => decideDueJob(job, now, 5_000, 'UTC') });
      claims.push(performance.now() - t);
      if (claimed !== DUE) throw new Error(`claimed ${claimed}, expected ${DUE}`);
    }
    await client.query(`UPDATE edgecron.job SET next_run_at = now() + interval '300 days' WHERE id = ANY($1)`, [dueIds]);
    const claim = median(claims);
    console.log(
      `  ${String(size).padStart(10)}   ${median(peeks).toFixed(2).padStart(13)}   ${claim.toFixed(1).padStart(18)}   ${(claim / DUE).toFixed(3).padStart(18)}`,
    );
  }
} finally {
  await stack.stop();
}
