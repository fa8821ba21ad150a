// Rows that hold what the column types allow but the API and the SQL functions refuse
// (infinity, BC dates, infinite intervals): written with the triggers off, as rows that
// predate a check, a restored dump or a replica would be. The engine must cope with them.
import { sql } from './database';

type Literal = string | number | boolean;

const literal = (value: Literal): string =>
  typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value);

/** Inserts a job with exactly these column values, no trigger checking them, and returns its id. */
export async function insertRawJob(columns: Record<string, Literal>): Promise<number> {
  const name = `raw-${crypto.randomUUID()}`;
  const entries = Object.entries({ name, ...columns });
  await sql(
    `SET LOCAL session_replication_role = replica;
     INSERT INTO edgecron.job (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map(([, v]) => literal(v)).join(', ')})`,
  );
  const [row] = await sql<{ id: string }>('SELECT id FROM edgecron.job WHERE name = $1', [name]);
  return Number(row!.id);
}

/** Sets columns of a job with no trigger involved (its revision does not move: the master is not told). */
export async function setRawColumns(jobId: number, columns: Record<string, Literal>): Promise<void> {
  const assignments = Object.entries(columns).map(([k, v]) => `${k} = ${literal(v)}`);
  await sql(`SET LOCAL session_replication_role = replica; UPDATE edgecron.job SET ${assignments.join(', ')} WHERE id = ${jobId}`);
}
