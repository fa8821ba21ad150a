// The runs due when a master starts serving a database: `@reboot` (pgpro `onstart`) jobs, and
// cron rules with `onstart`, each inside its validity window.
import type { Db } from '../db/client';
import { endStartupJobs, loadStartupJobs, queueStartupRuns } from '../db/queries/maintenance';
import { toNullableDate, toNumber } from '../db/queries/rows';
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
    const parsed = scheduleOf(
      {
        schedule: (r.schedule as string | null) ?? null,
        rule: r.rule ?? null,
        dates: (r.dates as Array<Date | string> | null) ?? null,
        timezone: (r.timezone as string | null) ?? null,
        dayMatch: (r.day_match as 'any' | 'all' | null) ?? null,
        startAt: toNullableDate(r.start_at),
        endAt: toNullableDate(r.end_at),
      },
      defaultZone,
    );
    if (parsed?.ok !== true) continue;
    const firing = startupFiring(parsed.value, now);
    if (firing === 'run') due.push(toNumber(r.id));
    // A cron rule past its end is ended by its schedule, like any cron job.
    if (firing === 'ended' && parsed.value.kind === 'on_start') ended.push(toNumber(r.id));
  }
  await queueStartupRuns(db, due);
  await endStartupJobs(db, ended);
}
