-- Role checks that match what PostgreSQL 16+ lets a role do, and no strong locks for users
-- (an audit on PostgreSQL 18). docs/sql.md is the user's reference.
--
-- - "May act as" is the SET privilege on PostgreSQL 16+ (MEMBER before: what SET ROLE checked
--   there). A membership granted WITH SET FALSE, directly or down a chain, no longer lets a job
--   own or run as a role.
-- - "Is an admin" is USAGE of edgecron_admin (its privileges, inherited), everywhere: the
--   policies, _is_admin() and the admin branch of the role checks. A membership WITH INHERIT
--   FALSE, SET FALSE is not an admin (it could not pause() either).
-- - Roles no job may be owned by or run as: edgecron_user and edgecron_admin (shared by every
--   scheduler), PostgreSQL's predefined pg_* roles, and, for anyone but the scheduler itself, the
--   executor and the roles that have its power. grant_user grants WITH SET FALSE, and so do the
--   memberships already granted, where this migration may change them.
-- - resubmit() needs the run's own backend (or, until the executor has recorded it, the
--   executor's own login with the run's role): sharing the run's role is not enough.
-- - No table-level DELETE on job and run: with it any scheduler could LOCK TABLE … IN ACCESS
--   EXCLUSIVE MODE and stop the master for everyone (modes above ROW EXCLUSIVE need table-level
--   UPDATE, DELETE, TRUNCATE or MAINTAIN; column grants do not count). Deleting goes through
--   SECURITY DEFINER functions: unschedule() for jobs, delete_runs() for finished runs. Admins'
--   UPDATE on edgecron.queue becomes column-level for the same reason.
-- - Times the scheduler cannot represent (infinity, BC, below 1000 or past 9999; infinite intervals) are refused.
-- - reassign_jobs() and drop_jobs(): what a DBA runs before dropping or renaming a role.
--
-- SECURITY DEFINER functions here act for edgecron._session_role(): the role the session has set
-- (SET ROLE, as the executor does for a job and the API for a token) or else its login role.
-- Inside SECURITY DEFINER code current_user is the definer and SET ROLE is refused, so that role
-- is always one the session could act as itself: the functions can do no more than it could.

