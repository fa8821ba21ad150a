-- The SQL interface of edgecron (issue 6): roles, privileges, row security, the triggers that
-- check what SQL can check, the functions DBAs call (pg_cron and pgpro_scheduler style) and the
-- views they read. docs/sql.md is the user's reference; docs/job-keys.md the key contract.
--
-- How it is protected, in one paragraph: every function a user calls is SECURITY INVOKER, so it
-- can do exactly what its caller could do with plain DML, no more. The guarantees live in three
-- places that apply to functions and DML alike: grants (which tables and which columns), row
-- security (which rows: your own, or all for edgecron_admin) and triggers (which values and which
-- state transitions). The login role that ran the migrations owns the tables: it is the master
-- and the executor, bypasses row security, and the triggers let it write state
-- (edgecron._is_engine()). SECURITY DEFINER appears twice, where no caller privilege can do the
-- work and the proof of right is not the caller's role: resubmit() (the proof is being the
-- session of the running job) and the trigger that records a canceled run (it fires only for
-- rows the caller was allowed to update). Every function sets search_path = pg_catalog,
-- edgecron, pg_temp: a temporary table never stands in for a catalog or edgecron table.
--
-- Sections: 1 roles · 2 predicates · 3 privileges · 4 row security · 5 triggers on job ·
-- 6 triggers on run · 7 job keys (JSON) · 8 functions · 9 views · 10 setup of roles.

-- 1. Roles ----------------------------------------------------------------------------------
-- Roles are cluster-wide: a second database of the same cluster finds them already there.
-- edgecron_user may schedule (QSched's GRANT SCHED); edgecron_admin sees and manages every job.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'edgecron_user') THEN
    CREATE ROLE edgecron_user NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'edgecron_admin') THEN
    CREATE ROLE edgecron_admin NOLOGIN;
  END IF;
  IF NOT pg_catalog.pg_has_role('edgecron_admin', 'edgecron_user', 'MEMBER') THEN
    GRANT edgecron_user TO edgecron_admin;
  END IF;
END
$$;
--> statement-breakpoint

-- 2. Predicates -----------------------------------------------------------------------------
-- True for the scheduler itself: the owner of the edgecron tables (the login role that ran the
-- migrations, which the master and executor connect as), its members, and superusers. Row
-- security does not apply to them, and the triggers let them write what users may not.
CREATE FUNCTION edgecron._is_engine() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass
$$;
--> statement-breakpoint
CREATE FUNCTION edgecron._is_admin() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_has_role('edgecron_admin', 'MEMBER')
$$;
--> statement-breakpoint
CREATE FUNCTION edgecron._is_superuser(role_name text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = role_name), false)
$$;
--> statement-breakpoint
-- The role the executor connects as: the owner of the edgecron tables.
CREATE FUNCTION edgecron._executor_role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.relowner::regrole::text FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass
$$;
--> statement-breakpoint
-- Whether the executor may SET ROLE to `role_name` (PostgreSQL 16 separates SET from membership).
CREATE FUNCTION edgecron._executor_can_become(role_name text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_has_role(c.relowner, role_name,
                     CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END)
    FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass
$$;
--> statement-breakpoint

-- 3. Privileges -----------------------------------------------------------------------------
-- A role outside edgecron_user cannot even reach the schema. Users write the definition
-- columns of their jobs; the state columns below `enabled` in src/db/schema.ts are the
-- master's, except `state`, which a trigger lets a user move only back to 'active' (re-enable a
-- broken or finished job) or, for a one-time job, to 'done' (cancel it). A column added to a
-- table later is not writable by users until it is granted here or in a later migration.
REVOKE ALL ON SCHEMA edgecron FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA edgecron TO edgecron_user;
--> statement-breakpoint
REVOKE ALL ON ALL TABLES IN SCHEMA edgecron FROM PUBLIC;
--> statement-breakpoint
GRANT SELECT, DELETE ON edgecron.job TO edgecron_user;
--> statement-breakpoint
GRANT INSERT (name, owner, run_as, comments, command, commands, params, use_same_transaction,
              schedule, rule, dates, run_after, timezone, day_match, start_at, end_at, depends_on,
              next_time_statement, interval_expression, overlap, max_instances, queue_limit,
              misfire, misfire_cap, max_attempts, retry_backoff, retry_backoff_max, broken_after,
              max_run_time, max_wait, fallback, queue, priority, resubmit_limit,
              delete_after_success, enabled)
   ON edgecron.job TO edgecron_user;
--> statement-breakpoint
GRANT UPDATE (name, owner, run_as, comments, command, commands, params, use_same_transaction,
              schedule, rule, dates, run_after, timezone, day_match, start_at, end_at, depends_on,
              next_time_statement, interval_expression, overlap, max_instances, queue_limit,
              misfire, misfire_cap, max_attempts, retry_backoff, retry_backoff_max, broken_after,
              max_run_time, max_wait, fallback, queue, priority, resubmit_limit,
              delete_after_success, enabled, state)
   ON edgecron.job TO edgecron_user;
