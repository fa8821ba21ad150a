// The runs due when a master starts serving a database: `@reboot` (pgpro `onstart`) jobs, and
// cron rules with `onstart`, each inside its validity window.
import type { Db } from '../db/client';
import { endStartupJobs, loadStartupJobs, queueStartupRuns } from '../db/queries/maintenance';
import { scheduleColumns, toNumber } from '../db/queries/rows';
import type { Schedule } from '../schedule';
import { scheduleOf } from './job-schedule';
import { startupFiring } from './timing';

/**
 * Queues one run of each job that fires at start and is inside its window at `now`; an
 * `@reboot` job past its end_at will never fire again and is done.
 */
export async function queueRunsAtStart(db: Db, now: Date, defaultZone: string): Promise<void> {
  const due: number[] = [];
  const ended: number[] = [];
  for (const r of await loadStartupJobs(db)) {
    const schedule = startupSchedule(r, defaultZone);
    if (schedule === null) continue;
    const firing = startupFiring(schedule, now);
    if (firing === 'run') due.push(toNumber(r.id));
    // A cron rule past its end is ended by its schedule, like any cron job.
    if (firing === 'ended' && schedule.kind === 'on_start') ended.push(toNumber(r.id));
  }
  await queueStartupRuns(db, due);
  await endStartupJobs(db, ended);
}

/** The job's parsed schedule, or null when it has none that parses (the sync breaks that job). */
function startupSchedule(r: Record<string, unknown>, defaultZone: string): Schedule | null {
  try {
    const parsed = scheduleOf(scheduleColumns(r), defaultZone);
    return parsed?.ok === true ? parsed.value : null;
  } catch {
    return null; // a row the scheduler cannot read: the sync breaks that job, with the reason
  }
}
