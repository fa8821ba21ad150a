// Installs a compatibility pack (compat/<pack>.sql) into a database that already has edgecron's
// migrations: `npm run compat -- <pack>` on DATABASE_URL, or installCompatPack() from code (the
// integration tests install every pack this way). docs/compat/README.md lists the packs. What
// the packs share (compat/base.sql: which pack made each job, the schedule check) is applied
// before each pack, in its transaction.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MIGRATIONS_TABLE, redactUrl } from './migrate.ts';

export const COMPAT_PACKS = ['pg_cron', 'pgpro_scheduler', 'pg_task', 'qsched', 'hg_job'] as const;
export type CompatPack = (typeof COMPAT_PACKS)[number];

const COMPAT_FOLDER = new URL('../compat/', import.meta.url);
/** Not a pack: what every pack builds on. */
const BASE_FILE = 'base.sql';
const JOURNAL = new URL('../drizzle/meta/_journal.json', import.meta.url);

/** A pack name as given on the command line, checked; 'all' is every pack. */
export function parsePackName(name: string | undefined): CompatPack[] {
  if (name === 'all') return [...COMPAT_PACKS];
  if (name !== undefined && (COMPAT_PACKS as readonly string[]).includes(name)) return [name as CompatPack];
  const given = name === undefined ? 'no pack given' : `unknown pack "${name}"`;
  throw new Error(`${given}; the packs are ${COMPAT_PACKS.join(', ')} (or all): npm run compat -- <pack>`);
}

/**
 * Applies `pack` (or every pack, for 'all') to the database at `url`, each pack in its own
 * transaction, after checking that every edgecron migration in drizzle/ is applied there.
 * Re-running a pack is harmless. Returns the packs installed.
 */
export async function installCompatPack(url: string, pack: CompatPack | 'all'): Promise<CompatPack[]> {
  const packs = parsePackName(pack);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await checkMigrations(client, url);
    const base = await readFile(new URL(BASE_FILE, COMPAT_FOLDER), 'utf8');
    for (const name of packs) {
      const text = await readFile(new URL(`${name}.sql`, COMPAT_FOLDER), 'utf8');
      await client.query('BEGIN');
      try {
        // One installer at a time per database; the lock ends with the transaction.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('edgecron.compat'))`);
        await client.query(base);
        await client.query(text);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`compat pack ${name} was not installed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return packs;
  } finally {
    await client.end();
  }
}

/** Refuses a database where any migration of drizzle/ has not been applied yet. */
async function checkMigrations(client: pg.Client, url: string): Promise<void> {
  const journal = JSON.parse(await readFile(JOURNAL, 'utf8')) as { entries: Array<{ tag: string; when: number }> };
  const table = `${MIGRATIONS_TABLE.migrationsSchema}.${MIGRATIONS_TABLE.migrationsTable}`;
  const exists = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [table]);
  const applied = new Set<string>();
  if (exists.rows[0]?.found) {
    const rows = await client.query<{ created_at: string }>(`SELECT created_at::text FROM ${table}`);
    for (const row of rows.rows) applied.add(row.created_at);
  }
  const missing = journal.entries.filter((entry) => !applied.has(String(entry.when))).map((entry) => entry.tag);
  if (missing.length > 0) {
    throw new Error(
      `edgecron's migrations are not all applied to ${redactUrl(url)} (missing ${missing.join(', ')}); run npm run migrate first`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env.DATABASE_URL;
  let packs: CompatPack[];
  try {
    packs = parsePackName(process.argv[2]);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  if (!url) {
    console.error('DATABASE_URL is not set: it must name the database to install the pack into');
    process.exit(2);
  }
  installCompatPack(url, packs.length === 1 ? packs[0]! : 'all').then(
    (installed) => console.log(`installed ${installed.join(', ')} into ${redactUrl(url)}`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
