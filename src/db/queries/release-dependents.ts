import { sql } from 'drizzle-orm';
import type { Db } from '../client';

type Executor = Pick<Db, 'execute'>;

/**
 * A one-time job that waits for its dependencies: not released yet (no next_run_at) and not
 * claimed since it was last (re-)activated (no last_scheduled_for). A released dependent whose
 * run is queued or running has a last_scheduled_for, so it is never released twice.
 */
export const WAITING_DEPENDENT = sql.raw(
  `depends_on IS NOT NULL AND state = 'active' AND next_run_at IS NULL AND last_scheduled_for IS NULL`,
);

/**
 * Starts the one-time jobs whose dependencies have all succeeded, and ends with a
 * `dependency_failed` run those with a dependency that failed, was canceled, is broken or no
 * longer exists. A dependency is settled when its job is done (or broken); until then its
 * dependents wait. Repeats while it changes something, so a failure travels down a chain.
 */
export async function releaseDependents(db: Executor): Promise<void> {
  for (let pass = 0; pass < 20; pass++) {
    const result = await db.execute<{ changed: string | number }>(sql`
      WITH waiting AS (
        SELECT id, owner, depends_on FROM edgecron.job
         WHERE ${WAITING_DEPENDENT} AND kind = 'one_time'
         FOR UPDATE SKIP LOCKED
      ), verdict AS (
        SELECT w.id, w.owner,
               bool_and(d.state = 'done' AND last.status = 'succeeded') AS satisfied,
               string_agg(CASE
                 WHEN d.id IS NULL THEN format('job %s no longer exists', dep.id)
                 WHEN d.state = 'broken' THEN format('job %s is broken', dep.id)
                 WHEN d.state = 'done' AND last.status IS DISTINCT FROM 'succeeded'
                   THEN format('job %s ended %s', dep.id, coalesce(last.status, 'without running'))
               END, '; ') AS failure
          FROM waiting AS w
         CROSS JOIN LATERAL unnest(w.depends_on) AS dep(id)
          LEFT JOIN edgecron.job AS d ON d.id = dep.id
          LEFT JOIN LATERAL (SELECT r.status FROM edgecron.run AS r
                              WHERE r.job_id = d.id AND r.status NOT IN ('queued', 'running')
                              ORDER BY r.id DESC LIMIT 1) AS last ON true
         GROUP BY w.id, w.owner
      ), released AS (
        UPDATE edgecron.job AS j SET next_run_at = now()
          FROM verdict AS v WHERE j.id = v.id AND v.failure IS NULL AND v.satisfied
        RETURNING j.id
      ), failed AS (
        UPDATE edgecron.job AS j SET state = 'done', last_finished_at = now()
          FROM verdict AS v WHERE j.id = v.id AND v.failure IS NOT NULL
        RETURNING j.id, v.owner, v.failure
      ), recorded AS (
        INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, reason, finished_at)
        SELECT id, owner, now(), 'dependency_failed', 'a dependency did not succeed: ' || failure, now() FROM failed
        ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING
      )
      SELECT (SELECT count(*) FROM released) + (SELECT count(*) FROM failed) AS changed`);
    if (Number(result.rows[0]?.changed ?? 0) === 0) return;
  }
}
