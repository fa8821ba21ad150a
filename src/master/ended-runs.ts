// Runs whose end no executor of this master reports: lost (their master stopped renewing the
// lease), expired (past their deadline while queued) or canceled by a user while queued. Each
// end is handed to `end`, which records it through the same finishing step as any other.
import type { Db } from '../db/client';
import { findLostRuns, findOverdueRuns, findRunsToFinish, signalBackend } from '../db/queries/maintenance';
import type { ExecutionReport } from '../executor/run-command';
import type { EndStatus } from './finish-plan';

type RecordEnd = (runId: number, report: ExecutionReport) => Promise<void>;

const END_STATUSES: ReadonlySet<string> = new Set<EndStatus>(['succeeded', 'failed', 'timed_out', 'lost', 'canceled', 'expired']);

/** The end of a run that did not run here. */
export function endedWithout(status: EndStatus, reason: string | null): ExecutionReport {
  return { status, startedAt: null, finishedAt: null, backendPid: null, result: null, error: null, fallback: null, reason, nextTime: {}, unrunnable: null };
}

/** Queued runs past their deadline end `expired`, whether or not a slot is free. */
export async function expireOverdueRuns(db: Db, end: RecordEnd, limit: number): Promise<void> {
  const overdue = await findOverdueRuns(db, limit);
  await Promise.all(
    overdue.map(({ runId, notAfter }) =>
      end(runId, endedWithout('expired', `could not start before its deadline (max_wait): ${notAfter.toISOString()}`)),
    ),
  );
}

/** Runs a user canceled while they waited: what follows their end is applied now. */
export async function finishEndedRuns(db: Db, end: RecordEnd, limit: number, log: (message: string) => void): Promise<void> {
  const ended = await findRunsToFinish(db, limit);
  await Promise.all(
    ended.map(async ({ runId, status }) => {
      if (END_STATUSES.has(status)) await end(runId, endedWithout(status as EndStatus, null));
      else log(`run ${runId} is marked to finish but its status is ${status}; left as it is`);
    }),
  );
}

/**
 * Runs whose lease expired end `lost`, their backend terminated first if it is still there
 * (which fences off a master that is alive but lost its lease). `ours` are skipped: this
 * master still executes them and renews their lease.
 */
export async function reclaimLostRuns(db: Db, end: RecordEnd, ours: (runId: number) => boolean): Promise<void> {
  for (const { runId, backendPid } of await findLostRuns(db)) {
    if (ours(runId)) continue;
    if (backendPid !== null) await signalBackend(db, backendPid, 'terminate');
    await end(
      runId,
      endedWithout(
        'lost',
        backendPid === null
          ? 'its master stopped renewing its lease and its connection is gone'
          : 'its master stopped renewing its lease; its backend was terminated',
      ),
    );
  }
}
