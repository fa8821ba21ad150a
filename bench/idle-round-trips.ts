// Benchmark 4: database round trips made by the Worker while nothing is due, per hour, in
// normal mode (poll every second) and in scale-to-zero mode, measured one after the other
// over BENCH_SECONDS each (default 180) with the same jobs registered (far in the future).
// The watchdog cron trigger fires every minute throughout, as in production, and every round
// trip counts: queries, and the connections (re)opened with their startup and authentication.
//   npm run bench:idle
import { sleep, startBenchStack } from './support/stack.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 180);
const stack = await startBenchStack();
const stopCron = stack.startCronTrigger();
try {
  const { db } = stack;
  await db.query(`INSERT INTO edgecron.job (name, schedule, command)
                  SELECT 'idle-' || i, '0 0 1 1 *', 'SELECT 1' FROM generate_series(1, 100) AS i`);
  const measure = async (label: string) => {
    await stack.wake();
    await sleep(3_000); // settle: the first ticks sync jobs and open connections
    const before = { total: stack.roundTrips.total, connections: stack.roundTrips.connections };
    await sleep(seconds * 1000);
    const count = stack.roundTrips.total - before.total;
    const connections = stack.roundTrips.connections - before.connections;
    console.log(
      `  ${label.padEnd(18)} ${String(count).padStart(6)} in ${seconds} s (${connections} connections opened)  →  ${Math.round((count * 3600) / seconds)} per hour`,
    );
    return count;
  };
  console.log(`round trips to the database while idle (100 jobs registered, none due for months; watchdog every minute)`);
  const normal = await measure('normal (1 s poll)');
  // A sleeping master reads its settings only when it looks at the database, so each change is
  // made while it still looks (or waits out the old sync interval).
  const syncSeconds = 30;
  await db.query(`UPDATE edgecron.settings SET scale_to_zero = true, sync_interval = $1`, [`${syncSeconds} seconds`]);
  await sleep(2_000); // the master sees the settings at its next poll
  const looks = await measure(`scale-to-zero, sync every ${syncSeconds} s`);
  await db.query(`UPDATE edgecron.settings SET sync_interval = '15 minutes'`);
  await sleep((syncSeconds + 5) * 1000); // seen at its next look
  const sleepy = await measure('scale-to-zero (15 min sync)');
  const perLook = looks / (seconds / syncSeconds);
  console.log(
    `  scale-to-zero makes ${sleepy === 0 ? 'no' : `${((sleepy / normal) * 100).toFixed(1)}% of the`} round trips of normal mode between sync looks;` +
      ` a look costs ${perLook.toFixed(1)} round trips, so the default 15-minute sync adds about ${Math.round(perLook * 4)} per hour`,
  );
} finally {
  stopCron();
  await stack.stop();
}