--> statement-breakpoint
-- Runs: read and delete your own finished runs (as pg_cron's job_run_details); INSERT names only
-- the job (a run-now request, completed by a trigger); UPDATE only `status`, to cancel.
GRANT SELECT, DELETE ON edgecron.run TO edgecron_user;
--> statement-breakpoint
GRANT INSERT (job_id) ON edgecron.run TO edgecron_user;
--> statement-breakpoint
GRANT UPDATE (status) ON edgecron.run TO edgecron_user;
--> statement-breakpoint
GRANT SELECT ON edgecron.settings, edgecron.queue, edgecron.master_heartbeat TO edgecron_user;
--> statement-breakpoint
-- Admins tune the scheduler; whether superuser jobs are allowed stays with the table owner.
GRANT UPDATE (poll_interval, parallelism, timezone, paused, scale_to_zero, sync_interval,
              result_limit, retention_age, retention_max_runs, lease, claim_batch)
   ON edgecron.settings TO edgecron_admin;
--> statement-breakpoint
GRANT INSERT, UPDATE ON edgecron.queue TO edgecron_admin;
--> statement-breakpoint

-- 4. Row security ---------------------------------------------------------------------------
-- A role sees and changes its own jobs and runs (owner = current_user); members of
-- edgecron_admin see and change all. The table owner and superusers bypass row security.
-- A run's `owner` is its job's owner when the run was made; it is what these policies read.
ALTER TABLE edgecron.job ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY job_owner_or_admin ON edgecron.job TO edgecron_user
  USING (owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER'))
  WITH CHECK (owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER'));
--> statement-breakpoint
ALTER TABLE edgecron.run ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY run_read ON edgecron.run FOR SELECT TO edgecron_user
  USING (owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER'));
--> statement-breakpoint
CREATE POLICY run_request ON edgecron.run FOR INSERT TO edgecron_user
  WITH CHECK (owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER'));
--> statement-breakpoint
CREATE POLICY run_cancel ON edgecron.run FOR UPDATE TO edgecron_user
  USING (owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER'))
  WITH CHECK (owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER'));
--> statement-breakpoint
-- Only finished runs: a queued or running run belongs to the master until it ends.
CREATE POLICY run_delete_finished ON edgecron.run FOR DELETE TO edgecron_user
  USING ((owner = current_user OR pg_has_role('edgecron_admin', 'MEMBER')) AND finished_at IS NOT NULL);
--> statement-breakpoint

-- 5. Triggers on job ------------------------------------------------------------------------
-- Who may own a job and whom it may run as. Raises 42704 for a role that does not exist and
-- 42501 for one the caller may not use; the message names the key.
CREATE FUNCTION edgecron._check_job_roles(job_owner text, job_run_as text, check_owner boolean, check_run_as boolean)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  me text := current_user;
  -- On PostgreSQL 16+ the right to SET ROLE is apart from membership.
  can_become text := CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END;
  executor oid;
  superuser_jobs boolean;
  engine boolean;
  admin boolean;
  superuser boolean;
  role_name text;
  key text;
BEGIN
  IF NOT check_owner AND NOT check_run_as THEN
    RETURN;
  END IF;
  -- This runs for every row written: each lookup below costs about 10 µs, so the role's
  -- superuser flag is read only when it matters (the switch is off, or an admin acts for a role).
  executor := (SELECT c.relowner FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass);
  superuser_jobs := coalesce((SELECT st.allow_superuser_jobs FROM edgecron.settings st), true);
  engine := pg_has_role(executor, 'USAGE');
  admin := pg_has_role('edgecron_admin', 'MEMBER');

  FOREACH key IN ARRAY ARRAY['owner', 'run_as'] LOOP
    role_name := CASE key WHEN 'owner' THEN job_owner ELSE job_run_as END;
    CONTINUE WHEN role_name IS NULL
               OR (key = 'owner' AND NOT check_owner)
               OR (key = 'run_as' AND NOT check_run_as);
    IF to_regrole(quote_ident(role_name)) IS NULL THEN
      RAISE EXCEPTION '%: role "%" does not exist', key, role_name USING ERRCODE = '42704';
    END IF;
    superuser := NULL;
    IF NOT superuser_jobs OR (key = 'owner' AND role_name <> me AND NOT engine) THEN
      superuser := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = role_name);
    END IF;
    IF superuser AND NOT superuser_jobs THEN
      RAISE EXCEPTION '%: role "%" is a superuser and edgecron.settings.allow_superuser_jobs is off', key, role_name
        USING ERRCODE = '42501';
    END IF;

    IF key = 'owner' AND role_name <> me AND NOT engine THEN
      -- Only an admin acts for another role, and only for a scheduling role that is no superuser
      -- (unless the admin is a member of it anyway): admin is not a way to become superuser.
      IF NOT admin THEN
        RAISE EXCEPTION 'owner: only members of edgecron_admin can create or move a job to another role ("%")', role_name
          USING ERRCODE = '42501';
      END IF;
      IF NOT pg_has_role(me, role_name, 'MEMBER') AND (superuser OR NOT pg_has_role(role_name, 'edgecron_user', 'MEMBER')) THEN
        RAISE EXCEPTION 'owner: role "%" is not a member of edgecron_user, or is a superuser you are not a member of', role_name
          USING ERRCODE = '42501';
      END IF;
    END IF;

    -- The owner must be allowed to act as run_as. The caller is the owner, or an admin acting
    -- for the owner (checked above), or the scheduler itself.
    IF key = 'run_as' AND NOT pg_has_role(job_owner, role_name, 'MEMBER') THEN
      RAISE EXCEPTION 'run_as: the owner "%" is not a member of role "%"', job_owner, role_name USING ERRCODE = '42501';
    END IF;

    -- The executor runs the job with SET ROLE: better to say now than to break the job later.
    IF NOT pg_has_role(executor, role_name, can_become) THEN
      RAISE EXCEPTION '%: the executor role "%" cannot SET ROLE to "%"', key, executor::regrole, role_name
        USING ERRCODE = '42501', HINT = format('The table owner runs: SELECT edgecron.grant_executor(%L);', role_name);
    END IF;
  END LOOP;
END
$$;
--> statement-breakpoint
-- What SQL can judge of a schedule's text: not empty, not JSON passed as text, and the interval
-- of `@every`/`@after` (a positive PostgreSQL interval without months or years). Everything else
-- is the schedule parser's to judge when the master syncs the job (state 'broken' + reason).
CREATE FUNCTION edgecron._check_schedule_text(schedule text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  every text[] := regexp_match(btrim(schedule), '^@(every|after)\s+(.*)$', 'i');
  span interval;
BEGIN
  IF btrim(schedule, E' \t\r\n') = '' THEN
    RAISE EXCEPTION 'schedule: must not be empty' USING ERRCODE = '22023';
  END IF;
  IF btrim(schedule) LIKE '{%' THEN
    RAISE EXCEPTION 'schedule: "%" is JSON, not schedule text', schedule USING ERRCODE = '22023',
      HINT = 'Pass job keys as jsonb, e.g. edgecron.alter_job(42, ''{"cron": "0 3 * * *"}''::jsonb).';
  END IF;
  IF every IS NULL THEN
    RETURN;
  END IF;
  BEGIN
    span := every[2]::interval;
  EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
    RAISE EXCEPTION 'schedule: "%" is not an interval in "%"', every[2], schedule USING ERRCODE = '22023';
  END;
  IF extract(year FROM span) <> 0 OR extract(month FROM span) <> 0 THEN
    RAISE EXCEPTION 'schedule: months and years have no fixed length in "%"; use a cron expression', schedule
      USING ERRCODE = '22023';
  END IF;
  IF span < interval '1 second' THEN
    RAISE EXCEPTION 'schedule: the interval must be at least 1 second in "%"', schedule USING ERRCODE = '22023';
  END IF;
END
$$;
--> statement-breakpoint
-- A time zone PostgreSQL knows, named as IANA names are (no offsets such as '+05:30').
CREATE FUNCTION edgecron._check_timezone(zone text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF zone !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' THEN
    RAISE EXCEPTION 'timezone: "%" is not an IANA time zone name such as Europe/Berlin', zone USING ERRCODE = '22023';
  END IF;
  BEGIN
    PERFORM now() AT TIME ZONE zone;
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'timezone: "%" is not a known time zone', zone USING ERRCODE = '22023';
  END;
END
$$;
--> statement-breakpoint
-- Checks a job row before it is written, by INSERT or UPDATE, whether from a function or plain
-- DML, with a message that names the column. Runs as the caller, so the jobs it looks up for
-- depends_on and names are the ones the caller can see. Checks that need a lookup run only when
-- their columns change. Changing the definition of a broken job re-activates it: the master
-- judges it afresh (and breaks it again if it is still wrong). Cost, measured on the embedded
-- server: 10,000 jobs inserted in one statement take 0.9 s with this trigger, 0.2 s without.
CREATE FUNCTION edgecron.job_validate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  inserting boolean := TG_OP = 'INSERT';
  when_count int := (NEW.schedule IS NOT NULL)::int + (NEW.rule IS NOT NULL)::int + (NEW.dates IS NOT NULL)::int;
  unknown_ids text;
BEGIN
  -- What runs.
  IF NEW.command IS NOT NULL AND NEW.commands IS NOT NULL THEN
    RAISE EXCEPTION 'command, commands: give one, not both' USING ERRCODE = '22023';
  ELSIF NEW.command IS NULL AND NEW.commands IS NULL THEN
    RAISE EXCEPTION 'command: a job needs a command (or commands)' USING ERRCODE = '22023';
  ELSIF btrim(NEW.command, E' \t\r\n') = '' THEN
    RAISE EXCEPTION 'command: must not be empty' USING ERRCODE = '22023';
  ELSIF NEW.commands IS NOT NULL THEN
    IF cardinality(NEW.commands) = 0
       OR EXISTS (SELECT FROM unnest(NEW.commands) c WHERE c IS NULL OR btrim(c, E' \t\r\n') = '') THEN
      RAISE EXCEPTION 'commands: must be a non-empty list of non-empty SQL strings' USING ERRCODE = '22023';
    END IF;
  END IF;
  IF NEW.params IS NOT NULL THEN
    IF jsonb_typeof(NEW.params) <> 'array' THEN
      RAISE EXCEPTION 'params: must be a JSON array (bound as $1..$n), got %', NEW.params USING ERRCODE = '22023';
    ELSIF NEW.command IS NULL THEN
      RAISE EXCEPTION 'params: need a single command, not commands' USING ERRCODE = '22023';
    END IF;
  END IF;

  -- When it runs.
  IF when_count > 1 THEN
    RAISE EXCEPTION 'schedule, rule, dates: give only one' USING ERRCODE = '22023';
  END IF;
  IF NEW.schedule IS NOT NULL AND (inserting OR NEW.schedule IS DISTINCT FROM OLD.schedule) THEN
    PERFORM edgecron._check_schedule_text(NEW.schedule);
  END IF;
  IF jsonb_typeof(NEW.rule) <> 'object' THEN
    RAISE EXCEPTION 'rule: must be a JSON object such as {"minutes": [0], "hours": [9]}' USING ERRCODE = '22023';
  END IF;
  IF cardinality(NEW.dates) = 0 OR array_position(NEW.dates, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'dates: must be a non-empty list of timestamps' USING ERRCODE = '22023';
  END IF;
  IF NEW.timezone IS NOT NULL AND (inserting OR NEW.timezone IS DISTINCT FROM OLD.timezone) THEN
    PERFORM edgecron._check_timezone(NEW.timezone);
  END IF;
  IF NEW.depends_on IS NOT NULL THEN
    IF when_count > 0 THEN
      RAISE EXCEPTION 'depends_on: only one-time jobs can depend on other jobs' USING ERRCODE = '22023';
    ELSIF NEW.run_after IS NOT NULL THEN
      RAISE EXCEPTION 'run_after, depends_on: conflict in start time; give one' USING ERRCODE = '22023';
    ELSIF cardinality(NEW.depends_on) = 0 THEN
      RAISE EXCEPTION 'depends_on: must list at least one job id' USING ERRCODE = '22023';
    ELSIF NEW.id = ANY (NEW.depends_on) THEN
      RAISE EXCEPTION 'depends_on: job % cannot depend on itself', NEW.id USING ERRCODE = '22023';
    END IF;
    IF inserting OR NEW.depends_on IS DISTINCT FROM OLD.depends_on THEN
      SELECT string_agg(coalesce(d::text, 'null'), ', ' ORDER BY d) INTO unknown_ids
        FROM unnest(NEW.depends_on) AS d
       WHERE NOT EXISTS (SELECT FROM edgecron.job j WHERE j.id = d);
      IF unknown_ids IS NOT NULL THEN
        RAISE EXCEPTION 'depends_on: no job % visible to you', unknown_ids USING ERRCODE = '22023';
      END IF;
    END IF;
  END IF;

  -- Policies the table's checks do not cover, and clearer words for the ones they do.
  IF NEW.overlap NOT IN ('skip', 'queue') THEN
    RAISE EXCEPTION 'overlap: must be skip or queue, got "%"', NEW.overlap USING ERRCODE = '22023';
  ELSIF NEW.misfire NOT IN ('run_once', 'skip', 'run_all') THEN
    RAISE EXCEPTION 'misfire: must be run_once, skip or run_all, got "%"', NEW.misfire USING ERRCODE = '22023';
  ELSIF NEW.day_match NOT IN ('any', 'all') THEN
    RAISE EXCEPTION 'day_match: must be any or all, got "%"', NEW.day_match USING ERRCODE = '22023';
  ELSIF NEW.max_run_time <= interval '0' THEN
    RAISE EXCEPTION 'max_run_time: must be positive, got %', NEW.max_run_time USING ERRCODE = '22023';
  ELSIF NEW.max_wait < interval '0' THEN
    RAISE EXCEPTION 'max_wait: must not be negative, got %', NEW.max_wait USING ERRCODE = '22023';
  ELSIF NEW.retry_backoff < interval '0' THEN
    RAISE EXCEPTION 'retry_backoff: must not be negative, got %', NEW.retry_backoff USING ERRCODE = '22023';
  ELSIF NEW.retry_backoff_max < NEW.retry_backoff THEN
    RAISE EXCEPTION 'retry_backoff_max: must not be less than retry_backoff (%), got %', NEW.retry_backoff, NEW.retry_backoff_max
      USING ERRCODE = '22023';
  ELSIF btrim(NEW.name) = '' THEN
    RAISE EXCEPTION 'name: must not be empty (NULL for no name)' USING ERRCODE = '22023';
  END IF;

  -- Names are unique per owner (the unique index backs this; the message is for people).
  IF NEW.name IS NOT NULL AND (inserting OR NEW.name IS DISTINCT FROM OLD.name OR NEW.owner IS DISTINCT FROM OLD.owner) THEN
    IF EXISTS (SELECT FROM edgecron.job j WHERE j.owner = NEW.owner AND j.name = NEW.name AND j.id <> NEW.id) THEN
      RAISE EXCEPTION 'name: role "%" already has a job named "%"', NEW.owner, NEW.name USING ERRCODE = '23505';
    END IF;
  END IF;

  -- Who owns it and whom it runs as.
  PERFORM edgecron._check_job_roles(
    NEW.owner, NEW.run_as,
    inserting OR NEW.owner IS DISTINCT FROM OLD.owner,
    inserting OR NEW.run_as IS DISTINCT FROM OLD.run_as OR NEW.owner IS DISTINCT FROM OLD.owner);

  IF inserting THEN
    RETURN NEW;
  END IF;
  IF OLD.state = 'broken' AND NEW.state = 'broken' AND NOT edgecron._is_engine()
     AND ((NEW.schedule, NEW.rule, NEW.dates, NEW.timezone, NEW.day_match, NEW.start_at, NEW.end_at,
           NEW.command, NEW.commands, NEW.params, NEW.owner, NEW.run_as, NEW.interval_expression,
           NEW.next_time_statement)
          IS DISTINCT FROM
          (OLD.schedule, OLD.rule, OLD.dates, OLD.timezone, OLD.day_match, OLD.start_at, OLD.end_at,
           OLD.command, OLD.commands, OLD.params, OLD.owner, OLD.run_as, OLD.interval_expression,
           OLD.next_time_statement)
          OR (NEW.enabled AND NOT OLD.enabled)) THEN
    NEW.state := 'active';
    NEW.broken_reason := NULL;
    NEW.consecutive_failures := 0;
    -- The master resyncs rows whose revision moved (0001 bumps it for timing columns only).
    NEW.revision := greatest(NEW.revision, OLD.revision + 1);
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Fires for the columns users may write: the master's own updates (next_run_at, counters) skip it.
CREATE TRIGGER job_validate BEFORE INSERT OR UPDATE OF
  name, owner, run_as, command, commands, params, schedule, rule, dates, run_after, timezone,
  day_match, start_at, end_at, depends_on, next_time_statement, interval_expression, overlap,
  misfire, max_run_time, max_wait, retry_backoff, retry_backoff_max, enabled
  ON edgecron.job FOR EACH ROW EXECUTE FUNCTION edgecron.job_validate();
--> statement-breakpoint
-- Back to 'active', a broken or finished job starts over: no reason, no failures counted. The
-- other transitions a user may make: 'done' for a one-time job that is not running (cancel it).
-- 'broken' is the master's verdict alone.
CREATE FUNCTION edgecron.job_state_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  IF NEW.state = 'active' THEN
    NEW.broken_reason := NULL;
    NEW.consecutive_failures := 0;
  ELSIF edgecron._is_engine() THEN
    RETURN NEW;
  ELSIF NEW.state = 'done' THEN
    -- `kind` is generated after BEFORE triggers: read what decides it.
    IF NEW.schedule IS NOT NULL OR NEW.rule IS NOT NULL OR NEW.dates IS NOT NULL THEN
      RAISE EXCEPTION 'state: a recurring job is never done; set enabled = false to stop job %', NEW.id
        USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT FROM edgecron.run r WHERE r.job_id = NEW.id AND r.status = 'running') THEN
      RAISE EXCEPTION 'state: job % is running; cancel the run with edgecron.cancel_job(%)', NEW.id, NEW.id
        USING ERRCODE = '55000';
    END IF;
  ELSE
    RAISE EXCEPTION 'state: only the scheduler marks a job %; set enabled = false to stop job %', NEW.state, NEW.id
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_state_guard BEFORE UPDATE OF state ON edgecron.job FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION edgecron.job_state_guard();
--> statement-breakpoint
-- A one-time job was canceled: its queued runs are canceled, and if none was canceled in this
-- transaction (finished_at = now()) a canceled run records the cancellation. The slot is the
-- cancellation instant, never run_after, so that re-activating the job later does not collide
-- with this row on (job_id, scheduled_for, attempt). Writes run rows: executable only by the
-- table owner (no grant), through the trigger below or cancel_job's own path for the owner.
CREATE FUNCTION edgecron._record_cancel(job_id bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  UPDATE edgecron.run r SET status = 'canceled', finished_at = now(), reason = 'canceled'
   WHERE r.job_id = _record_cancel.job_id AND r.status = 'queued';
  IF NOT EXISTS (SELECT FROM edgecron.run r
                  WHERE r.job_id = _record_cancel.job_id AND r.status = 'canceled' AND r.finished_at = now()) THEN
    INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, reason, queue, priority, start_after, finished_at)
    SELECT j.id, j.owner, clock_timestamp(), 'canceled', 'canceled before it started', j.queue, j.priority, now(), now()
      FROM edgecron.job j WHERE j.id = _record_cancel.job_id;
  END IF;
END
$$;
--> statement-breakpoint
-- A user set a one-time job 'done' (edgecron.cancel_job, or UPDATE … SET state = 'done').
-- SECURITY DEFINER because users cannot write run rows; it fires only for rows the caller was
-- allowed to update (row security), and a trigger function cannot be called directly.
CREATE FUNCTION edgecron.job_record_cancel() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  PERFORM edgecron._record_cancel(NEW.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_record_cancel AFTER UPDATE OF state ON edgecron.job FOR EACH ROW
  WHEN (OLD.state <> 'done' AND NEW.state = 'done' AND NOT edgecron._is_engine())
  EXECUTE FUNCTION edgecron.job_record_cancel();
--> statement-breakpoint

-- 6. Triggers on run ------------------------------------------------------------------------
-- A run inserted by a user, or with no slot, is a run-now request: whatever was written, it
-- becomes a queued run of a job the caller can see, owned by the job's owner, due now. The
-- master's claims (slot given, as the table owner) pass untouched. The slot is clock_timestamp()
-- so that two requests in one transaction are two runs.
CREATE FUNCTION edgecron.run_request() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  j record;
BEGIN
  SELECT id, owner, queue, priority INTO j FROM edgecron.job WHERE id = NEW.job_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', NEW.job_id USING ERRCODE = 'P0002';
  END IF;
  NEW.owner := j.owner;
  NEW.scheduled_for := clock_timestamp();
  NEW.start_after := NEW.scheduled_for;
  NEW.claimed_at := now();
  NEW.attempt := 1;
  NEW.status := 'queued';
  NEW.reason := 'run now';
  NEW.queue := j.queue;
  NEW.priority := j.priority;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER run_request BEFORE INSERT ON edgecron.run FOR EACH ROW
  WHEN (NEW.scheduled_for IS NULL OR NOT edgecron._is_engine())
  EXECUTE FUNCTION edgecron.run_request();
--> statement-breakpoint
-- The one change a user may make to a run: cancel it (status = 'canceled'). A queued run is
-- canceled at once; a running run keeps running with cancel_requested, and the master cancels
-- its backend on its next tick.
CREATE FUNCTION edgecron.run_cancel() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NEW;
  ELSIF NEW.status <> 'canceled' THEN
    RAISE EXCEPTION 'status: you can only cancel a run (status = ''canceled''), not set it to "%"', NEW.status
      USING ERRCODE = '42501';
  ELSIF OLD.status = 'queued' THEN
    NEW.finished_at := now();
    NEW.reason := 'canceled by ' || current_user;
  ELSIF OLD.status = 'running' THEN
    NEW.status := 'running';
    NEW.cancel_requested := true;
  ELSE
    RAISE EXCEPTION 'status: run % has already ended (%)', OLD.id, OLD.status USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER run_cancel BEFORE UPDATE ON edgecron.run FOR EACH ROW
  WHEN (NOT edgecron._is_engine())
  EXECUTE FUNCTION edgecron.run_cancel();
--> statement-breakpoint

-- 7. Job keys (JSON) --------------------------------------------------------------------------
-- One key's value, checked against its type, as JSON ready for jsonb_populate_record. JSON null
-- passes (it means "the default" when creating and "reset" when altering).
CREATE FUNCTION edgecron._key_value(key text, val jsonb, kind text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t text := jsonb_typeof(val);
  item jsonb;
  items jsonb := '[]';
BEGIN
  IF val IS NULL OR t = 'null' THEN
    RETURN 'null';
  END IF;
  CASE kind
    WHEN 'text' THEN
      IF t = 'string' THEN RETURN val; END IF;
      RAISE EXCEPTION '%: must be a string, got %', key, val USING ERRCODE = '22023';
    WHEN 'boolean' THEN
      IF t = 'boolean' THEN RETURN val; END IF;
      RAISE EXCEPTION '%: must be true or false, got %', key, val USING ERRCODE = '22023';
    WHEN 'integer', 'positive', 'nonnegative' THEN
      IF t <> 'number' OR val::numeric <> trunc(val::numeric) OR val::numeric NOT BETWEEN -2147483648 AND 2147483647
         OR (kind = 'positive' AND val::numeric < 1) OR (kind = 'nonnegative' AND val::numeric < 0) THEN
        RAISE EXCEPTION '%: must be an integer%, got %', key,
          CASE kind WHEN 'positive' THEN ' ≥ 1' WHEN 'nonnegative' THEN ' ≥ 0' ELSE '' END, val
          USING ERRCODE = '22023';
      END IF;
      RETURN val;
    WHEN 'interval' THEN
      IF t = 'string' THEN
        BEGIN
          RETURN to_jsonb((val #>> '{}')::interval::text);
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
        END;
      END IF;
      RAISE EXCEPTION '%: must be an interval such as ''5 minutes'', got %', key, val USING ERRCODE = '22023';
    WHEN 'timestamptz' THEN
      IF t = 'string' THEN
        BEGIN
          RETURN to_jsonb((val #>> '{}')::timestamptz);
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        END;
      END IF;
      RAISE EXCEPTION '%: must be a timestamp such as ''2030-01-01 09:00+01'', got %', key, val USING ERRCODE = '22023';
    WHEN 'text[]', 'timestamptz[]', 'id[]' THEN
      IF t <> 'array' THEN
        RAISE EXCEPTION '%: must be a JSON array, got %', key, val USING ERRCODE = '22023';
      END IF;
      FOR item IN SELECT jsonb_array_elements(val) LOOP
        IF kind = 'id[]' AND (jsonb_typeof(item) <> 'number' OR item::numeric <> trunc(item::numeric) OR item::numeric < 1) THEN
          RAISE EXCEPTION '%: must be a list of job ids, got %', key, val USING ERRCODE = '22023';
        ELSIF item = 'null' THEN
          RAISE EXCEPTION '%: must not contain null', key USING ERRCODE = '22023';
        END IF;
        items := items || jsonb_build_array(CASE kind
          WHEN 'text[]' THEN edgecron._key_value(key, item, 'text')
          WHEN 'timestamptz[]' THEN edgecron._key_value(key, item, 'timestamptz')
          ELSE item END);
      END LOOP;
      RETURN items;
    WHEN 'array' THEN
      IF t = 'array' THEN RETURN val; END IF;
      RAISE EXCEPTION '%: must be a JSON array, got %', key, val USING ERRCODE = '22023';
    WHEN 'object' THEN
      IF t = 'object' THEN RETURN val; END IF;
      RAISE EXCEPTION '%: must be a JSON object, got %', key, val USING ERRCODE = '22023';
    ELSE
      -- 'enum:a,b,c'
      IF t = 'string' AND (val #>> '{}') = ANY (string_to_array(substr(kind, 6), ',')) THEN
        RETURN val;
      END IF;
      RAISE EXCEPTION '%: must be one of %, got %', key, replace(substr(kind, 6), ',', ', '), val USING ERRCODE = '22023';
  END CASE;
END
$$;
--> statement-breakpoint
-- Every job key: its column and type, and where it is accepted (c: create_job, s: submit_job;
-- alter_job takes both). docs/job-keys.md is the contract.
CREATE FUNCTION edgecron._job_keys() RETURNS TABLE (key text, col text, kind text, modes text)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  VALUES
    ('name', 'name', 'text', 'cs'),
    ('schedule', 'schedule', 'text', 'c'),
    ('cron', 'schedule', 'text', 'c'),
    ('rule', 'rule', 'object', 'c'),
    ('date', 'dates', 'timestamptz', 'c'),
    ('dates', 'dates', 'timestamptz[]', 'c'),
    ('command', 'command', 'text', 'c'),
    ('commands', 'commands', 'text[]', 'c'),
    ('use_same_transaction', 'use_same_transaction', 'boolean', 'c'),
    ('run_as', 'run_as', 'text', 'cs'),
    ('start_date', 'start_at', 'timestamptz', 'c'),
    ('end_date', 'end_at', 'timestamptz', 'c'),
    ('last_start_available', 'max_wait', 'interval', 'c'),
    ('max_wait', 'max_wait', 'interval', 'c'),
    ('max_run_time', 'max_run_time', 'interval', 'c'),
    ('max_instances', 'max_instances', 'positive', 'c'),
    ('onrollback', 'fallback', 'text', 'c'),
    ('fallback', 'fallback', 'text', 'cs'),
    ('next_time_statement', 'next_time_statement', 'text', 'c'),
    ('interval_expression', 'interval_expression', 'text', 'c'),
    ('comments', 'comments', 'text', 'cs'),
    ('timezone', 'timezone', 'text', 'c'),
    ('day_match', 'day_match', 'enum:any,all', 'c'),
    ('overlap', 'overlap', 'enum:skip,queue', 'c'),
    ('queue_limit', 'queue_limit', 'positive', 'c'),
    ('misfire', 'misfire', 'enum:run_once,skip,run_all', 'c'),
    ('misfire_cap', 'misfire_cap', 'positive', 'c'),
    ('retry', NULL, 'retry', 'cs'),
    ('queue', 'queue', 'text', 'cs'),
    ('priority', 'priority', 'integer', 'cs'),
    ('enabled', 'enabled', 'boolean', 'c'),
    ('owner', 'owner', 'text', 'cs'),
    ('query', 'command', 'text', 's'),
    ('params', 'params', 'array', 's'),
    ('run_after', 'run_after', 'timestamptz', 's'),
    ('max_duration', 'max_run_time', 'interval', 's'),
    ('max_wait_interval', 'max_wait', 'interval', 's'),
    ('depends_on', 'depends_on', 'id[]', 's'),
    ('resubmit_limit', 'resubmit_limit', 'nonnegative', 's'),
    ('delete_after_success', 'delete_after_success', 'boolean', 's')
$$;
--> statement-breakpoint
-- Job keys → {column: value}, after checking names, groups and types. mode: 'create' (a
-- recurring job: exactly one schedule key and one command key), 'submit' (a one-time job:
-- `query` required) or 'alter' (any key, each optional; JSON null resets the column).
CREATE FUNCTION edgecron._job_columns(keys jsonb, mode text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  spec record;
  cols jsonb := '{}';
  val jsonb;
  bad text;
  given text[];
  grp text[];
  retry_keys constant text[] := ARRAY['max_attempts', 'backoff', 'backoff_max', 'broken_after'];
BEGIN
  IF keys IS NULL OR jsonb_typeof(keys) <> 'object' THEN
    RAISE EXCEPTION 'job keys must be a JSON object, got %', coalesce(keys::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO bad
    FROM jsonb_object_keys(keys) AS k
   WHERE NOT EXISTS (SELECT FROM edgecron._job_keys() s
                      WHERE s.key = k AND (mode = 'alter' OR strpos(s.modes, left(mode, 1)) > 0));
  IF bad IS NOT NULL THEN
    IF mode = 'create' THEN
      RAISE EXCEPTION 'unknown key(s): %', bad USING ERRCODE = '22023', HINT = 'A one-time job is made with edgecron.submit_job.';
    ELSIF mode = 'submit' THEN
      RAISE EXCEPTION 'unknown key(s): %', bad USING ERRCODE = '22023', HINT = 'A recurring job is made with edgecron.create_job.';
    END IF;
    RAISE EXCEPTION 'unknown key(s): %', bad USING ERRCODE = '22023';
  END IF;

  -- Keys that name the same column, or exclude each other: at most one (exactly one where required).
  FOR grp IN SELECT ARRAY(SELECT jsonb_array_elements_text(g)) FROM jsonb_array_elements(
      '[["schedule", "cron", "rule", "date", "dates"], ["command", "commands", "query"],
        ["last_start_available", "max_wait", "max_wait_interval"], ["max_run_time", "max_duration"],
        ["onrollback", "fallback"], ["run_after", "depends_on"]]'::jsonb) AS g LOOP
    SELECT array_agg(k ORDER BY array_position(grp, k)) INTO given
      FROM unnest(grp) AS k WHERE keys ? k AND jsonb_typeof(keys -> k) <> 'null';
    IF cardinality(given) > 1 THEN
      IF grp[1] = 'run_after' THEN
        RAISE EXCEPTION 'run_after, depends_on: conflict in start time; give one' USING ERRCODE = '22023';
      END IF;
      RAISE EXCEPTION '%: cannot be combined with %; give one of %', given[2], given[1], array_to_string(grp, ', ')
        USING ERRCODE = '22023';
    END IF;
  END LOOP;
  IF mode = 'create' AND NOT EXISTS (SELECT FROM unnest(ARRAY['schedule', 'cron', 'rule', 'date', 'dates']) g
                                      WHERE jsonb_typeof(keys -> g) IS DISTINCT FROM 'null' AND keys ? g) THEN
    RAISE EXCEPTION 'schedule: missing; give exactly one of schedule, cron, rule, date, dates' USING ERRCODE = '22023',
      HINT = 'A job that runs once is made with edgecron.submit_job.';
  END IF;
  IF mode = 'create' AND coalesce(jsonb_typeof(keys -> 'command'), 'null') = 'null'
                     AND coalesce(jsonb_typeof(keys -> 'commands'), 'null') = 'null' THEN
    RAISE EXCEPTION 'command: missing; give exactly one of command, commands' USING ERRCODE = '22023';
  END IF;
  IF mode = 'alter' THEN
    -- Resetting what a job runs, or when, would leave it without (or turn it into a one-time job).
    SELECT string_agg(k, ', ' ORDER BY k) INTO bad
      FROM unnest(ARRAY['schedule', 'cron', 'rule', 'date', 'dates', 'command', 'commands', 'query']) AS k
     WHERE jsonb_typeof(keys -> k) = 'null';
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION '%: cannot be null; give a new value instead', bad USING ERRCODE = '22023';
    END IF;
  END IF;
  IF mode = 'submit' AND coalesce(jsonb_typeof(keys -> 'query'), 'null') = 'null' THEN
    RAISE EXCEPTION 'query: missing; give the SQL to run' USING ERRCODE = '22023';
  END IF;

  FOR spec IN SELECT s.* FROM edgecron._job_keys() s WHERE keys ? s.key LOOP
    IF spec.kind = 'retry' THEN
      val := edgecron._key_value('retry', keys -> 'retry', 'object');
      CONTINUE WHEN val = 'null';
      SELECT string_agg(k, ', ' ORDER BY k) INTO bad FROM jsonb_object_keys(val) AS k WHERE k <> ALL (retry_keys);
      IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'retry: unknown key(s): %; allowed keys are %', bad, array_to_string(retry_keys, ', ')
          USING ERRCODE = '22023';
      END IF;
      IF val ? 'max_attempts' THEN
        cols := cols || jsonb_build_object('max_attempts', edgecron._key_value('retry.max_attempts', val -> 'max_attempts', 'positive'));
      END IF;
      IF val ? 'backoff' THEN
        cols := cols || jsonb_build_object('retry_backoff', edgecron._key_value('retry.backoff', val -> 'backoff', 'interval'));
      END IF;
      IF val ? 'backoff_max' THEN
        cols := cols || jsonb_build_object('retry_backoff_max', edgecron._key_value('retry.backoff_max', val -> 'backoff_max', 'interval'));
      END IF;
      IF val ? 'broken_after' THEN
        cols := cols || jsonb_build_object('broken_after', edgecron._key_value('retry.broken_after', val -> 'broken_after', 'positive'));
      END IF;
      CONTINUE;
    END IF;
    val := edgecron._key_value(spec.key, keys -> spec.key, spec.kind);
    IF spec.key = 'date' AND val <> 'null' THEN
      val := jsonb_build_array(val);
    END IF;
    cols := cols || jsonb_build_object(spec.col, val);
  END LOOP;

  IF mode = 'alter' THEN
    -- A new way of saying when (or what) replaces the old one.
    IF jsonb_typeof(cols -> 'schedule') = 'string' THEN cols := jsonb_build_object('rule', null, 'dates', null) || cols; END IF;
    IF jsonb_typeof(cols -> 'rule') = 'object' THEN cols := jsonb_build_object('schedule', null, 'dates', null) || cols; END IF;
    IF jsonb_typeof(cols -> 'dates') = 'array' THEN cols := jsonb_build_object('schedule', null, 'rule', null) || cols; END IF;
    IF jsonb_typeof(cols -> 'command') = 'string' THEN cols := jsonb_build_object('commands', null) || cols; END IF;
    IF jsonb_typeof(cols -> 'commands') = 'array' THEN cols := jsonb_build_object('command', null, 'params', null) || cols; END IF;
    IF jsonb_typeof(cols -> 'run_after') = 'string' THEN cols := jsonb_build_object('depends_on', null) || cols; END IF;
    IF jsonb_typeof(cols -> 'depends_on') = 'array' THEN cols := jsonb_build_object('run_after', null) || cols; END IF;
  END IF;
  RETURN cols;
END
$$;
--> statement-breakpoint
-- Inserts a job from {column: value}; absent and null columns take their defaults.
CREATE FUNCTION edgecron._insert_job(cols jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  names text;
  new_id bigint;
BEGIN
  cols := jsonb_strip_nulls(cols);
  SELECT string_agg(format('%I', k), ', ' ORDER BY k) INTO names FROM jsonb_object_keys(cols) AS k;
  EXECUTE format('INSERT INTO edgecron.job (%1$s) SELECT %1$s FROM jsonb_populate_record(NULL::edgecron.job, $1) RETURNING id', names)
    INTO new_id USING cols;
  RETURN new_id;
END
$$;
--> statement-breakpoint
-- Updates the given columns of a job the caller can see; a null value resets the column to its
-- default. Raises P0002 when there is no such job.
CREATE FUNCTION edgecron._update_job(job_id bigint, cols jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  sets text;
BEGIN
  PERFORM FROM edgecron.job j WHERE j.id = _update_job.job_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', _update_job.job_id USING ERRCODE = 'P0002';
  END IF;
  SELECT string_agg(CASE WHEN cols -> k = 'null' THEN format('%I = DEFAULT', k) ELSE format('%1$I = r.%1$I', k) END, ', ')
    INTO sets FROM jsonb_object_keys(cols) AS k;
  IF sets IS NOT NULL THEN
    EXECUTE format('UPDATE edgecron.job AS j SET %s FROM jsonb_populate_record(NULL::edgecron.job, $1) AS r WHERE j.id = $2', sets)
      USING cols, _update_job.job_id;
  END IF;
END
$$;
--> statement-breakpoint

-- 8. Functions ------------------------------------------------------------------------------
-- pgpro_scheduler's create_job: a recurring job from job keys (docs/job-keys.md). Returns its id.
CREATE FUNCTION edgecron.create_job(params jsonb) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  SELECT edgecron._insert_job(edgecron._job_columns(params, 'create'))
$$;
--> statement-breakpoint
-- pgpro_scheduler's submit_job with JSON keys: a one-time job, run at run_after (default now)
-- or when every job in depends_on has succeeded. Returns its id.
CREATE FUNCTION edgecron.submit_job(params jsonb) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  SELECT edgecron._insert_job(edgecron._job_columns(params, 'submit'))
$$;
--> statement-breakpoint
-- pgpro_scheduler's submit_job (without `node`): a one-time job. Returns its id.
CREATE FUNCTION edgecron.submit_job(
  query text, params text[] DEFAULT NULL, run_after timestamptz DEFAULT NULL,
  max_duration interval DEFAULT NULL, max_wait_interval interval DEFAULT NULL,
  run_as text DEFAULT NULL, depends_on bigint[] DEFAULT NULL, name text DEFAULT NULL,
  comments text DEFAULT NULL, resubmit_limit bigint DEFAULT 100) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  looks_like_keys boolean := false;
BEGIN
  -- submit_job('{"query": …}') picks this overload (text wins over jsonb for a literal).
  IF btrim(query) LIKE '{%}' THEN
    BEGIN
      looks_like_keys := btrim(query)::jsonb ? 'query';
    EXCEPTION WHEN invalid_text_representation THEN
    END;
  END IF;
  IF looks_like_keys THEN
    RAISE EXCEPTION 'query: is JSON job keys, not SQL' USING ERRCODE = '22023',
      HINT = 'Pass job keys as jsonb: edgecron.submit_job(''{"query": "…"}''::jsonb).';
  END IF;
  RETURN edgecron.submit_job(jsonb_strip_nulls(jsonb_build_object(
    'query', query, 'params', to_jsonb(params), 'run_after', run_after,
    'max_duration', max_duration::text, 'max_wait_interval', max_wait_interval::text, 'run_as', run_as,
    'depends_on', to_jsonb(depends_on), 'name', name, 'comments', comments,
    'resubmit_limit', resubmit_limit)));
END
$$;
--> statement-breakpoint
-- pg_cron's schedule with a name: creates the caller's job of that name, or replaces its
-- schedule and command (and the options given) if it exists. Returns its id.
CREATE FUNCTION edgecron.schedule(
  job_name text, schedule text, command text, timezone text DEFAULT NULL, run_as text DEFAULT NULL,
  active boolean DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  keys jsonb := jsonb_strip_nulls(jsonb_build_object(
    'name', job_name, 'schedule', schedule, 'command', command, 'timezone', timezone, 'run_as', run_as,
    'enabled', active));
  existing bigint;
BEGIN
  IF job_name IS NULL OR btrim(job_name) = '' THEN
    RAISE EXCEPTION 'job_name: must not be empty' USING ERRCODE = '22023';
  END IF;
  FOR attempt IN 1..3 LOOP
    SELECT j.id INTO existing FROM edgecron.job j WHERE j.owner = current_user AND j.name = job_name FOR UPDATE;
    IF FOUND THEN
      PERFORM edgecron._update_job(existing,
        edgecron._job_columns(keys, 'alter')
        || jsonb_build_object('run_after', null, 'depends_on', null, 'params', null));
      RETURN existing;
    END IF;
    BEGIN
      RETURN edgecron._insert_job(edgecron._job_columns(keys, 'create'));
    EXCEPTION WHEN unique_violation THEN
      -- Another session created it meanwhile: update that one.
    END;
  END LOOP;
  RAISE EXCEPTION 'job_name: could not create or update "%"', job_name USING ERRCODE = '40001';
END
$$;
--> statement-breakpoint
-- pg_cron's schedule without a name: always a new job. Returns its id.
CREATE FUNCTION edgecron.schedule(schedule text, command text) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  SELECT edgecron.create_job(jsonb_build_object('schedule', schedule, 'command', command))
$$;
--> statement-breakpoint
-- pg_cron's unschedule: deletes a job (and its runs). Raises P0002 for a job you cannot see.
CREATE FUNCTION edgecron.unschedule(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  DELETE FROM edgecron.job j WHERE j.id = unschedule.job_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', job_id USING ERRCODE = 'P0002';
  END IF;
  RETURN true;
END
$$;
--> statement-breakpoint
CREATE FUNCTION edgecron.unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  DELETE FROM edgecron.job j WHERE j.owner = current_user AND j.name = job_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job "%" not found', job_name USING ERRCODE = 'P0002';
  END IF;
  RETURN true;
END
$$;
--> statement-breakpoint
-- pg_cron's alter_job: NULL leaves a value as it is. `database` must be this one (a job runs in
-- the database that holds it); `username` moves the job to another owner (admins only).
CREATE FUNCTION edgecron.alter_job(
  job_id bigint, schedule text DEFAULT NULL, command text DEFAULT NULL, database text DEFAULT NULL,
  username text DEFAULT NULL, active boolean DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  IF database IS DISTINCT FROM current_database() AND database IS NOT NULL THEN
    RAISE EXCEPTION 'database: a job runs in the database that holds it ("%"), not "%"', current_database(), database
      USING ERRCODE = '22023';
  END IF;
  PERFORM edgecron._update_job(job_id, edgecron._job_columns(jsonb_strip_nulls(jsonb_build_object(
    'schedule', schedule, 'command', command, 'owner', username, 'enabled', active)), 'alter'));
  IF active THEN
    PERFORM edgecron.enable_job(job_id);
  END IF;
END
$$;
--> statement-breakpoint
-- Changes the given job keys (docs/job-keys.md, any key of create_job or submit_job); JSON null
-- resets a key to its default. A new schedule key replaces the old one, likewise command(s).
CREATE FUNCTION edgecron.alter_job(job_id bigint, params jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  SELECT edgecron._update_job(job_id, edgecron._job_columns(params, 'alter'))
$$;
--> statement-breakpoint
-- Run now (DBMS_JOB.RUN): queues a run of the job at once, whatever its schedule or state.
-- Returns the run's id; the master starts it within its poll interval.
CREATE FUNCTION edgecron.run_job(job_id bigint) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  INSERT INTO edgecron.run (job_id) VALUES (run_job.job_id) RETURNING id
$$;
--> statement-breakpoint
-- Cancels what a job has in flight: queued runs become canceled, running runs get
-- cancel_requested (the master cancels their backend), and a one-time job that has not started
-- is done, with a canceled run. True if anything was canceled.
CREATE FUNCTION edgecron.cancel_job(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  engine boolean := edgecron._is_engine();
  j record;
  canceled bigint;
  running bigint;
BEGIN
  SELECT x.id, x.kind, x.state INTO j FROM edgecron.job x WHERE x.id = cancel_job.job_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', cancel_job.job_id USING ERRCODE = 'P0002';
  END IF;
  IF NOT engine THEN
    -- The run_cancel trigger turns this into the right change for each run.
    UPDATE edgecron.run r SET status = 'canceled' WHERE r.job_id = cancel_job.job_id AND r.status IN ('queued', 'running');
    GET DIAGNOSTICS canceled = ROW_COUNT;
  ELSE
    -- The table owner's writes pass the triggers untouched: write what they would.
    UPDATE edgecron.run r SET status = 'canceled', finished_at = now(), reason = 'canceled by ' || current_user
     WHERE r.job_id = cancel_job.job_id AND r.status = 'queued';
    GET DIAGNOSTICS canceled = ROW_COUNT;
    UPDATE edgecron.run r SET cancel_requested = true WHERE r.job_id = cancel_job.job_id AND r.status = 'running';
    GET DIAGNOSTICS running = ROW_COUNT;
    canceled := canceled + running;
  END IF;
  IF j.kind = 'one_time' AND j.state = 'active'
     AND NOT EXISTS (SELECT FROM edgecron.run r WHERE r.job_id = cancel_job.job_id AND r.status = 'running') THEN
    UPDATE edgecron.job x SET state = 'done' WHERE x.id = cancel_job.job_id;
    IF engine THEN
      PERFORM edgecron._record_cancel(cancel_job.job_id);
    END IF;
    canceled := canceled + 1;
  END IF;
  RETURN canceled > 0;
END
$$;
--> statement-breakpoint
-- Enables a job; a broken job is re-activated (its failure count starts over). True if it changed.
CREATE FUNCTION edgecron.enable_job(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  j record;
BEGIN
  SELECT x.enabled, x.state INTO j FROM edgecron.job x WHERE x.id = enable_job.job_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', enable_job.job_id USING ERRCODE = 'P0002';
  END IF;
  IF j.enabled AND j.state <> 'broken' THEN
    RETURN false;
  END IF;
  UPDATE edgecron.job x
     SET enabled = true, state = CASE WHEN x.state = 'broken' THEN 'active' ELSE x.state END
   WHERE x.id = enable_job.job_id;
  RETURN true;
END
$$;
--> statement-breakpoint
-- Disables a job: no new runs until enabled (runs in flight go on). True if it changed.
CREATE FUNCTION edgecron.disable_job(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  was_enabled boolean;
BEGIN
  SELECT x.enabled INTO was_enabled FROM edgecron.job x WHERE x.id = disable_job.job_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', disable_job.job_id USING ERRCODE = 'P0002';
  END IF;
  IF was_enabled THEN
    UPDATE edgecron.job x SET enabled = false WHERE x.id = disable_job.job_id;
  END IF;
  RETURN was_enabled;
END
$$;
--> statement-breakpoint
-- Stops (and restarts) the whole scheduler of this database: nothing new starts while paused.
CREATE FUNCTION edgecron.pause() RETURNS void
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  UPDATE edgecron.settings SET paused = true
$$;
--> statement-breakpoint
CREATE FUNCTION edgecron.resume() RETURNS void
LANGUAGE sql SET search_path = pg_catalog, edgecron, pg_temp AS $$
  UPDATE edgecron.settings SET paused = false
$$;
--> statement-breakpoint
-- pgpro_scheduler's get_self_id: the id of the job this is called from.
CREATE FUNCTION edgecron.get_self_id() RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  id bigint := nullif(current_setting('edgecron.job_id', true), '')::bigint;
BEGIN
  IF id IS NULL THEN
    RAISE EXCEPTION 'get_self_id: not called from an edgecron job' USING ERRCODE = '55000';
  END IF;
  RETURN id;
END
$$;
--> statement-breakpoint
-- pgpro_scheduler's resubmit, called from inside a one-time job: run it again after `run_after`
-- (default at once) when this run ends, up to the job's resubmit_limit. Returns the job id.
-- SECURITY DEFINER because users cannot write the master's resubmit_at. The right to do it is
-- being the running job: edgecron.job_id/run_id (which anyone can SET) must name a running run
-- whose backend is this session, or whose role is the role this session has set, which only a
-- member of that role can.
CREATE FUNCTION edgecron.resubmit(run_after interval DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  self_job bigint := nullif(current_setting('edgecron.job_id', true), '')::bigint;
  self_run bigint := nullif(current_setting('edgecron.run_id', true), '')::bigint;
  j record;
BEGIN
  SELECT x.id, x.kind, x.resubmit_count, x.resubmit_limit INTO j
    FROM edgecron.run r JOIN edgecron.job x ON x.id = r.job_id
   WHERE r.id = self_run AND r.job_id = self_job AND r.status = 'running'
     AND (r.backend_pid = pg_backend_pid() OR r.role = current_setting('role'))
     FOR UPDATE OF x;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Cannot resubmit: not called from a running edgecron job' USING ERRCODE = '55000';
  ELSIF j.kind <> 'one_time' THEN
    RAISE EXCEPTION 'Cannot resubmit: job % is recurring; only one-time jobs can be resubmitted', j.id USING ERRCODE = '55000';
  ELSIF j.resubmit_count >= j.resubmit_limit THEN
    RAISE EXCEPTION 'Cannot resubmit: limit reached' USING ERRCODE = '54000',
      DETAIL = format('job %s was resubmitted %s times, its resubmit_limit', j.id, j.resubmit_count);
  END IF;
  UPDATE edgecron.job x SET resubmit_at = now() + coalesce(resubmit.run_after, interval '0') WHERE x.id = j.id;
  RETURN j.id;
END
$$;
--> statement-breakpoint

-- 9. Views ----------------------------------------------------------------------------------
-- security_invoker: each view shows what its reader may see (row security of job and run).
-- Jobs with their next run time and their latest run. For an admin, every job.
CREATE VIEW edgecron.my_jobs WITH (security_invoker = true) AS
SELECT j.id, j.name, j.owner, j.run_as, j.kind, j.enabled, j.state, j.broken_reason,
       j.next_run_at, last.status AS last_status, coalesce(last.started_at, last.scheduled_for) AS last_run_at,
       last.finished_at AS last_finished_at, last.error ->> 'message' AS last_error,
       j.schedule, j.rule, j.dates, j.run_after, j.timezone, j.day_match, j.start_at, j.end_at,
       j.depends_on, j.command, j.commands, j.params, j.use_same_transaction,
       j.next_time_statement, j.interval_expression, j.overlap, j.max_instances, j.queue_limit,
       j.misfire, j.misfire_cap, j.max_attempts, j.retry_backoff, j.retry_backoff_max, j.broken_after,
       j.max_run_time, j.max_wait, j.fallback, j.queue, j.priority, j.resubmit_limit, j.resubmit_count,
       j.delete_after_success, j.consecutive_failures, j.comments,
       j.revision = j.synced_revision AS synced, j.created_at, j.updated_at
  FROM edgecron.job j
  LEFT JOIN LATERAL (SELECT r.status, r.scheduled_for, r.started_at, r.finished_at, r.error
                       FROM edgecron.run r WHERE r.job_id = j.id ORDER BY r.id DESC LIMIT 1) AS last ON true;
--> statement-breakpoint
-- Runs, with their job's name; double_fault when the fallback failed too (QSched).
CREATE VIEW edgecron.my_runs WITH (security_invoker = true) AS
SELECT r.id, r.job_id, j.name AS job_name, r.owner, r.role, r.status, r.reason, r.attempt,
       r.scheduled_for, r.started_at, r.finished_at,
       r.started_at - r.scheduled_for AS start_lag, r.finished_at - r.started_at AS duration,
       r.result, r.error, r.fallback, coalesce(r.fallback ->> 'status' = 'failed', false) AS double_fault,
       r.queue, r.priority, r.start_after, r.not_after, r.backend_pid, r.cancel_requested
  FROM edgecron.run r
  LEFT JOIN edgecron.job j ON j.id = r.job_id;
--> statement-breakpoint
-- Runs in flight, with the live state of their backend. pg_stat_activity shows another
-- session's state and query only to roles that may see the executor's sessions
-- (pg_read_all_stats, or members of the executor role); to others they are NULL here.
CREATE VIEW edgecron.running WITH (security_invoker = true) AS
SELECT r.id AS run_id, r.job_id, j.name AS job_name, r.owner, r.role, r.backend_pid,
       r.scheduled_for, r.started_at, now() - r.started_at AS elapsed, r.cancel_requested,
       a.state AS backend_state, a.wait_event_type, a.wait_event,
       CASE WHEN a.state IS NOT NULL THEN a.query END AS backend_query
  FROM edgecron.run r
  LEFT JOIN edgecron.job j ON j.id = r.job_id
  LEFT JOIN pg_catalog.pg_stat_activity a
         ON a.pid = r.backend_pid AND a.application_name LIKE '% run ' || r.id
 WHERE r.status = 'running';
--> statement-breakpoint
-- Per job: last success and failure, the current streak of failures and how late runs start.
-- Counts cover the job's last 100 finished runs; start lag (started_at - scheduled_for) its last
-- 100 first attempts that started (a retry waits by design, so retries are left out).
-- Failures are failed, timed_out, lost and expired runs; skipped, missed and canceled runs
-- neither break nor extend a streak.
CREATE VIEW edgecron.job_health WITH (security_invoker = true) AS
SELECT j.id AS job_id, j.name, j.owner, j.enabled, j.state, j.broken_reason,
       ok.finished_at AS last_success_at,
       bad.finished_at AS last_failure_at, bad.status AS last_failure_status,
       bad.error ->> 'message' AS last_failure_message,
       coalesce(recent.consecutive_failures, 0) AS consecutive_failures,
       coalesce(recent.runs_counted, 0) AS runs_counted,
       coalesce(recent.succeeded, 0) AS succeeded,
       coalesce(recent.failed, 0) AS failed,
       lag.start_lag_p50, lag.start_lag_p95,
       round(extract(epoch FROM lag.start_lag_p50) * 1000)::bigint AS start_lag_p50_ms,
       round(extract(epoch FROM lag.start_lag_p95) * 1000)::bigint AS start_lag_p95_ms
  FROM edgecron.job j
  LEFT JOIN LATERAL (SELECT r.finished_at FROM edgecron.run r
                      WHERE r.job_id = j.id AND r.status = 'succeeded' ORDER BY r.id DESC LIMIT 1) AS ok ON true
  LEFT JOIN LATERAL (SELECT r.finished_at, r.status, r.error FROM edgecron.run r
                      WHERE r.job_id = j.id AND r.status IN ('failed', 'timed_out', 'lost', 'expired')
                      ORDER BY r.id DESC LIMIT 1) AS bad ON true
  LEFT JOIN LATERAL (
    SELECT count(*) AS runs_counted,
           count(*) FILTER (WHERE w.status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE w.failure) AS failed,
           count(*) FILTER (WHERE w.failure AND w.id > coalesce(w.last_success_id, 0)) AS consecutive_failures
      FROM (SELECT f.id, f.status, f.status IN ('failed', 'timed_out', 'lost', 'expired') AS failure,
                   max(f.id) FILTER (WHERE f.status = 'succeeded') OVER () AS last_success_id
              FROM (SELECT r.id, r.status FROM edgecron.run r
                     WHERE r.job_id = j.id AND r.finished_at IS NOT NULL ORDER BY r.id DESC LIMIT 100) AS f) AS w
  ) AS recent ON true
  LEFT JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.start_lag) AS start_lag_p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY s.start_lag) AS start_lag_p95
      FROM (SELECT r.started_at - r.scheduled_for AS start_lag FROM edgecron.run r
             WHERE r.job_id = j.id AND r.started_at IS NOT NULL AND r.attempt = 1
             ORDER BY r.id DESC LIMIT 100) AS s
  ) AS lag ON true;
--> statement-breakpoint

-- 10. Setting up roles ---------------------------------------------------------------------
-- Lets the executor (the table owner) SET ROLE to `role_name`, which needs no LOGIN. On
-- PostgreSQL 16+ the grant is SET without INHERIT: the executor may become the role but does not
-- carry its privileges otherwise. Run by the table owner or a superuser (it needs ADMIN on the
-- role, which a CREATEROLE role has over the roles it created). Refuses superuser roles.
CREATE FUNCTION edgecron.grant_executor(role_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  executor text := edgecron._executor_role();
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
    RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
  END IF;
  IF edgecron._executor_can_become(role_name) THEN
    RETURN;
  END IF;
  IF edgecron._is_superuser(role_name) THEN
    RAISE EXCEPTION 'role "%" is a superuser: the executor "%" is not made a member of it', role_name, executor
      USING ERRCODE = '42501';
  END IF;
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE format('GRANT %I TO %I WITH INHERIT FALSE, SET TRUE', role_name, executor);
  ELSE
    EXECUTE format('GRANT %I TO %I', role_name, executor);
  END IF;
END
$$;
--> statement-breakpoint
-- Makes `role_name` a scheduling role (edgecron_user, or edgecron_admin with admin => true) and
-- lets the executor run its jobs. Run by the table owner or a superuser.
CREATE FUNCTION edgecron.grant_user(role_name text, admin boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  target text := CASE WHEN admin THEN 'edgecron_admin' ELSE 'edgecron_user' END;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
    RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
  END IF;
  IF NOT pg_has_role(role_name, target, 'MEMBER') THEN
    EXECUTE format('GRANT %I TO %I', target, role_name);
  END IF;
  PERFORM edgecron.grant_executor(role_name);
END
$$;
--> statement-breakpoint

-- Who may call what. Functions are executable by PUBLIC by default; here only scheduling roles
-- (the schema is closed to everyone else anyway), admins for pause/resume, and the table owner
-- (and superusers) for the setup functions.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA edgecron FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION
  edgecron._is_engine(), edgecron._is_admin(), edgecron._is_superuser(text), edgecron._executor_role(),
  edgecron._executor_can_become(text), edgecron._check_job_roles(text, text, boolean, boolean),
  edgecron._check_schedule_text(text), edgecron._check_timezone(text),
  edgecron._key_value(text, jsonb, text), edgecron._job_keys(), edgecron._job_columns(jsonb, text),
  edgecron._insert_job(jsonb), edgecron._update_job(bigint, jsonb),
  edgecron.create_job(jsonb), edgecron.submit_job(jsonb),
  edgecron.submit_job(text, text[], timestamptz, interval, interval, text, bigint[], text, text, bigint),
  edgecron.schedule(text, text, text, text, text, boolean), edgecron.schedule(text, text),
  edgecron.unschedule(bigint), edgecron.unschedule(text),
  edgecron.alter_job(bigint, text, text, text, text, boolean), edgecron.alter_job(bigint, jsonb),
  edgecron.run_job(bigint), edgecron.cancel_job(bigint), edgecron.enable_job(bigint),
  edgecron.disable_job(bigint), edgecron.get_self_id(), edgecron.resubmit(interval)
  TO edgecron_user;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION edgecron.pause(), edgecron.resume() TO edgecron_admin;
--> statement-breakpoint
GRANT SELECT ON edgecron.my_jobs, edgecron.my_runs, edgecron.running, edgecron.job_health TO edgecron_user;
