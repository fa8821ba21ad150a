import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { run } from '../schema';

/** Records when a running run's command was sent and which backend runs it. */
export async function markRunStarted(db: Db, runId: number, startedAt: Date, backendPid: number | null): Promise<void> {
  await db
    .update(run)
    .set({ startedAt, backendPid })
    .where(and(eq(run.id, runId), eq(run.status, 'running')));
}
