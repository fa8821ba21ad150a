// The database-wide rows the status route shows: edgecron.settings and the masters' heartbeats.
// Columns are passed on by their SQL names, so a setting added to the schema shows up by itself.
import { getTableColumns } from 'drizzle-orm';
import { readableTime } from '../instant-json';
import { masterHeartbeat, settings } from '../../db/schema';
import type { Db } from '../../db/client';
import type { Tx } from '../context';

type Row = Record<string, unknown>;

function bySqlName(table: typeof settings | typeof masterHeartbeat, row: Row): Row {
  const out: Row = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = row[key];
    // An instant JavaScript cannot hold (written by SQL as `infinity`) is shown as null.
    if (value instanceof Date) {
      const time = readableTime(value);
      out[column.name] = time === null ? null : new Date(time).toISOString();
    } else out[column.name] = value;
  }
  return out;
}

export async function readSettings(db: Db | Tx): Promise<Row | null> {
  const [row] = await db.select().from(settings).limit(1);
  if (!row) return null;
  const { id: _id, ...rest } = bySqlName(settings, row);
  return rest;
}

export async function readHeartbeats(db: Db | Tx): Promise<Row[]> {
  const rows = await db.select().from(masterHeartbeat).orderBy(masterHeartbeat.masterId);
  return rows.map((row) => bySqlName(masterHeartbeat, row));
}
