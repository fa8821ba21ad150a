// Shared by the compatibility pack tests: run a peer's SQL as written, then let the master do
// what the peer's scheduler would have done.
import { sql } from '../support/database';
import { dueSince, tick } from '../support/engine';

/** The first column of the first row, as a number (a job or run id a peer function returned). */
export function firstValue(rows: Array<Record<string, unknown>>): number {
  const row = rows[0];
  if (!row) throw new Error('the statement returned no row');
  return Number(Object.values(row)[0]);
}

/** Runs one statement as the superuser (a DBA in psql) and returns the id it answered. */
export async function idFrom(statement: string): Promise<number> {
  return firstValue(await sql(statement));
}

/** The master learns of the job, its next slot is made due now, and one tick runs it. */
export async function runDueNow(...jobIds: number[]): Promise<void> {
  await tick();
  for (const id of jobIds) await dueSince(id);
  await tick();
}

/** A fresh table for a job to write to, dropped first if an earlier test left it. */
export async function freshTable(name: string, columns: string): Promise<void> {
  await sql(`DROP TABLE IF EXISTS ${name} CASCADE`);
  await sql(`CREATE TABLE ${name} (${columns})`);
}

/** A refused statement's SQLSTATE, message, detail and hint (sqlError keeps no detail). */
export async function refusal(statement: Promise<unknown>): Promise<{ code: string; message: string; detail?: string; hint?: string }> {
  try {
    await statement;
  } catch (e) {
    const f = e as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
    if (typeof f.code !== 'string') throw e;
    return {
      code: f.code,
      message: String(f.message),
      ...(typeof f.detail === 'string' ? { detail: f.detail } : {}),
      ...(typeof f.hint === 'string' ? { hint: f.hint } : {}),
    };
  }
  throw new Error('expected the statement to fail, and it succeeded');
}
