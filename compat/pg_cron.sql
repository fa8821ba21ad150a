-- edgecron compatibility pack for pg_cron (docs/compat/pg_cron.md). Installed with
-- `npm run compat -- pg_cron`, after edgecron's migrations; re-running it is harmless.
--
-- Schema `cron` with pg_cron's functions and its two relations, as a thin layer over edgecron's
-- tables: `cron.job` is a view of edgecron.job, `cron.job_run_details` a view of edgecron.run,
-- and every function calls edgecron's own SQL interface. Nothing here schedules or runs
-- anything: the edgecron master does, as for any other job.
--
-- Security: every function is SECURITY INVOKER and every view security_invoker, so a caller
-- can do and see exactly what edgecron lets it (row security: its own jobs and runs; admins
-- all). Only members of edgecron_user reach the schema, as with edgecron itself.

DO $$
BEGIN
  IF to_regclass('drizzle.__edgecron_migrations') IS NULL OR to_regprocedure('edgecron.create_job(jsonb)') IS NULL THEN
    RAISE EXCEPTION 'pg_cron pack: edgecron''s migrations are not applied to this database; run npm run migrate first';
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RAISE EXCEPTION 'pg_cron pack: the pg_cron extension is installed in this database and owns schema cron'
      USING HINT = 'Copy its jobs out (SELECT jobname, schedule, command, username, active FROM cron.job), DROP EXTENSION pg_cron, install the pack, and schedule them again: docs/compat/pg_cron.md.';
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS cron;
REVOKE ALL ON SCHEMA cron FROM PUBLIC;
GRANT USAGE ON SCHEMA cron TO edgecron_user;

