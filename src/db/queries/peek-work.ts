import { sql } from 'drizzle-orm';
import type { Db } from '../client';

export interface PendingWork {
  /** Earliest `next_run_at` of any active job, or null when nothing is scheduled. */
  nextDue: Date | null;
  /** Whether some job was inserted or changed by SQL and needs its timing recomputed. */
  unsynced: boolean;
}

/**
 * One round trip that tells the master whether a tick has anything to do. Both parts are
 * answered from partial indexes (job_due_idx, job_unsynced_idx), so an idle tick costs the
 * same with ten jobs or a million.
 */
export async function peekPendingWork(db: Db): Promise<PendingWork> {
  const result = await db.execute<{ next_due: string | Date | null; unsynced: boolean }>(sql`
    SELECT (SELECT next_run_at FROM edgecron.job
             WHERE next_run_at IS NOT NULL ORDER BY next_run_at LIMIT 1) AS next_due,
           EXISTS (SELECT 1 FROM edgecron.job WHERE revision <> synced_revision) AS unsynced`);
  const row = result.rows[0];
  return {
    nextDue: row?.next_due == null ? null : new Date(row.next_due),
    unsynced: row?.unsynced === true,
  };
}