-- 1. Predicates ---------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION edgecron._is_admin() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_has_role('edgecron_admin', 'USAGE')
$$;
--> statement-breakpoint
-- The privilege of pg_has_role that means "may SET ROLE to": SET on PostgreSQL 16+, where it is
-- apart from membership; MEMBER before, which is what SET ROLE checked there.
CREATE FUNCTION edgecron._set_privilege() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END
$$;
--> statement-breakpoint
-- Why no job may be owned by or run as `role_name` whoever writes it, or NULL: edgecron's group
-- roles (everyone who schedules is in them, so their jobs and results would be everyone's) and
-- PostgreSQL's predefined roles (PostgreSQL reserves the pg_ prefix for them).
CREATE FUNCTION edgecron._reserved_role(role_name text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN role_name IN ('edgecron_user', 'edgecron_admin') THEN
      format('role "%s" is edgecron''s group role, shared by every scheduler', role_name)
    WHEN role_name LIKE 'pg\_%' THEN
      format('role "%s" is a predefined PostgreSQL role', role_name)
  END
$$;
--> statement-breakpoint
-- Functions are executable by PUBLIC by default; these only by schedulers, like those of 0002.
REVOKE ALL ON FUNCTION edgecron._set_privilege(), edgecron._reserved_role(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION edgecron._set_privilege(), edgecron._reserved_role(text) TO edgecron_user;
--> statement-breakpoint

-- 2. Who may own a job and whom it may run as ---------------------------------------------------
-- Raises 42704 for a role that does not exist and 42501 for one the caller may not use; the
-- message names the key. The executor's own writes (and superusers') skip only the owner check.
CREATE OR REPLACE FUNCTION edgecron._check_job_roles(job_owner text, job_run_as text, check_owner boolean, check_run_as boolean)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  me text := current_user;
  can_become text := edgecron._set_privilege();
  executor oid;
  superuser_jobs boolean;
  engine boolean;
  admin boolean;
  superuser boolean;
  executor_like boolean;
  role_name text;
  role_oid oid;
  reserved text;
  key text;
BEGIN
  IF NOT check_owner AND NOT check_run_as THEN
    RETURN;
  END IF;
  -- This runs for every row written: each lookup below costs about 10 µs, so the role's
  -- superuser flag is read only when it matters.
  executor := (SELECT c.relowner FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass);
  superuser_jobs := coalesce((SELECT st.allow_superuser_jobs FROM edgecron.settings st), true);
  engine := pg_has_role(executor, 'USAGE');
  admin := pg_has_role('edgecron_admin', 'USAGE');

  FOREACH key IN ARRAY ARRAY['owner', 'run_as'] LOOP
    role_name := CASE key WHEN 'owner' THEN job_owner ELSE job_run_as END;
    CONTINUE WHEN role_name IS NULL
               OR (key = 'owner' AND NOT check_owner)
               OR (key = 'run_as' AND NOT check_run_as);
    reserved := edgecron._reserved_role(role_name);
    IF reserved IS NOT NULL THEN
      RAISE EXCEPTION '%: %; no job is owned by or runs as it', key, reserved USING ERRCODE = '42501';
    END IF;
    role_oid := to_regrole(quote_ident(role_name));
    IF role_oid IS NULL THEN
      RAISE EXCEPTION '%: role "%" does not exist', key, role_name USING ERRCODE = '42704';
    END IF;
    -- Whether the role has the executor's power (the owner of the edgecron tables, or a member
    -- of it): a job of such a role would act as the scheduler itself, bypassing row security and
    -- able to SET ROLE to every owner. Only the scheduler (or a superuser) makes one.
    executor_like := NOT engine AND pg_has_role(role_oid, executor, 'MEMBER');
    superuser := NULL;
    IF NOT superuser_jobs OR (key = 'owner' AND role_name <> me AND NOT engine) OR executor_like THEN
      superuser := (SELECT r.rolsuper FROM pg_roles r WHERE r.oid = role_oid);
    END IF;
    IF superuser AND NOT superuser_jobs THEN
      RAISE EXCEPTION '%: role "%" is a superuser and edgecron.settings.allow_superuser_jobs is off', key, role_name
        USING ERRCODE = '42501';
    END IF;

    IF key = 'owner' AND role_name <> me AND NOT engine THEN
      -- Only an admin acts for another role, and only for a scheduling role that is no superuser
      -- (unless the admin may become it anyway): admin is not a way to become superuser.
      IF NOT admin THEN
        RAISE EXCEPTION 'owner: only members of edgecron_admin can create or move a job to another role ("%")', role_name
          USING ERRCODE = '42501';
      END IF;
      IF NOT pg_has_role(me, role_oid, can_become) AND (superuser OR NOT pg_has_role(role_oid, 'edgecron_user', 'USAGE')) THEN
        RAISE EXCEPTION 'owner: role "%" is not a member of edgecron_user, or is a superuser you are not a member of', role_name
          USING ERRCODE = '42501';
      END IF;
    END IF;

    -- The owner must be allowed to act as run_as (SET ROLE). The caller is the owner, or an
    -- admin acting for the owner (checked above), or the scheduler itself.
    IF key = 'run_as' AND NOT pg_has_role(job_owner, role_oid, can_become) THEN
      IF pg_has_role(job_owner, role_oid, 'MEMBER') THEN
        RAISE EXCEPTION 'run_as: the owner "%" is a member of role "%" but may not SET ROLE to it', job_owner, role_name
          USING ERRCODE = '42501', HINT = 'The membership was granted WITH SET FALSE, directly or along the way.';
      END IF;
      RAISE EXCEPTION 'run_as: the owner "%" is not a member of role "%"', job_owner, role_name USING ERRCODE = '42501';
    END IF;

    IF executor_like AND NOT superuser THEN
      RAISE EXCEPTION '%: role "%" is the executor or a member of it (it may act as every job owner); only the executor makes such jobs',
        key, role_name USING ERRCODE = '42501';
    END IF;

    -- The executor runs the job with SET ROLE: better to say now than to break the job later.
    IF NOT pg_has_role(executor, role_oid, can_become) THEN
      RAISE EXCEPTION '%: the executor role "%" cannot SET ROLE to "%"', key, executor::regrole, role_name
        USING ERRCODE = '42501', HINT = format('The table owner runs: SELECT edgecron.grant_executor(%L);', role_name);
    END IF;
  END LOOP;
END
$$;
--> statement-breakpoint

-- 3. Row security: admins by USAGE ------------------------------------------------------------
ALTER POLICY job_owner_or_admin ON edgecron.job
  USING (owner = current_user OR pg_has_role('edgecron_admin', 'USAGE'))
  WITH CHECK (owner = current_user OR pg_has_role('edgecron_admin', 'USAGE'));
--> statement-breakpoint
ALTER POLICY run_read ON edgecron.run
  USING (owner = current_user OR pg_has_role('edgecron_admin', 'USAGE'));
--> statement-breakpoint
ALTER POLICY run_request ON edgecron.run
  WITH CHECK (owner = current_user OR pg_has_role('edgecron_admin', 'USAGE'));
--> statement-breakpoint
ALTER POLICY run_cancel ON edgecron.run
  USING (owner = current_user OR pg_has_role('edgecron_admin', 'USAGE'))
  WITH CHECK (owner = current_user OR pg_has_role('edgecron_admin', 'USAGE'));
--> statement-breakpoint
-- Users no longer DELETE from run (below); the policy stays right should a DBA grant it.
ALTER POLICY run_delete_finished ON edgecron.run
  USING ((owner = current_user OR pg_has_role('edgecron_admin', 'USAGE')) AND finished_at IS NOT NULL);
--> statement-breakpoint

-- 4. resubmit: only from the run's own session ------------------------------------------------
-- The right to resubmit is being the running job: edgecron.job_id/run_id (which anyone can SET)
-- must name a running run whose backend is this one. The executor records the backend pid while
-- the job's first command is already running, so until it is recorded the run's role, set by
-- the executor on its own login (session_user), stands in for it: a scheduler's own session
-- has its own login and never passes.
CREATE OR REPLACE FUNCTION edgecron.resubmit(run_after interval DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  self_job bigint := nullif(current_setting('edgecron.job_id', true), '')::bigint;
  self_run bigint := nullif(current_setting('edgecron.run_id', true), '')::bigint;
  executor_session boolean := pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass), 'USAGE');
  j record;
