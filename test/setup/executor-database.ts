// A second database of the test cluster whose edgecron tables belong to a login role that is no
// superuser, set up as docs/sql.md tells a DBA to on a plain server: CREATE ROLE … LOGIN
// CREATEROLE, a database it may create schemas in, then the migrations run as that role. The
// Worker serves it as database "exec", so tests run the real master with an executor whose
// SET ROLE, row security and signals are those of an ordinary login (the main database's
// executor is the superuser postgres, for whom every role check passes).
import pg from 'pg';
import { migrateDatabase } from '../../scripts/migrate.ts';

export const EXECUTOR_ROLE = 'edgecron_exec';
export const EXECUTOR_DATABASE = 'edgecron_exec';
const EXECUTOR_PASSWORD = 'edgecron-exec-test-password';

/** Creates the executor role and its database on the cluster of `superuserUrl`, migrated; returns its URL. */
export async function createExecutorDatabase(superuserUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: superuserUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${EXECUTOR_ROLE} LOGIN CREATEROLE PASSWORD '${EXECUTOR_PASSWORD}'`);
    await admin.query(`CREATE DATABASE ${EXECUTOR_DATABASE} OWNER ${EXECUTOR_ROLE}`);
    // The main database's migrations (as postgres) created edgecron_user and edgecron_admin. An
    // executor that creates them itself gets what PostgreSQL 16+ gives a role's creator: ADMIN,
    // without INHERIT or SET. That lets it run grant_user, as docs/sql.md has it do.
    await admin.query(`GRANT edgecron_user, edgecron_admin TO ${EXECUTOR_ROLE} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE`);
  } finally {
    await admin.end();
  }
  const url = new URL(superuserUrl);
  url.username = EXECUTOR_ROLE;
  url.password = EXECUTOR_PASSWORD;
  url.pathname = `/${EXECUTOR_DATABASE}`;
  await migrateDatabase(url.toString());

  // Its master wakes only when a test wakes it (or the watchdog fires): no polling meanwhile.
  const executor = new pg.Client({ connectionString: url.toString() });
  await executor.connect();
  try {
    await executor.query(`UPDATE edgecron.settings SET poll_interval = '1 hour'`);
  } finally {
    await executor.end();
  }
  return url.toString();
}
