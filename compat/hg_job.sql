-- edgecron compatibility pack for HighGo's hg_job (docs/compat/hg_job.md). Installed with
-- `npm run compat -- hg_job`, after edgecron's migrations; re-running it is harmless.
--
-- Schema `hgjob` with hg_job's functions and its two relations over edgecron's tables. An hg_job
-- job is DBMS_JOB's kind of job, which edgecron has natively: a one-time job whose next start
-- comes from its interval_expression, evaluated before each run; the expression 'NULL' (hg_job's
-- empty interval) runs it once. Nothing here schedules or runs anything.
--
-- The pack shows and manages only the jobs it made (edgecron_compat.job_pack, compat/base.sql):
-- a DBMS_JOB-style job made with edgecron's own interface is not in hgjob.job.
--
-- Security: every function is SECURITY INVOKER and every view security_invoker: a role sees and
-- changes its own jobs (edgecron_admin all), under edgecron's checks.

DO $$
BEGIN
  IF to_regclass('drizzle.__edgecron_migrations') IS NULL OR to_regprocedure('edgecron.create_job(jsonb)') IS NULL THEN
    RAISE EXCEPTION 'hg_job pack: edgecron''s migrations are not applied to this database; run npm run migrate first';
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'hg_job') THEN
    RAISE EXCEPTION 'hg_job pack: the hg_job extension is installed in this database and owns schema hgjob'
      USING HINT = 'Copy its jobs out of hgjob.job, DROP EXTENSION hg_job, install the pack and create them again: docs/compat/hg_job.md.';
  END IF;
END
$$;

-- Installed before edgecron_compat.job_pack existed, the pack listed (and had made) the one-time
-- jobs with an interval expression.
SELECT edgecron_compat.adopt('hg_job', to_regprocedure('hgjob.job_create(text, text, timestamptz)') IS NOT NULL,
  ARRAY(SELECT j.id FROM edgecron.job j
         WHERE j.kind = 'one_time' AND j.interval_expression IS NOT NULL
           AND NOT EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = j.id)));

CREATE SCHEMA IF NOT EXISTS hgjob;
REVOKE ALL ON SCHEMA hgjob FROM PUBLIC;
GRANT USAGE ON SCHEMA hgjob TO edgecron_user;

