-- edgecron compatibility pack for pg_cron (docs/compat/pg_cron.md). Installed with
-- `npm run compat -- pg_cron`, after edgecron's migrations; re-running it is harmless.
--
-- Schema `cron` with pg_cron's functions and its two relations, as a thin layer over edgecron's
-- tables: `cron.job` is a view of edgecron.job, `cron.job_run_details` a view of edgecron.run,
-- and every function calls edgecron's own SQL interface. Nothing here schedules or runs
-- anything: the edgecron master does, as for any other job.
--
-- The pack shows and manages only the jobs it made (edgecron_compat.job_pack, compat/base.sql):
-- cron.job and cron.job_run_details list them, and cron.unschedule, cron.alter_job and a
-- cron.schedule that reuses a name reach no other job, so pg_cron's purge idiom
-- `DELETE FROM cron.job_run_details WHERE end_time < …` keeps every other pack's history.
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

-- Installed before edgecron_compat.job_pack existed, the pack listed every job with schedule
-- text; the jobs it made are those it gave overlap 'queue' (cron._policy), and they stay its.
SELECT edgecron_compat.adopt('pg_cron', to_regprocedure('cron.schedule(text, text)') IS NOT NULL,
  ARRAY(SELECT j.id FROM edgecron.job j WHERE j.schedule IS NOT NULL AND j.overlap = 'queue'
           AND NOT EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = j.id)));

CREATE SCHEMA IF NOT EXISTS cron;
REVOKE ALL ON SCHEMA cron FROM PUBLIC;
GRANT USAGE ON SCHEMA cron TO edgecron_user;