-- pg_cron queues a run that comes due while the previous one still runs, and never runs two at
-- once; for an 'N seconds' schedule it keeps at most one waiting (issue #296). edgecron's
-- overlap 'queue' does the same, with its queue_limit (100) where pg_cron's queue is unbounded.
CREATE OR REPLACE FUNCTION cron._policy(schedule text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN schedule ~* '^\s*\d+\s*(s|secs?|seconds?)\s*$'
              THEN '{"overlap": "queue", "queue_limit": 1}'::jsonb
              ELSE '{"overlap": "queue"}'::jsonb END
$$;

-- What pg_cron writes in return_message: the command tag, "N rows" for a query (libpq mode),
-- "ERROR:  <message>" for an error; for runs that never ran, edgecron's reason.
CREATE OR REPLACE FUNCTION cron._return_message(status text, result jsonb, error jsonb, reason text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN status = 'succeeded' THEN
      CASE WHEN result ->> 'command' = 'SELECT' OR (result ->> 'command' IS NULL AND jsonb_array_length(result -> 'rows') > 0)
             THEN (result ->> 'row_count') || CASE WHEN (result ->> 'row_count') = '1' THEN ' row' ELSE ' rows' END
           WHEN result ->> 'command' = 'INSERT' THEN 'INSERT 0 ' || coalesce(result ->> 'row_count', '0')
           WHEN result ->> 'command' IN ('UPDATE', 'DELETE', 'MERGE', 'COPY', 'FETCH', 'MOVE')
             THEN (result ->> 'command') || ' ' || coalesce(result ->> 'row_count', '0')
           ELSE result ->> 'command' END
    WHEN status = 'canceled' THEN 'job canceled'
    WHEN error IS NOT NULL THEN 'ERROR:  ' || (error ->> 'message')
    ELSE reason
  END
$$;

-- cron.job: pg_cron's columns over edgecron.job, for every job of yours that has a schedule
-- text (a pgpro rule, a date list or a one-time job is not something pg_cron could hold).
-- An automatically updatable view: UPDATE cron.job SET active = false, schedule = …, command =
-- … reach edgecron.job with its checks and row security; DELETE FROM cron.job unschedules (a
-- trigger below: schedulers have no DELETE on edgecron.job, which would let them lock it).
CREATE OR REPLACE VIEW cron.job WITH (security_invoker = true) AS
SELECT j.id AS jobid, j.schedule, j.command,
       'localhost'::text AS nodename, coalesce(pg_catalog.inet_server_port(), 5432) AS nodeport,
       pg_catalog.current_database()::text AS database, j.owner AS username, j.enabled AS active,
       j.name AS jobname
  FROM edgecron.job j
 WHERE j.schedule IS NOT NULL
  WITH CASCADED CHECK OPTION;

-- cron.job_run_details: pg_cron's columns over edgecron.run. status: queued → starting, running,
-- succeeded, and failed for every other end (failed, timed out, lost, expired, skipped, missed,
-- canceled: return_message says which). A role DELETEs its own finished rows, as pg_cron's README
-- suggests, through edgecron.delete_runs (a trigger below); rows of runs not finished stay.
CREATE OR REPLACE VIEW cron.job_run_details WITH (security_invoker = true) AS
SELECT r.job_id AS jobid, r.id AS runid, r.backend_pid AS job_pid,
       pg_catalog.current_database()::text AS database, coalesce(r.role, r.owner) AS username,
       (SELECT coalesce(j.command, array_to_string(j.commands, '; ')) FROM edgecron.job j WHERE j.id = r.job_id) AS command,
       CASE r.status WHEN 'queued' THEN 'starting' WHEN 'running' THEN 'running' WHEN 'succeeded' THEN 'succeeded'
                     ELSE 'failed' END AS status,
       cron._return_message(r.status, r.result, r.error, r.reason) AS return_message,
       coalesce(r.started_at, CASE WHEN r.finished_at IS NOT NULL THEN r.scheduled_for END) AS start_time,
       r.finished_at AS end_time
  FROM edgecron.run r
 WHERE EXISTS (SELECT FROM edgecron.job j WHERE j.id = r.job_id AND j.schedule IS NOT NULL);

-- DELETE through the two views: edgecron's functions delete what the caller may manage. A row
-- that was not deleted (a run still queued or running) is left out of the DELETE's count.
CREATE OR REPLACE FUNCTION cron._delete_job() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM edgecron.unschedule(OLD.jobid);
  RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION cron._delete_run() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF edgecron.delete_runs(run_ids => ARRAY[OLD.runid]) = 0 THEN
    RETURN NULL;
  END IF;
  RETURN OLD;
END
$$;

CREATE OR REPLACE TRIGGER job_delete INSTEAD OF DELETE ON cron.job
  FOR EACH ROW EXECUTE FUNCTION cron._delete_job();
CREATE OR REPLACE TRIGGER job_run_details_delete INSTEAD OF DELETE ON cron.job_run_details
  FOR EACH ROW EXECUTE FUNCTION cron._delete_run();

-- cron.schedule(schedule, command): a new unnamed job.
CREATE OR REPLACE FUNCTION cron.schedule(schedule text, command text) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron.create_job(jsonb_build_object('schedule', schedule, 'command', command) || cron._policy(schedule))
$$;

-- cron.schedule(job_name, schedule, command): your job of that name gets the new schedule and
-- command, or is created.
CREATE OR REPLACE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF job_name IS NULL THEN
    RETURN cron.schedule(schedule, command);
  END IF;
  IF NOT EXISTS (SELECT FROM edgecron.job j WHERE j.owner = current_user AND j.name = job_name) THEN
    BEGIN
      RETURN edgecron.create_job(
        jsonb_build_object('name', job_name, 'schedule', schedule, 'command', command) || cron._policy(schedule));
    EXCEPTION WHEN unique_violation THEN
      -- Another session created it meanwhile: replace its schedule and command below.
    END;
  END IF;
  RETURN edgecron.schedule(job_name, schedule, command);
END
$$;

-- cron.schedule_in_database: a job runs in the database that holds it (each database has its
-- own edgecron schema and master), so `database` must be this one. `username` creates the job
-- for another role: only edgecron_admin may (pg_cron: superuser).
CREATE OR REPLACE FUNCTION cron.schedule_in_database(
  job_name text, schedule text, command text, database text, username text DEFAULT NULL, active boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job_owner text := coalesce(username, current_user);
  existing bigint;
BEGIN
  IF database IS DISTINCT FROM current_database() THEN
    RAISE EXCEPTION 'database: a job runs in the database that holds it ("%"), not "%"', current_database(), database
      USING ERRCODE = '22023',
            HINT = 'Apply edgecron''s migrations and this pack to that database and call cron.schedule there.';
  END IF;
  SELECT j.id INTO existing FROM edgecron.job j WHERE j.owner = job_owner AND j.name = job_name;
  IF FOUND THEN
    PERFORM edgecron.alter_job(existing, jsonb_build_object('schedule', schedule, 'command', command, 'enabled', coalesce(active, true)));
    RETURN existing;
  END IF;
  RETURN edgecron.create_job(
    jsonb_build_object('name', job_name, 'schedule', schedule, 'command', command, 'enabled', coalesce(active, true))
    || CASE WHEN job_owner <> current_user THEN jsonb_build_object('owner', job_owner) ELSE '{}'::jsonb END
    || cron._policy(schedule));
END
$$;

CREATE OR REPLACE FUNCTION cron.unschedule(job_id bigint) RETURNS boolean
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron.unschedule(job_id)
$$;

CREATE OR REPLACE FUNCTION cron.unschedule(job_name text) RETURNS boolean
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron.unschedule(job_name)
$$;

-- cron.alter_job: NULL leaves a value as it is; `username` moves the job to another role
-- (edgecron_admin only).
CREATE OR REPLACE FUNCTION cron.alter_job(
  job_id bigint, schedule text DEFAULT NULL, command text DEFAULT NULL, database text DEFAULT NULL,
  username text DEFAULT NULL, active boolean DEFAULT NULL) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron.alter_job(job_id, schedule, command, database, username, active)
$$;

-- Only scheduling roles reach these (pg_cron grants schedule and unschedule to PUBLIC and keeps
-- alter_job and schedule_in_database to superusers; edgecron's own checks guard all four).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA cron FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA cron TO edgecron_user;
REVOKE ALL ON cron.job, cron.job_run_details FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON cron.job TO edgecron_user;
GRANT SELECT, DELETE ON cron.job_run_details TO edgecron_user;
