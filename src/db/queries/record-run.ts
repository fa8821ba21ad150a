import { sql } from 'drizzle-orm';
import type { Db } from '../client';

/**
 * Records when running runs' commands were sent and which backends run them. A run whose row
 * a user holds locked is skipped: its end records the same facts.
 */
export async function markRunsStarted(
  db: Db,
  starts: Array<{ runId: number; startedAt: Date; backendPid: number | null }>,
): Promise<void> {
  if (starts.length === 0) return;
  const rows = starts.map((s) => ({ id: s.runId, started_at: s.startedAt.toISOString(), backend_pid: s.backendPid }));
  await db.execute(sql`
    WITH s AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS s(id bigint, started_at timestamptz, backend_pid int)
    ), free AS (
      SELECT r.id FROM edgecron.run AS r WHERE r.id IN (SELECT id FROM s) AND r.status = 'running' FOR UPDATE OF r SKIP LOCKED
    )
    UPDATE edgecron.run AS r SET started_at = s.started_at, backend_pid = s.backend_pid
      FROM s WHERE r.id = s.id AND r.id IN (SELECT id FROM free)`);
}
