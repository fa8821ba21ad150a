// Benchmark 2: a burst of BENCH_JOBS (default 10,000) one-time jobs inserted in one statement:
// time from the insert until every one has succeeded, jobs per second, and how long runs
// waited for a free slot (within the database's parallelism, default 8).
//   npm run bench:burst
import { percentile, sleep, startBenchStack } from './support/stack.ts';

const count = Number(process.env.BENCH_JOBS ?? 10_000);
const parallelism = Number(process.env.BENCH_PARALLELISM ?? 8);
const stack = await startBenchStack();
try {
  const { db } = stack;
  await db.query('UPDATE edgecron.settings SET parallelism = $1', [parallelism]);
  await stack.wake();
  const roundTripsBefore = stack.roundTrips.total;
  const connectionsBefore = stack.roundTrips.connections;
  const started = Date.now();
  await db.query(`INSERT INTO edgecron.job (name, command) SELECT 'burst-' || i, 'SELECT 1' FROM generate_series(1, $1) AS i`, [count]);
  await stack.wake();
  let done = 0;
  let maxRunning = 0;
  for (;;) {
    const { rows } = await db.query<{ done: string; running: string }>(
      `SELECT count(*) FILTER (WHERE status NOT IN ('queued', 'running')) AS done,
              count(*) FILTER (WHERE status = 'running') AS running FROM edgecron.run`,
    );
    done = Number(rows[0]!.done);
    maxRunning = Math.max(maxRunning, Number(rows[0]!.running));
    if (done >= count || Date.now() - started > 600_000) break;
    await sleep(100);
  }
  const seconds = (Date.now() - started) / 1000;
  const statuses = await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM edgecron.run GROUP BY status');
  const waits = await db.query<{ wait: string }>(
    `SELECT extract(epoch FROM started_at - scheduled_for) * 1000 AS wait FROM edgecron.run WHERE started_at IS NOT NULL`,
  );
  const sorted = waits.rows.map((r) => Number(r.wait)).sort((a, b) => a - b);
  const roundTrips = stack.roundTrips.total - roundTripsBefore;
  console.log(`burst of ${count} one-time jobs, parallelism ${parallelism}`);
  console.log(`  all finished in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(0)} jobs/s`);
  console.log(`  statuses: ${JSON.stringify(Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)])))}`);
  // How many commands were really executing at once: a sweep over [started_at, finished_at]
  // (the master's clock). Rows still 'running' while their end is being written are not that.
  const overlap = await db.query<{ n: string }>(
    `SELECT coalesce(max(n), 0) AS n FROM (
       SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM (
         SELECT started_at AS t, 1 AS d FROM edgecron.run WHERE started_at IS NOT NULL AND finished_at IS NOT NULL
         UNION ALL SELECT finished_at, -1 FROM edgecron.run WHERE started_at IS NOT NULL AND finished_at IS NOT NULL) AS e) AS s`,
  );
  console.log(`  most commands executing at once: ${overlap.rows[0]!.n} (limit ${parallelism}); most rows seen 'running' (sampled, includes ends being written): ${maxRunning}`);
  console.log(`  wait for a slot (start − submit): p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`);
  console.log(
    `  database round trips by the Worker: ${roundTrips} (${(roundTrips / count).toFixed(1)} per job), connections opened: ${stack.roundTrips.connections - connectionsBefore}`,
  );
} finally {
  await stack.stop();
}
