// The real local stack for benchmarks: a fresh embedded PostgreSQL, the WebSocket proxy
// (counting the Worker's round trips to the database), the migrations, and the Worker in
// `wrangler dev`. The benchmark talks to PostgreSQL directly (not through the proxy).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startLocalPostgres } from '../../scripts/local-postgres.ts';
import { migrateDatabase } from '../../scripts/migrate.ts';
import { freePort } from '../../scripts/ports.ts';
import { startWranglerDev, waitForHealth } from '../../scripts/wrangler-dev.ts';
import { startWsProxy } from '../../scripts/ws-proxy.ts';
import { RoundTripCounter } from './round-trips.ts';

export const BENCH_TOKEN = 'bench-admin-token';

export interface BenchStack {
  db: pg.Client;
  baseUrl: string;
  databaseUrl: string;
  roundTrips: RoundTripCounter;
  /** Fires the Worker's cron trigger (the watchdog) once. */
  wake(): Promise<void>;
  /**
   * Fires the cron trigger every minute, on the minute, as Cloudflare does (wrangler dev does
   * not); returns the function that stops it.
   */
  startCronTrigger(): () => void;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  withWorker?: boolean;
  postgresSettings?: Record<string, string>;
  /** Another PostgreSQL server to run on instead of a fresh embedded one (stopped with the stack). */
  server?: (dir: string, port: number) => Promise<{ url: string; stop(): Promise<void> }>;
}

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgecron-bench-'));
  const postgres = options.server
    ? await options.server(path.join(dir, 'pg'), await freePort())
    : await startLocalPostgres({
        dataDir: path.join(dir, 'pg'),
        port: await freePort(),
        persistent: false,
        settings: options.postgresSettings,
      });
  const roundTrips = new RoundTripCounter();
  const proxy = await startWsProxy(await freePort(), { onClientData: (c, chunk) => roundTrips.feed(c, chunk) });
  await migrateDatabase(postgres.url);
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();

  let wrangler: ReturnType<typeof startWranglerDev> | undefined;
  const port = await freePort();
  if (options.withWorker !== false) {
    const envFile = path.join(dir, 'bench.env');
    await writeFile(
      envFile,
      [
        `DATABASE_URL='${postgres.url}'`,
        `EDGECRON_WS_PROXY='127.0.0.1:${proxy.port}'`,
        `EDGECRON_TOKENS='${JSON.stringify({ [BENCH_TOKEN]: { role: 'postgres', admin: true } })}'`,
      ].join('\n'),
    );
    wrangler = startWranglerDev({
      port,
      envFile,
      persistTo: path.join(dir, 'wrangler'),
      onLine: (line) => {
        if (/error|failed/i.test(line) && !/Request\.cf|workers\.cloudflare\.com|GetAddrInfo/.test(line)) console.error(`[wrangler] ${line}`);
      },
      onExit: (reason) => console.error(reason),
    });
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, 120_000);
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const wake = async () => {
    const response = await fetch(`${baseUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);
    await response.arrayBuffer();
  };
  return {
    db,
    baseUrl,
    databaseUrl: postgres.url,
    roundTrips,
    wake,
    startCronTrigger: () => {
      const fire = () => void wake().catch((e: unknown) => console.error(`cron trigger failed: ${String(e)}`));
      let every: ReturnType<typeof setInterval> | undefined;
      const first = setTimeout(() => {
        fire();
        every = setInterval(fire, 60_000);
      }, 60_000 - (Date.now() % 60_000));
      return () => {
        clearTimeout(first);
        clearInterval(every);
      };
    },
    stop: async () => {
      await db.end();
      await wrangler?.stop();
      await proxy.close();
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
