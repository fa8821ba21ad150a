import { defineConfig } from 'drizzle-kit';

// Used by `npm run db:generate` to write migrations into drizzle/. Applying them is
// `npm run migrate` (scripts/migrate.ts), which needs no drizzle-kit at run time.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  schemaFilter: ['edgecron'],
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:54320/postgres' },
  migrations: { schema: 'drizzle', table: '__edgecron_migrations' },
});