BEGIN
  SELECT x.id, x.kind, x.resubmit_count, x.resubmit_limit INTO j
    FROM edgecron.run r JOIN edgecron.job x ON x.id = r.job_id
   WHERE r.id = self_run AND r.job_id = self_job AND r.status = 'running'
     AND (r.backend_pid = pg_backend_pid()
          OR (r.backend_pid IS NULL AND executor_session AND r.role = current_setting('role')))
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

-- 5. Setting up roles ---------------------------------------------------------------------
-- Makes `role_name` a scheduling role (edgecron_user, or edgecron_admin with admin => true) and
-- lets the executor run its jobs. On PostgreSQL 16+ the grant is INHERIT TRUE (the role gets
-- edgecron's privileges) and SET FALSE (it cannot SET ROLE to the group role itself).
CREATE OR REPLACE FUNCTION edgecron.grant_user(role_name text, admin boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  target text := CASE WHEN admin THEN 'edgecron_admin' ELSE 'edgecron_user' END;
  reserved text := edgecron._reserved_role(role_name);
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
    RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
  END IF;
  IF reserved IS NOT NULL THEN
    RAISE EXCEPTION '%', reserved USING ERRCODE = '42501';
  END IF;
  IF NOT pg_has_role(role_name, target, 'USAGE') THEN
    IF current_setting('server_version_num')::int >= 160000 THEN
      EXECUTE format('GRANT %I TO %I WITH INHERIT TRUE, SET FALSE', target, role_name);
    ELSE
      EXECUTE format('GRANT %I TO %I', target, role_name);
    END IF;
  END IF;
  PERFORM edgecron.grant_executor(role_name);
END
$$;
--> statement-breakpoint
-- Memberships in the group roles granted before this migration (by grant_user or by hand) lose
-- SET where the role running the migration may change them (a superuser, or their grantor);
-- otherwise a NOTICE gives the statement to run. The role checks above refuse the group roles
-- as owners either way.
DO $$
DECLARE
  m record;
BEGIN
  IF current_setting('server_version_num')::int < 160000 THEN
    RETURN;
  END IF;
  FOR m IN EXECUTE $q$
    SELECT g.rolname AS role_name, u.rolname AS member, gr.rolname AS grantor
      FROM pg_catalog.pg_auth_members am
      JOIN pg_catalog.pg_roles g ON g.oid = am.roleid
      JOIN pg_catalog.pg_roles u ON u.oid = am.member
      JOIN pg_catalog.pg_roles gr ON gr.oid = am.grantor
     WHERE g.rolname IN ('edgecron_user', 'edgecron_admin') AND am.set_option$q$ LOOP
    BEGIN
      EXECUTE format('GRANT %I TO %I WITH SET FALSE GRANTED BY %I', m.role_name, m.member, m.grantor);
    EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
      RAISE NOTICE 'edgecron: % may still SET ROLE %; a superuser runs: GRANT % TO % WITH SET FALSE GRANTED BY %',
        m.member, m.role_name, quote_ident(m.role_name), quote_ident(m.member), quote_ident(m.grantor);
    END;
  END LOOP;
END
$$;
--> statement-breakpoint

-- 6. No strong locks for users ---------------------------------------------------------------
-- What remains: SELECT (ACCESS SHARE) and column-level INSERT and UPDATE, which LOCK TABLE does
-- not count; SELECT … FOR UPDATE locks only rows the role may see.
REVOKE DELETE ON edgecron.job, edgecron.run FROM edgecron_user;
--> statement-breakpoint
REVOKE UPDATE ON edgecron.queue FROM edgecron_admin;
--> statement-breakpoint
GRANT UPDATE (name, max_running) ON edgecron.queue TO edgecron_admin;
--> statement-breakpoint
-- The role a SECURITY DEFINER function acts for (see the header).
CREATE FUNCTION edgecron._session_role() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text ELSE current_setting('role') END
$$;
--> statement-breakpoint
-- Whether `role_name` manages every job and run: an admin, or the scheduler itself (the owner of
-- the edgecron tables, its members, superusers), whom row security does not restrict.
CREATE FUNCTION edgecron._manages_all(role_name text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_has_role(role_name, 'edgecron_admin', 'USAGE')
      OR pg_has_role(role_name, c.relowner, 'USAGE')
    FROM pg_class c WHERE c.oid = 'edgecron.job'::regclass
$$;
--> statement-breakpoint
-- pg_cron's unschedule: deletes a job (and its runs). Raises P0002 for a job you cannot manage.
CREATE OR REPLACE FUNCTION edgecron.unschedule(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  caller text := edgecron._session_role();
BEGIN
  DELETE FROM edgecron.job j
   WHERE j.id = unschedule.job_id AND (j.owner = caller OR edgecron._manages_all(caller));
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', job_id USING ERRCODE = 'P0002';
  END IF;
  RETURN true;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION edgecron.unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, edgecron, pg_temp AS $$
BEGIN
  DELETE FROM edgecron.job j WHERE j.owner = edgecron._session_role() AND j.name = job_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job "%" not found', job_name USING ERRCODE = 'P0002';
  END IF;
  RETURN true;
END
$$;
--> statement-breakpoint
-- Deletes finished runs (as pg_cron's DELETE FROM cron.job_run_details): your own, or every
-- role's for an admin, that match every filter given (NULL: no filter). Queued and running runs
-- are the master's until they end. Returns how many were deleted.
CREATE FUNCTION edgecron.delete_runs(job_id bigint DEFAULT NULL, finished_before timestamptz DEFAULT NULL,
                                     run_ids bigint[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  caller text := edgecron._session_role();
  every_role boolean := edgecron._manages_all(caller);
  deleted bigint;
BEGIN
  -- One statement per leading filter, so that each uses its index (id, job, finish time).
  IF run_ids IS NOT NULL THEN
    DELETE FROM edgecron.run r
     WHERE r.id = ANY (run_ids) AND r.finished_at IS NOT NULL AND (every_role OR r.owner = caller)
       AND (delete_runs.job_id IS NULL OR r.job_id = delete_runs.job_id)
       AND (finished_before IS NULL OR r.finished_at < finished_before);
  ELSIF delete_runs.job_id IS NOT NULL THEN
    DELETE FROM edgecron.run r
     WHERE r.job_id = delete_runs.job_id AND r.finished_at IS NOT NULL AND (every_role OR r.owner = caller)
       AND (finished_before IS NULL OR r.finished_at < finished_before);
  ELSE
    DELETE FROM edgecron.run r
     WHERE r.finished_at < coalesce(finished_before, 'infinity') AND (every_role OR r.owner = caller);
  END IF;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  RETURN deleted;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION edgecron._session_role(), edgecron._manages_all(text),
  edgecron.delete_runs(bigint, timestamptz, bigint[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION edgecron._session_role(), edgecron._manages_all(text),
  edgecron.delete_runs(bigint, timestamptz, bigint[]) TO edgecron_user;
--> statement-breakpoint

-- 7. Times the scheduler can represent ---------------------------------------------------------
-- PostgreSQL takes infinity, BC dates and years up to 294276; the schedule code (JavaScript
-- dates) and the API do not. Years 1000 to 9999, UTC, as the API has them: the Neon driver
-- behind it cannot read years below 1000 back faithfully ('0050-01-01' comes back as 1950), and
-- no schedule needs them. Intervals: PostgreSQL 17 accepts 'infinity'; a max_run_time, max_wait
-- or backoff of infinity has no meaning for a run, so it is refused here, naming the column,
-- instead of breaking the job when the master first reads it. isfinite(interval) exists on
-- every supported version (always true before 17).
-- Plain comparisons, no queries: about 4 µs a row (40 ms of 10,000 rows inserted at once, on the
-- embedded server; job_validate takes 400 ms of them).
CREATE FUNCTION edgecron.job_check_times() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  lowest constant timestamptz := '1000-01-01 00:00:00+00';
  beyond constant timestamptz := '10000-01-01 00:00:00+00';
  col text;
  bad timestamptz;
  d timestamptz;
BEGIN
  -- infinity and -infinity compare beyond either bound; NULL compares to nothing.
  IF NEW.run_after < lowest OR NEW.run_after >= beyond THEN
    col := 'run_after'; bad := NEW.run_after;
  ELSIF NEW.start_at < lowest OR NEW.start_at >= beyond THEN
    col := 'start_at'; bad := NEW.start_at;
  ELSIF NEW.end_at < lowest OR NEW.end_at >= beyond THEN
    col := 'end_at'; bad := NEW.end_at;
  ELSIF NEW.dates IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.dates IS DISTINCT FROM OLD.dates) THEN
    FOREACH d IN ARRAY NEW.dates LOOP
      IF d < lowest OR d >= beyond THEN
        col := 'dates'; bad := d;
        EXIT;
      END IF;
    END LOOP;
  END IF;
  IF col IS NOT NULL THEN
    RAISE EXCEPTION '%: % is out of range; give a timestamp between the years 1000 and 9999', col, bad
      USING ERRCODE = '22023';
  END IF;
  IF NOT isfinite(NEW.max_run_time) THEN
    col := 'max_run_time';
  ELSIF NOT isfinite(NEW.max_wait) THEN
    col := 'max_wait';
  ELSIF NOT isfinite(NEW.retry_backoff) THEN
    col := 'retry_backoff';
  ELSIF NOT isfinite(NEW.retry_backoff_max) THEN
    col := 'retry_backoff_max';
  END IF;
  IF col IS NOT NULL THEN
    RAISE EXCEPTION '%: must be a finite interval such as ''10 minutes'' (NULL for none)', col USING ERRCODE = '22023';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Named to fire before job_validate (triggers fire in name order).
CREATE TRIGGER job_check_times BEFORE INSERT OR UPDATE OF run_after, start_at, end_at, dates,
    max_run_time, max_wait, retry_backoff, retry_backoff_max
  ON edgecron.job FOR EACH ROW EXECUTE FUNCTION edgecron.job_check_times();
--> statement-breakpoint
REVOKE ALL ON FUNCTION edgecron.job_check_times() FROM PUBLIC;
--> statement-breakpoint

-- 8. Before a role goes ----------------------------------------------------------------------
-- owner and run_as are role names: DROP ROLE does not know about jobs, and a role created later
-- under the same name (or given it by ALTER ROLE … RENAME) would own them and read their runs.
-- Before dropping or renaming a role, the DBA moves its jobs to another role or deletes them.
-- For the table owner or a superuser (not granted to schedulers).

-- Moves every job owned by `from_role` to `to_role`, and those that run as it; its runs follow
-- (their results become to_role's to read). The usual checks apply to the new owner. `from_role`
-- need not exist any more. Returns how many jobs changed.
CREATE FUNCTION edgecron.reassign_jobs(from_role text, to_role text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  moved bigint;
  run_as_moved bigint;
BEGIN
  IF to_regrole(quote_ident(to_role)) IS NULL THEN
    RAISE EXCEPTION 'to_role: role "%" does not exist', to_role USING ERRCODE = '42704';
  END IF;
  UPDATE edgecron.job j
     SET owner = CASE WHEN j.owner = from_role THEN to_role ELSE j.owner END,
         run_as = CASE WHEN j.run_as = from_role THEN to_role ELSE j.run_as END
   WHERE j.owner = from_role OR j.run_as = from_role;
  GET DIAGNOSTICS moved = ROW_COUNT;
  UPDATE edgecron.run r SET owner = to_role WHERE r.owner = from_role;
  RETURN moved;
END
$$;
--> statement-breakpoint
-- Deletes every job owned by `role_name`, with its runs, and the runs it still owns of jobs that
-- moved to other roles; disables other roles' jobs that run as it (they would break). Returns
-- how many jobs were deleted. `role_name` need not exist any more.
CREATE FUNCTION edgecron.drop_jobs(role_name text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, edgecron, pg_temp AS $$
DECLARE
  dropped bigint;
BEGIN
  DELETE FROM edgecron.job j WHERE j.owner = role_name;
  GET DIAGNOSTICS dropped = ROW_COUNT;
  DELETE FROM edgecron.run r WHERE r.owner = role_name AND r.finished_at IS NOT NULL;
  UPDATE edgecron.job j SET enabled = false WHERE j.run_as = role_name AND j.enabled;
  RETURN dropped;
END
$$;
--> statement-breakpoint
-- Not granted to schedulers: functions are executable by PUBLIC by default.
REVOKE ALL ON FUNCTION edgecron.reassign_jobs(text, text), edgecron.drop_jobs(text) FROM PUBLIC;
--> statement-breakpoint