-- hg_job checks a job when it is created or changed: a statement that cannot run (a missing
-- table, a syntax error) or an interval that is not a time is refused. The statement is
-- analysed, not run: PREPARE (then DEALLOCATE) for the statements PREPARE takes (SELECT,
-- INSERT, UPDATE, DELETE, MERGE, VALUES, WITH); others, and several statements in one string,
-- are left to the run. The interval expression is evaluated once.
CREATE OR REPLACE FUNCTION hgjob._check(what text, interval_expression text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  body text := regexp_replace(what, '[\s;]+$', '');
  statement_name text := 'hgjob_check_' || pg_backend_pid() || '_' || floor(random() * 1e9)::bigint;
  next_time timestamptz;
BEGIN
  IF what IS NULL OR btrim(what, E' \t\r\n;') = '' THEN
    RAISE EXCEPTION 'what: a job needs a statement to run' USING ERRCODE = '22023';
  END IF;
  IF body ~* '^\s*(select|insert|update|delete|merge|values|with)\M' AND strpos(body, ';') = 0 THEN
    BEGIN
      EXECUTE format('PREPARE %I AS %s', statement_name, body);
      EXECUTE format('DEALLOCATE %I', statement_name);
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'what: %', SQLERRM USING ERRCODE = SQLSTATE, HINT = 'hg_job refuses a job whose statement cannot run.';
    END;
  END IF;
  IF interval_expression IS NOT NULL THEN
    BEGIN
      EXECUTE format('SELECT (%s)::timestamptz', interval_expression) INTO next_time;
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'interval: % in "%"', SQLERRM, interval_expression USING ERRCODE = '22023',
        HINT = 'An interval is an SQL expression giving the next start, such as now() + interval ''5 minutes'', or NULL to run once.';
    END;
  END IF;
END
$$;

-- hg_job's interval text → edgecron's interval_expression ('NULL' when empty: run once).
CREATE OR REPLACE FUNCTION hgjob._interval(interval_text text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(nullif(btrim(interval_text), ''), 'NULL')
$$;

-- A job of the caller's (or, for an admin, anyone's) created by this pack; P0002 otherwise.
CREATE OR REPLACE FUNCTION hgjob._job(job bigint) RETURNS edgecron.job
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job;
BEGIN
  SELECT * INTO j FROM edgecron.job x WHERE x.id = job AND edgecron_compat.made_by(x.id, 'hg_job');
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', job USING ERRCODE = 'P0002';
  END IF;
  RETURN j;
END
$$;

-- Submits a job (DBMS_JOB.SUBMIT): `what` runs at next_date (default now), then again at the
-- time `interval` gives, evaluated just before each run; an empty interval runs it once.
CREATE OR REPLACE FUNCTION hgjob.job_create(what text, "interval" text DEFAULT NULL, next_date timestamptz DEFAULT now())
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  expression text := hgjob._interval(job_create."interval");
  new_id bigint;
BEGIN
  PERFORM hgjob._check(what, expression);
  INSERT INTO edgecron.job (command, interval_expression, run_after)
  VALUES (what, expression, coalesce(next_date, now()))
  RETURNING id INTO new_id;
  PERFORM edgecron_compat.claim(new_id, 'hg_job');
  RAISE NOTICE 'hgjob: job % created', new_id;
  RETURN 'Job create success';
END
$$;

-- The next date a change must keep. edgecron re-reads a one-time job's start from run_after
-- when its timing changes (a new interval): run_after must then say the next time the job's
-- interval already gave, not the first date, which has run (docs/compat/hg_job.md).
-- A job in the middle of a run has no next start yet (edgecron records it when the run ends):
-- changing its interval then would send it back to a date it has run, so it is refused.
CREATE OR REPLACE FUNCTION hgjob._next_date(j edgecron.job) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF j.revision = j.synced_revision AND j.next_run_at IS NOT NULL THEN
    RETURN j.next_run_at;
  ELSIF EXISTS (SELECT FROM edgecron.run r WHERE r.job_id = j.id
                  -- the master keeps slots to the millisecond
                  AND r.scheduled_for BETWEEN j.run_after - interval '1 ms' AND j.run_after + interval '1 ms') THEN
    RAISE EXCEPTION 'job %: its next run time is not known while it runs, or after its last run', j.id
      USING ERRCODE = '55000', HINT = 'Change it between runs, or give next_date (job_change) or call job_nextrun.';
  END IF;
  RETURN j.run_after;
END
$$;

-- Changes a job (DBMS_JOB.CHANGE): a NULL argument leaves that part as it is.
CREATE OR REPLACE FUNCTION hgjob.job_change(job bigint, what text, "interval" text, next_date timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job := hgjob._job(job);
  expression text := CASE WHEN job_change."interval" IS NOT NULL THEN hgjob._interval(job_change."interval") END;
BEGIN
  PERFORM hgjob._check(coalesce(what, j.command), expression);
  UPDATE edgecron.job x
     SET command = coalesce(what, x.command),
         interval_expression = coalesce(expression, x.interval_expression),
         run_after = coalesce(next_date, hgjob._next_date(j)),
         state = CASE WHEN next_date IS NOT NULL THEN 'active' ELSE x.state END
   WHERE x.id = j.id;
END
$$;

CREATE OR REPLACE FUNCTION hgjob.job_delete(job bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM hgjob._job(job);
  PERFORM edgecron.unschedule(job);
END
$$;

CREATE OR REPLACE FUNCTION hgjob.job_interval(job bigint, "interval" text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job := hgjob._job(job);
  expression text := hgjob._interval(job_interval."interval");
BEGIN
  PERFORM hgjob._check(j.command, expression);
  UPDATE edgecron.job x SET interval_expression = expression, run_after = hgjob._next_date(j) WHERE x.id = j.id;
END
$$;

-- Sets the next run time (DBMS_JOB.NEXT_DATE); a job that had finished runs again then.
CREATE OR REPLACE FUNCTION hgjob.job_nextrun(job bigint, next_date timestamptz) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job := hgjob._job(job);
BEGIN
  IF next_date IS NULL THEN
    RAISE EXCEPTION 'next_date: must be a time' USING ERRCODE = '22023';
  END IF;
  UPDATE edgecron.job x SET run_after = next_date, state = 'active' WHERE x.id = j.id;
END
$$;

CREATE OR REPLACE FUNCTION hgjob.job_what(job bigint, what text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job := hgjob._job(job);
BEGIN
  PERFORM hgjob._check(what, NULL);
  UPDATE edgecron.job x SET command = what WHERE x.id = j.id;
END
$$;

-- Runs a job now (DBMS_JOB.RUN), whatever its next time or state. The run is queued for the
-- master rather than run in the caller's session; returns its run id.
CREATE OR REPLACE FUNCTION hgjob.job_run(job bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM hgjob._job(job);
  RETURN edgecron.run_job(job);
END
$$;

-- Stops a job: it runs no more until job_start.
CREATE OR REPLACE FUNCTION hgjob.job_stop(job bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM hgjob._job(job);
  PERFORM edgecron.disable_job(job);
END
$$;

-- Starts a stopped (or finished, or broken) job again, next at next_date (default now).
CREATE OR REPLACE FUNCTION hgjob.job_start(job bigint, next_date timestamptz DEFAULT now()) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job := hgjob._job(job);
BEGIN
  UPDATE edgecron.job x SET enabled = true, state = 'active', run_after = coalesce(next_date, now()) WHERE x.id = j.id;
END
$$;

-- Starts the scheduler of this database (hg_job's background worker): edgecron.resume(),
-- for edgecron_admin. True if it was paused.
CREATE OR REPLACE FUNCTION hgjob.job_launch() RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  was_paused boolean := (SELECT paused FROM edgecron.settings);
BEGIN
  PERFORM edgecron.resume();
  RETURN was_paused;
END
$$;

-- hgjob.job: one row per job. jobinterval is NULL for a job that runs once; jobnextrun is the
-- next start (NULL once it will not run again, or while stopped); jobstartrun the start of its
-- latest run; jobcount how many runs have started; jobfailures the current streak of failed runs.
CREATE OR REPLACE VIEW hgjob.job WITH (security_invoker = true) AS
SELECT j.id AS jobid, j.owner AS jobuser, j.command AS jobwhat,
       CASE WHEN upper(btrim(j.interval_expression)) <> 'NULL' THEN j.interval_expression END AS jobinterval,
       j.enabled AND j.state <> 'broken' AS jobenabled,
       CASE WHEN j.enabled AND j.state = 'active'
            THEN coalesce(j.next_run_at, CASE WHEN j.revision <> j.synced_revision THEN j.run_after END) END AS jobnextrun,
       last.started_at AS jobstartrun, last.finished_at AS joblastrun, last.status AS joblaststatus,
       (SELECT count(*) FROM edgecron.run r WHERE r.job_id = j.id AND r.started_at IS NOT NULL) AS jobcount,
       j.consecutive_failures AS jobfailures, j.state AS jobstate, j.broken_reason AS jobbrokenreason
  FROM edgecron.job j
  LEFT JOIN LATERAL (SELECT r.started_at, r.finished_at, r.status FROM edgecron.run r
                      WHERE r.job_id = j.id AND r.started_at IS NOT NULL ORDER BY r.id DESC LIMIT 1) AS last ON true
 WHERE EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = j.id AND p.pack = 'hg_job');

-- hgjob.jobrunning: the jobs running now, one row per run, with its backend.
CREATE OR REPLACE VIEW hgjob.jobrunning WITH (security_invoker = true) AS
SELECT r.job_id AS jobid, r.id AS runid, r.backend_pid AS jobpid, coalesce(r.role, r.owner) AS jobuser,
       j.command AS jobwhat, r.started_at AS jobstartrun, now() - r.started_at AS jobelapsed
  FROM edgecron.run r
  JOIN edgecron.job j ON j.id = r.job_id
 WHERE r.status = 'running' AND EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = j.id AND p.pack = 'hg_job');

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hgjob FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA hgjob TO edgecron_user;
REVOKE ALL ON hgjob.job, hgjob.jobrunning FROM PUBLIC;
GRANT SELECT ON hgjob.job, hgjob.jobrunning TO edgecron_user;
