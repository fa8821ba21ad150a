// Pure choice of which waiting runs start now, within every limit.

export interface DispatchCandidate {
  runId: number;
  jobId: number;
  queue: string | null;
  notAfter: Date | null;
  maxInstances: number;
  /** Runs of this job running before this dispatch. */
  jobRunning: number;
  /** Runs of this queue running before this dispatch, and the queue's limit. */
  queueRunning: number;
  queueLimit: number;
}

export interface DispatchChoice {
  start: number[];
  /** Waited past their deadline (max_wait): recorded `expired`. */
  expire: number[];
}

/**
 * Takes candidates in dispatch order (priority, then start time) and starts each one whose
 * job has fewer than `max_instances` running and whose queue has fewer than its limit
 * running, up to `free` runs. A candidate past its deadline expires instead.
 */
export function chooseRuns(candidates: DispatchCandidate[], free: number, now: Date): DispatchChoice {
  const jobRunning = new Map<number, number>();
  const queueRunning = new Map<string, number>();
  const start: number[] = [];
  const expire: number[] = [];
  for (const c of candidates) {
    if (c.notAfter !== null && c.notAfter < now) {
      expire.push(c.runId);
      continue;
    }
    if (start.length >= free) continue;
    const byJob = jobRunning.get(c.jobId) ?? c.jobRunning;
    if (byJob >= c.maxInstances) continue;
    if (c.queue !== null) {
      const byQueue = queueRunning.get(c.queue) ?? c.queueRunning;
      if (byQueue >= c.queueLimit) continue;
      queueRunning.set(c.queue, byQueue + 1);
    }
    jobRunning.set(c.jobId, byJob + 1);
    start.push(c.runId);
  }
  return { start, expire };
}
