// `npm start`: the whole scheduler on this machine. Starts an embedded PostgreSQL, the
// WebSocket proxy the Neon driver needs to reach it, applies the migrations, runs the Worker
// with `wrangler dev`, plays the part of the cron trigger (wrangler dev does not fire it),
// and prints where everything is. Ctrl-C stops every process it started.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startLocalPostgres, type LocalPostgres } from './local-postgres.ts';
import { migrateDatabase } from './migrate.ts';
import { assertPortFree, portSetting } from './ports.ts';
import { startWranglerDev, waitForHealth, type WranglerDev } from './wrangler-dev.ts';
import { startWsProxy, type WsProxy } from './ws-proxy.ts';

const say = (line: string) => console.log(`[edgecron] ${line}`);

async function main(): Promise<void> {
  const port = portSetting('PORT', 8787);
  const pgPort = portSetting('EDGECRON_PG_PORT', 54320);
  const proxyPort = portSetting('EDGECRON_PROXY_PORT', 54321);
  const dataDir = path.resolve(process.env.EDGECRON_DATA_DIR || '.edgecron');
  const adminToken = process.env.EDGECRON_DEV_ADMIN_TOKEN || `ec_dev_${randomBytes(24).toString('hex')}`;
  const devTokens = parseDevTokens(process.env.EDGECRON_DEV_TOKENS);

  // Fail at once, naming the setting, rather than halfway through starting things.
  await assertPortFree(port, 'PORT');
  await assertPortFree(pgPort, 'EDGECRON_PG_PORT');
  await assertPortFree(proxyPort, 'EDGECRON_PROXY_PORT');

  const stack = new Stack();
  process.on('SIGINT', () => void stack.stop(0));
  process.on('SIGTERM', () => void stack.stop(0));

  try {
    await mkdir(dataDir, { recursive: true });
    say(`starting PostgreSQL on 127.0.0.1:${pgPort} (data in ${dataDir}/pg)`);
    stack.postgres = await startLocalPostgres({ dataDir: path.join(dataDir, 'pg'), port: pgPort });
    stack.proxy = await startWsProxy(proxyPort, { log: (line) => say(line) });
    say('applying migrations');
    await migrateDatabase(stack.postgres.url);

    const envFile = path.join(dataDir, 'dev.env');
    const tokens = { ...devTokens, [adminToken]: { role: 'postgres', admin: true } };
    await writeFile(
      envFile,
      [
        `DATABASE_URL='${stack.postgres.url}'`,
        `EDGECRON_WS_PROXY='127.0.0.1:${proxyPort}'`,
        `EDGECRON_DEV_TOKENS='${JSON.stringify(tokens)}'`,
        process.env.EDGECRON_TOKENS ? `EDGECRON_TOKENS='${process.env.EDGECRON_TOKENS}'` : '',
        process.env.EDGECRON_JOB_LOGINS ? `EDGECRON_JOB_LOGINS='${process.env.EDGECRON_JOB_LOGINS}'` : '',
      ].join('\n'),
      { mode: 0o600 },
    );

    say(`starting the Worker on http://127.0.0.1:${port}`);
    stack.wrangler = startWranglerDev({
      port,
      envFile,
      persistTo: path.join(dataDir, 'wrangler'),
      onLine: (line) => console.log(`[wrangler] ${line}`),
      onExit: (reason) => {
        console.error(`[edgecron] ${reason}`);
        void stack.stop(1);
      },
    });
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, 120_000, () => stopping);
    stack.startCronTrigger(`http://127.0.0.1:${port}`);

    console.log(
      [
        '',
        'edgecron is running.',
        `  API            http://127.0.0.1:${port}`,
        `  DATABASE_URL   ${stack.postgres.url}`,
        `  admin token    ${adminToken}`,
        '',
        'Define a job in SQL:',
        `  psql "${stack.postgres.url}" -c "INSERT INTO edgecron.job (name, schedule, command) VALUES ('hello', '* * * * *', 'SELECT 1')"`,
        'Read its runs:',
        `  curl -H "Authorization: Bearer ${adminToken}" "http://127.0.0.1:${port}/v1/databases/main/runs"`,
        '',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (e) {
    console.error(`[edgecron] ${e instanceof Error ? e.message : String(e)}`);
    await stack.stop(1);
  }
}

function parseDevTokens(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new Error('EDGECRON_DEV_TOKENS: must be a JSON object {"<token>": {"role": "...", "admin": false}}');
}

let stopping = false;

class Stack {
  postgres: LocalPostgres | undefined;
  proxy: WsProxy | undefined;
  wrangler: WranglerDev | undefined;
  #cron: NodeJS.Timeout | undefined;

  /** Fires the Worker's `* * * * *` trigger now and at the start of every minute. */
  startCronTrigger(base: string): void {
    const fire = () => {
      fetch(`${base}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`).catch((e: unknown) =>
        say(`cron trigger failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    };
    fire();
    const untilNextMinute = 60_000 - (Date.now() % 60_000);
    this.#cron = setTimeout(() => {
      fire();
      this.#cron = setInterval(fire, 60_000);
    }, untilNextMinute);
  }

  async stop(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    say('stopping');
    clearTimeout(this.#cron);
    clearInterval(this.#cron);
    await this.wrangler?.stop();
    await this.proxy?.close();
    if (this.postgres) {
      // The server may already have stopped on the terminal's own Ctrl-C; don't wait forever.
      await Promise.race([this.postgres.stop(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
    process.exit(code);
  }
}

main().catch((e: unknown) => {
  console.error(`[edgecron] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
