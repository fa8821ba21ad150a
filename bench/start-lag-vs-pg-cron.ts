// Benchmark 1b: start lag of minute jobs, edgecron and pg_cron side by side on one PostgreSQL 15
// server (Debian's, with pg_cron preloaded). BENCH_JOBS jobs (default 20) in each scheduler run
// `* * * * *` for BENCH_MINUTES minutes (default 3); every run inserts the database's clock into
// one probe table, so both are measured by the same clock: lag = clock_timestamp() at the
// command − the minute it belongs to. Needs: apt-get install postgresql-15 postgresql-15-cron.
//   npm run bench:start-lag:pg-cron
import { debianPgCronMissing, startDebianPostgres } from './support/debian-postgres.ts';
import { median, percentile, sleep, startBenchStack } from './support/stack.ts';

const missing = debianPgCronMissing();
if (missing) {
  console.error(`${missing}: apt-get install postgresql-15 postgresql-15-cron`);
  process.exit(2);
}
const jobs = Number(process.env.BENCH_JOBS ?? 20);
const minutes = Number(process.env.BENCH_MINUTES ?? 3);
const stack = await startBenchStack({ server: (dir, port) => startDebianPostgres({ dir, port }) });
try {
  const { db } = stack;
  await db.query('CREATE EXTENSION pg_cron');
  await db.query(`CREATE TABLE public.lag_probe (scheduler text, job int, at timestamptz)`);
  await db.query(`GRANT INSERT ON public.lag_probe TO PUBLIC`);
  const probe = (scheduler: string, i: number) => `INSERT INTO public.lag_probe VALUES ('${scheduler}', ${i}, clock_timestamp())`;
  for (let i = 1; i <= jobs; i++) {
    await db.query(`SELECT cron.schedule($1, '* * * * *', $2)`, [`probe-${i}`, probe('pg_cron', i)]);
    await db.query(`INSERT INTO edgecron.job (name, schedule, command) VALUES ($1, '* * * * *', $2)`, [`probe-${i}`, probe('edgecron', i)]);
  }
  await stack.wake();
  // Measure whole minutes that start after both schedulers have seen their jobs.
  const from = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000;
  const to = from + minutes * 60_000;
  await sleep(to - Date.now() + 10_000);

  const { rows } = await db.query<{ scheduler: string; lag: string; minute: string }>(
    `SELECT scheduler, extract(epoch FROM at - date_trunc('minute', at)) * 1000 AS lag, date_trunc('minute', at) AS minute
       FROM public.lag_probe WHERE at >= to_timestamp($1 / 1000.0) AND at < to_timestamp($2 / 1000.0)`,
    [from, to],
  );
  console.log(`start lag of ${jobs} jobs each at * * * * *, ${minutes} minutes, one PostgreSQL 15 server (${jobs * minutes} runs expected each)`);
  const medians: Record<string, number> = {};
  for (const scheduler of ['edgecron', 'pg_cron']) {
    const lags = rows.filter((r) => r.scheduler === scheduler).map((r) => Number(r.lag)).sort((a, b) => a - b);
    medians[scheduler] = median(lags);
    const fmt = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      `  ${scheduler.padEnd(8)} runs ${String(lags.length).padStart(4)}  p50 ${fmt(percentile(lags, 50))}  p99 ${fmt(percentile(lags, 99))}  max ${fmt(lags.at(-1) ?? NaN)}  min ${fmt(lags[0] ?? NaN)}`,
    );
  }
  console.log(`  median lag ratio edgecron / pg_cron: ${(medians.edgecron! / medians.pg_cron!).toFixed(2)}`);
} finally {
  await stack.stop();
}
