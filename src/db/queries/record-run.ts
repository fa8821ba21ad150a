import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { run, type RunError, type RunResult, type RunStatus } from '../schema';

/** Marks a claimed run as started; only a run still queued can start. */
export async function markRunStarted(
  db: Db,
  runId: number,
  startedAt: Date,
  backendPid: number | null,
): Promise<boolean> {
  const updated = await db
    .update(run)
    .set({ status: 'running', startedAt, backendPid })
    .where(and(eq(run.id, runId), eq(run.status, 'queued')))
    .returning({ id: run.id });
  return updated.length === 1;
}

export type RunOutcome =
  | { status: Extract<RunStatus, 'succeeded'>; result: RunResult }
  | { status: Extract<RunStatus, 'failed' | 'timed_out' | 'lost' | 'canceled'>; error: RunError };

/** Records how a run ended. A run that already ended keeps its first outcome. */
export async function finishRun(db: Db, runId: number, finishedAt: Date, outcome: RunOutcome): Promise<void> {
  await db
    .update(run)
    .set({
      status: outcome.status,
      finishedAt,
      result: 'result' in outcome ? outcome.result : null,
      error: 'error' in outcome ? outcome.error : null,
    })
    .where(and(eq(run.id, runId), inArray(run.status, ['queued', 'running'])));
}
