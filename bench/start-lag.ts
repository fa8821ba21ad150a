// Benchmark 1: how late a job that runs every second starts, over BENCH_SECONDS (default 60).
// Lag = started_at (when the master sent the command) − scheduled_for (the nominal second);
// also the database's own clock at the start of the command. Reports p50, p99 and max, and
// the slots that were missed or ran twice.
//   npm run bench:start-lag
import { percentile, sleep, startBenchStack } from './support/stack.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const stack = await startBenchStack();
try {
  const { db } = stack;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO edgecron.job (name, schedule, command) VALUES ('every-second', '* * * * * *', 'SELECT clock_timestamp() AS at') RETURNING id`,
  );
  const jobId = rows[0]!.id;
  await stack.wake();
  // Warm up (connections, caches) for a few seconds, then measure a window of whole seconds.
  await sleep(5_000);
  const from = Math.ceil(Date.now() / 1000) * 1000;
  const to = from + seconds * 1000;
  await sleep(to - Date.now() + 2_000);
  await db.query('UPDATE edgecron.job SET enabled = false WHERE id = $1', [jobId]);
  await sleep(1_500);

  const runs = await db.query<{ slot: string; lag: string; db_lag: string | null; status: string }>(
    `SELECT scheduled_for AS slot,
            extract(epoch FROM started_at - scheduled_for) * 1000 AS lag,
            extract(epoch FROM (result->'rows'->0->>'at')::timestamptz - scheduled_for) * 1000 AS db_lag,
            status
       FROM edgecron.run
      WHERE job_id = $1 AND attempt = 1 AND scheduled_for >= to_timestamp($2 / 1000.0) AND scheduled_for < to_timestamp($3 / 1000.0)`,
    [jobId, from, to],
  );
  const lags = runs.rows.filter((r) => r.status === 'succeeded').map((r) => Number(r.lag)).sort((a, b) => a - b);
  const dbLags = runs.rows.filter((r) => r.db_lag !== null).map((r) => Number(r.db_lag)).sort((a, b) => a - b);
  const slots = new Set(runs.rows.map((r) => new Date(r.slot).getTime()));
  const byStatus = new Map<string, number>();
  for (const r of runs.rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`start lag of a job running every second, ${seconds} s window (${seconds} slots expected)`);
  console.log(`  runs: ${runs.rows.length}  statuses: ${JSON.stringify(Object.fromEntries(byStatus))}`);
  console.log(`  slots missed: ${seconds - slots.size}  slots run twice: ${runs.rows.length - slots.size}`);
  console.log(`  lag (master sends command − slot):  p50 ${fmt(percentile(lags, 50))}  p99 ${fmt(percentile(lags, 99))}  max ${fmt(lags.at(-1) ?? NaN)}  min ${fmt(lags[0] ?? NaN)}`);
  console.log(`  lag (database clock at command − slot): p50 ${fmt(percentile(dbLags, 50))}  p99 ${fmt(percentile(dbLags, 99))}  max ${fmt(dbLags.at(-1) ?? NaN)}`);
} finally {
  await stack.stop();
}
