// Applies the migrations in drizzle/ to a database, from a machine (never from a request).
// `npm run migrate` runs it on DATABASE_URL; npm start and the tests call migrateDatabase().
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Where applied migrations are recorded: not drizzle's default table, which the app may own. */
export const MIGRATIONS_TABLE = { migrationsSchema: 'drizzle', migrationsTable: '__edgecron_migrations' };

export async function migrateDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER, ...MIGRATIONS_TABLE });
  } finally {
    await client.end();
  }
}

/** The connection string with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable connection string)';
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set: it must name the database to migrate');
    process.exit(2);
  }
  migrateDatabase(url).then(
    () => console.log(`migrated ${redactUrl(url)}`),
    (e: unknown) => {
      console.error(`migration failed on ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