-- pg_cron queues a run that comes due while the previous one still runs, and never runs two at
-- once; for an 'N seconds' schedule it keeps at most one waiting (issue #296). edgecron's
-- overlap 'queue' does the same, with its queue_limit (100) where pg_cron's queue is unbounded.
-- Applied whenever a schedule is set, so a job moved to or from 'N seconds' follows it
-- (queue_limit null: back to the default).
CREATE OR REPLACE FUNCTION cron._policy(schedule text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN schedule ~* '^\s*\d+\s*(s|secs?|seconds?)\s*$'
              THEN '{"overlap": "queue", "queue_limit": 1}'::jsonb
              ELSE '{"overlap": "queue", "queue_limit": null}'::jsonb END
$$;

-- pg_cron refuses schedule text it cannot parse when it is given: so does the pack, with
-- pg_cron's message and hint, and what is wrong in the detail.
CREATE OR REPLACE FUNCTION cron._check_schedule(schedule text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  problem jsonb := edgecron_compat.schedule_problem(schedule);
BEGIN
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'schedule: must not be null' USING ERRCODE = '22004';
  ELSIF problem IS NOT NULL THEN
    RAISE EXCEPTION 'invalid schedule: %', schedule USING ERRCODE = '22023', DETAIL = problem ->> 'message',
      HINT = 'Use cron format (e.g. 5 4 * * *), or interval format ''[1-59] seconds''';
  END IF;
END
$$;

-- A job runs in the database that holds it (each database has its own edgecron schema and
-- master): `database`, when given, must be this one.
CREATE OR REPLACE FUNCTION cron._check_database(database text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF database IS NULL OR database = current_database() THEN
    RETURN;
  ELSIF NOT EXISTS (SELECT FROM pg_catalog.pg_database d WHERE d.datname = database) THEN
    RAISE EXCEPTION 'database "%" does not exist', database USING ERRCODE = '3D000';
  END IF;
  RAISE EXCEPTION 'cannot schedule a job in database "%": this cron schema schedules jobs in "%" only', database, current_database()
    USING ERRCODE = '0A000',
          DETAIL = 'edgecron runs each job in the database that holds it; it has no cross-database jobs.',
          HINT = format('Apply edgecron''s migrations and this pack to database %s and call cron.schedule there.', database);
END
$$;

-- The pack's job `job_id` (P0002, pg_cron's message, for any other).
CREATE OR REPLACE FUNCTION cron._job(job_id bigint) RETURNS edgecron.job
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job;
BEGIN
  SELECT x.* INTO j FROM edgecron.job x WHERE x.id = _job.job_id AND edgecron_compat.made_by(x.id, 'pg_cron');
  IF NOT FOUND THEN
    RAISE EXCEPTION 'could not find valid entry for job %', job_id USING ERRCODE = 'P0002';
  END IF;
  RETURN j;
END
$$;

-- The id of `job_owner`'s job named `job_name`, locked, or NULL; a job of that name that the
-- pack did not make is refused (names are unique per role across edgecron).
CREATE OR REPLACE FUNCTION cron._named(job_name text, job_owner text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  found_id bigint;
BEGIN
  SELECT x.id INTO found_id FROM edgecron.job x WHERE x.owner = job_owner AND x.name = job_name FOR UPDATE;
  IF found_id IS NOT NULL AND NOT edgecron_compat.made_by(found_id, 'pg_cron') THEN
    RAISE EXCEPTION 'job name "%" is taken: role "%" has job % of that name, not made with cron.schedule', job_name, job_owner, found_id
      USING ERRCODE = '23505', HINT = 'Choose another name; cron.schedule changes only the jobs it made.';
  END IF;
  RETURN found_id;
END
$$;

CREATE OR REPLACE FUNCTION cron._create(keys jsonb) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron_compat.claim(edgecron.create_job(keys || cron._policy(keys ->> 'schedule')), 'pg_cron')
$$;

-- cron.job's `schedule`, `command` and `active` (NULL: as it is) on the pack's job.
CREATE OR REPLACE FUNCTION cron._change(job_id bigint, keys jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  keys := jsonb_strip_nulls(keys);
  IF keys ? 'schedule' THEN
    PERFORM cron._check_schedule(keys ->> 'schedule');
    keys := keys || cron._policy(keys ->> 'schedule');
  END IF;
  IF keys <> '{}' THEN
    PERFORM edgecron.alter_job(job_id, keys);
  END IF;
  IF (keys ->> 'enabled')::boolean THEN
    PERFORM edgecron.enable_job(job_id); -- a broken job starts over, as pg_cron has no broken jobs
  END IF;
END
$$;

-- cron.schedule(job_name, …) and schedule_in_database: `job_owner`'s job of that name gets
-- the new schedule and command (and `active`, when given), or is created.
CREATE OR REPLACE FUNCTION cron._upsert(job_name text, schedule text, command text, job_owner text, active boolean)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  existing bigint;
BEGIN
  PERFORM cron._check_schedule(schedule);
  FOR attempt IN 1..3 LOOP
    existing := cron._named(job_name, job_owner);
    IF existing IS NOT NULL THEN
      PERFORM cron._change(existing, jsonb_build_object('schedule', schedule, 'command', command, 'enabled', active));
      RETURN existing;
    END IF;
    BEGIN
      RETURN cron._create(jsonb_strip_nulls(jsonb_build_object(
        'name', job_name, 'schedule', schedule, 'command', command, 'enabled', active,
        'owner', CASE WHEN job_owner <> current_user THEN job_owner END)));
    EXCEPTION WHEN unique_violation THEN
      -- Another session created it meanwhile: change that one.
    END;
  END LOOP;
  RAISE EXCEPTION 'job_name: could not create or update "%"', job_name USING ERRCODE = '40001';
END
$$;

-- cron.job: pg_cron's columns over the jobs the pack made. INSERT and UPDATE go through the
-- triggers below (pg_cron's checks and policy); DELETE FROM cron.job unschedules (a trigger
-- below: schedulers have no DELETE on edgecron.job, which would let them lock it).
CREATE OR REPLACE VIEW cron.job WITH (security_invoker = true) AS
SELECT j.id AS jobid, j.schedule, j.command,
       'localhost'::text AS nodename, coalesce(pg_catalog.inet_server_port(), 5432) AS nodeport,
       pg_catalog.current_database()::text AS database, j.owner AS username, j.enabled AS active,
       j.name AS jobname
  FROM edgecron.job j
 WHERE EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = j.id AND p.pack = 'pg_cron');

-- INSERT INTO cron.job (schedule, command, …): a new job, as schedule_in_database makes it.
CREATE OR REPLACE FUNCTION cron._job_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.jobid IS NOT NULL THEN
    RAISE EXCEPTION 'jobid: is given by the scheduler; leave it out' USING ERRCODE = '428C9';
  END IF;
  PERFORM cron._check_database(NEW.database);
  PERFORM cron._check_schedule(NEW.schedule);
  NEW.jobid := cron._create(jsonb_strip_nulls(jsonb_build_object(
    'name', NEW.jobname, 'schedule', NEW.schedule, 'command', NEW.command, 'enabled', NEW.active,
    'owner', CASE WHEN NEW.username <> current_user THEN NEW.username END)));
  SELECT j.* INTO NEW FROM cron.job j WHERE j.jobid = NEW.jobid;
  RETURN NEW;
END
$$;

-- UPDATE cron.job: schedule (checked, with its policy), command, active, jobname and username
-- (another owner: edgecron_admin) reach the job. nodename and nodeport have no meaning here
-- (edgecron connects as a client, wherever it runs): a change is accepted and ignored with a
-- NOTICE, so pg_cron's `UPDATE cron.job SET nodename = ''` works.
CREATE OR REPLACE FUNCTION cron._job_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.jobid IS DISTINCT FROM OLD.jobid THEN
    RAISE EXCEPTION 'jobid: cannot be changed' USING ERRCODE = '428C9';
  END IF;
  IF (NEW.nodename, NEW.nodeport) IS DISTINCT FROM (OLD.nodename, OLD.nodeport) THEN
    RAISE NOTICE 'nodename, nodeport: ignored; edgecron runs job % in database "%" over its own connection', OLD.jobid, current_database();
  END IF;
  IF NEW.database IS DISTINCT FROM OLD.database THEN
    PERFORM cron._check_database(NEW.database);
  END IF;
  PERFORM cron._change(OLD.jobid, jsonb_build_object(
    'schedule', CASE WHEN NEW.schedule IS DISTINCT FROM OLD.schedule THEN coalesce(NEW.schedule, '') END,
    'command', CASE WHEN NEW.command IS DISTINCT FROM OLD.command THEN coalesce(NEW.command, '') END,
    'enabled', CASE WHEN NEW.active IS DISTINCT FROM OLD.active THEN coalesce(NEW.active, true) END,
    'owner', CASE WHEN NEW.username IS DISTINCT FROM OLD.username THEN NEW.username END));
  IF NEW.jobname IS DISTINCT FROM OLD.jobname THEN
    PERFORM edgecron.alter_job(OLD.jobid, jsonb_build_object('name', NEW.jobname));
  END IF;
  SELECT j.* INTO NEW FROM cron.job j WHERE j.jobid = OLD.jobid;
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER job_insert INSTEAD OF INSERT ON cron.job FOR EACH ROW EXECUTE FUNCTION cron._job_insert();
CREATE OR REPLACE TRIGGER job_update INSTEAD OF UPDATE ON cron.job FOR EACH ROW EXECUTE FUNCTION cron._job_update();

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

-- cron.job_run_details: pg_cron's columns over the runs of the jobs the pack made. status:
-- queued → starting, running, succeeded, and failed for every other end (failed, timed out,
-- lost, expired, skipped, missed, canceled: return_message says which). A role DELETEs its own
-- finished rows, as pg_cron's README suggests, through edgecron.delete_runs (a trigger below);
-- rows of runs not finished stay. Another pack's runs are not rows of it, so that purge never
-- reaches them.
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
 WHERE EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = r.job_id AND p.pack = 'pg_cron');

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
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cron._check_schedule(schedule);
  RETURN cron._create(jsonb_build_object('schedule', schedule, 'command', command));
END
$$;

-- cron.schedule(job_name, schedule, command): your job of that name gets the new schedule and
-- command, or is created.
CREATE OR REPLACE FUNCTION cron.schedule(job_name text, schedule text, command text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF job_name IS NULL THEN
    RETURN cron.schedule(schedule, command);
  END IF;
  RETURN cron._upsert(job_name, schedule, command, current_user, NULL);
END
$$;

-- cron.schedule_in_database: `database` must be this one (see cron._check_database).
-- `username` creates the job for another role: only edgecron_admin may (pg_cron: superuser).
CREATE OR REPLACE FUNCTION cron.schedule_in_database(
  job_name text, schedule text, command text, database text, username text DEFAULT NULL, active boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cron._check_database(coalesce(database, ''));
  RETURN cron._upsert(job_name, schedule, command, coalesce(username, current_user), coalesce(active, true));
END
$$;

CREATE OR REPLACE FUNCTION cron.unschedule(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cron._job(job_id);
  RETURN edgecron.unschedule(job_id);
END
$$;

CREATE OR REPLACE FUNCTION cron.unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  found_id bigint;
BEGIN
  SELECT x.id INTO found_id FROM edgecron.job x
   WHERE x.owner = current_user AND x.name = job_name AND edgecron_compat.made_by(x.id, 'pg_cron');
  IF NOT FOUND THEN
    RAISE EXCEPTION 'could not find valid entry for job ''%''', job_name USING ERRCODE = 'P0002';
  END IF;
  RETURN edgecron.unschedule(found_id);
END
$$;

-- cron.alter_job: NULL leaves a value as it is; `database` must be this one; `username` moves
-- the job to another role (edgecron_admin only).
CREATE OR REPLACE FUNCTION cron.alter_job(
  job_id bigint, schedule text DEFAULT NULL, command text DEFAULT NULL, database text DEFAULT NULL,
  username text DEFAULT NULL, active boolean DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cron._job(job_id);
  PERFORM cron._check_database(database);
  PERFORM cron._change(job_id, jsonb_build_object('schedule', schedule, 'command', command, 'owner', username, 'enabled', active));
END
$$;

-- Only scheduling roles reach these (pg_cron grants schedule and unschedule to PUBLIC and keeps
-- alter_job and schedule_in_database to superusers; edgecron's own checks guard all four).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA cron FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA cron TO edgecron_user;
REVOKE ALL ON cron.job, cron.job_run_details FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON cron.job TO edgecron_user;
GRANT SELECT, DELETE ON cron.job_run_details TO edgecron_user;
