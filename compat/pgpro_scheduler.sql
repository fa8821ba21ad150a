-- edgecron compatibility pack for pgpro_scheduler 2.x (docs/compat/pgpro_scheduler.md).
-- Installed with `npm run compat -- pgpro_scheduler`, after edgecron's migrations; re-running
-- it is harmless.
--
-- Schema `schedule` with pgpro_scheduler's functions, types and views over edgecron's tables:
-- a "cron job" is a recurring edgecron job, an "at job" (submit_job) a one-time one, the log is
-- edgecron.run. Every function calls edgecron's own SQL interface; nothing here schedules or
-- runs anything.
--
-- The pack shows and manages only the jobs it made (edgecron_compat.job_pack, compat/base.sql):
-- get_cron(), get_log(), job_status, clean_log() … list and touch no job of another pack, nor
-- one made with edgecron's own interface.
--
-- Security: pgpro_scheduler's functions are SECURITY DEFINER and, in 2.1, let any user run a
-- job as any existing role (`run_as` is only checked for existence). Here every function is
-- SECURITY INVOKER and every view security_invoker: `run_as` must be a role the owner (and the
-- caller) is a member of, as everywhere in edgecron, and row security shows a role its own jobs.

DO $$
BEGIN
  IF to_regclass('drizzle.__edgecron_migrations') IS NULL OR to_regprocedure('edgecron.create_job(jsonb)') IS NULL THEN
    RAISE EXCEPTION 'pgpro_scheduler pack: edgecron''s migrations are not applied to this database; run npm run migrate first';
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pgpro_scheduler') THEN
    RAISE EXCEPTION 'pgpro_scheduler pack: the pgpro_scheduler extension is installed in this database and owns schema schedule'
      USING HINT = 'Export its jobs (schedule.get_cron()), DROP EXTENSION pgpro_scheduler, install the pack and create them again: docs/compat/pgpro_scheduler.md.';
  END IF;
END
$$;

-- Installed before edgecron_compat.job_pack existed, the pack listed every recurring and every
-- one-time job. The ones it made: recurring jobs with a rule, dates, or cron text matched on
-- both day fields (day_match 'all', which it sets), and one-time jobs without an interval
-- expression (hg_job's) or a queue (pg_task's and QSched's have one).
SELECT edgecron_compat.adopt('pgpro_scheduler', to_regprocedure('schedule.create_job(jsonb)') IS NOT NULL,
  ARRAY(SELECT j.id FROM edgecron.job j
         WHERE NOT EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = j.id)
           AND CASE WHEN j.kind = 'recurring' THEN j.rule IS NOT NULL OR j.dates IS NOT NULL OR j.day_match = 'all'
                    ELSE j.interval_expression IS NULL AND j.queue IS NULL END));

CREATE SCHEMA IF NOT EXISTS schedule;
REVOKE ALL ON SCHEMA schedule FROM PUBLIC;
GRANT USAGE ON SCHEMA schedule TO edgecron_user;

-- pgpro_scheduler's types, as its 2.1 SQL defines them.
DO $$
BEGIN
  IF to_regtype('schedule.job_status_t') IS NULL THEN
    CREATE TYPE schedule.job_status_t AS ENUM ('working', 'done', 'error');
  END IF;
  IF to_regtype('schedule.job_at_status_t') IS NULL THEN
    CREATE TYPE schedule.job_at_status_t AS ENUM ('submitted', 'processing', 'done');
  END IF;
  IF to_regtype('schedule.cron_rec') IS NULL THEN
    CREATE TYPE schedule.cron_rec AS (
      id integer, node text, name text, comments text, rule jsonb, commands text[], run_as text, owner text,
      start_date timestamptz, end_date timestamptz, use_same_transaction boolean,
      last_start_available interval, max_run_time interval, onrollback text, max_instances int,
      next_time_statement text, active boolean, broken boolean);
  END IF;
  IF to_regtype('schedule.cron_job') IS NULL THEN
    CREATE TYPE schedule.cron_job AS (
      cron integer, node text, scheduled_at timestamptz, name text, comments text, commands text[], run_as text,
      owner text, use_same_transaction boolean, started timestamptz, last_start_available timestamptz,
      finished timestamptz, max_run_time interval, onrollback text, next_time_statement text, max_instances int,
      status schedule.job_status_t, message text);
  END IF;
END
$$;

-- pgpro refuses cron text it cannot parse when the job is created (cron2jsontext raises): so
-- does the pack, with pgpro's message for the mistake and the whole story in the detail. What
-- edgecron reads beyond pgpro's dialect (6 fields, L, #, W, $, macros) is accepted.
CREATE OR REPLACE FUNCTION schedule._check_cron(cron text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  problem jsonb := edgecron_compat.schedule_problem(cron);
  kind text := problem ->> 'kind';
  v numeric := (problem ->> 'value')::numeric;
BEGIN
  IF problem IS NULL THEN
    RETURN;
  END IF;
  RAISE EXCEPTION '%', CASE
      WHEN kind = 'range' THEN format('%s is out of range (%s)', v, CASE WHEN v = 0 THEN 11 ELSE 12 END)
      WHEN kind = 'reversed' THEN format('bad  range: %s - %s (2)', problem ->> 'low', problem ->> 'high')
      WHEN kind = 'step' AND v = 0 THEN format('period must be greater than zero: %s (6)', problem ->> 'token')
      WHEN kind = 'step' THEN format('wrong period format: %s (10)', problem ->> 'token')
      WHEN kind IN ('token', 'list') THEN format('the %s should be digit (44)', problem ->> 'token')
      ELSE 'cron string wrong format (55)' END
    USING ERRCODE = '22023', DETAIL = problem ->> 'message';
END
$$;

-- A cron field's values (pgpro's dialect: numbers, names, *, lists, ranges, steps), sorted.
CREATE OR REPLACE FUNCTION schedule._cron_values(field text, lo int, hi int, names text[]) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  values_found int[] := '{}';
  item text;
  base text;
  step int;
  low int;
  high int;
BEGIN
  FOREACH item IN ARRAY string_to_array(upper(field), ',') LOOP
    base := split_part(item, '/', 1);
    step := coalesce(nullif(split_part(item, '/', 2), '')::int, 1);
    IF base = '*' THEN
      low := lo;
      high := hi;
    ELSE
      low := CASE WHEN split_part(base, '-', 1) ~ '^\d+$' THEN split_part(base, '-', 1)::int
                  ELSE array_position(names, split_part(base, '-', 1)) - 1 + lo END;
      high := CASE WHEN strpos(base, '-') = 0 THEN CASE WHEN strpos(item, '/') > 0 THEN hi ELSE low END
                   WHEN split_part(base, '-', 2) ~ '^\d+$' THEN split_part(base, '-', 2)::int
                   ELSE array_position(names, split_part(base, '-', 2)) - 1 + lo END;
    END IF;
    values_found := values_found || ARRAY(SELECT g FROM generate_series(low, high, step) AS g);
  END LOOP;
  -- 7 is Sunday too.
  RETURN ARRAY(SELECT DISTINCT CASE WHEN hi = 6 AND v = 7 THEN 0 ELSE v END AS w FROM unnest(values_found) AS v ORDER BY w);
END
$$;

-- pgpro's cron2jsontext: cron text as its JSON rule, {"crontab": …, "minutes": […], "hours": […],
-- "days": […], "months": […], "wdays": […]} (or "onstart": 1 for @reboot), in pgpro's layout.
-- It takes text: an SQL function cannot take pgpro's cstring, and a quoted literal is text.
-- Text pgpro's dialect has no JSON for (6 fields, L, #, W, $, ?, macros) is refused.
CREATE OR REPLACE FUNCTION schedule.cron2jsontext(cron text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  months constant text[] := ARRAY['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  days constant text[] := ARRAY['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  f text[] := regexp_split_to_array(btrim(cron), '\s+');
  problem jsonb;
  list text := '';
  i int;
BEGIN
  IF cron = '@reboot' THEN
    RETURN format('{ "crontab": %s, "onstart": 1}', to_json(cron));
  END IF;
  IF cardinality(f) <> 5 THEN
    RAISE EXCEPTION 'cron string wrong format (55)' USING ERRCODE = '22023',
      DETAIL = format('expected 5 fields (minute hour day-of-month month day-of-week), got %s in "%s"', cardinality(f), cron);
  END IF;
  problem := edgecron_compat.cron_problem(cron);
  IF problem IS NOT NULL THEN
    PERFORM schedule._check_cron(cron);
  END IF;
  FOR i IN 1..5 LOOP
    IF regexp_replace(upper(f[i]), CASE i WHEN 4 THEN array_to_string(months, '|') WHEN 5 THEN array_to_string(days, '|') ELSE '^$' END, '', 'g')
       ~ '[?#$LW]' THEN
      RAISE EXCEPTION 'the % should be digit (44)', f[i] USING ERRCODE = '22023',
        DETAIL = format('"%s" in "%s" is cron syntax pgpro_scheduler''s rules cannot hold (?, #, $, L, W)', f[i], cron);
    END IF;
  END LOOP;
  FOR i IN 1..5 LOOP
    list := list || format(', "%s": [%s]', (ARRAY['minutes', 'hours', 'days', 'months', 'wdays'])[i],
      array_to_string(schedule._cron_values(f[i], (ARRAY[0, 0, 1, 1, 0])[i], (ARRAY[59, 23, 31, 12, 6])[i],
                                            CASE i WHEN 4 THEN months WHEN 5 THEN days END), ','));
  END LOOP;
  RETURN format('{ "crontab": %s%s}', to_json(cron), list);
END
$$;

-- pgpro's schedule.nodename(): the node this scheduler serves. edgecron has one per database,
-- and every job's node is 'master', pgpro's default.
CREATE OR REPLACE FUNCTION schedule.nodename() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT 'master'::text
$$;

-- pgpro_scheduler's create_job keys → edgecron's job keys (docs/job-keys.md). What pgpro
-- accepts and edgecron reads otherwise:
--   command and commands may each be a string or an array, and both may be given: they are
--   joined into one list; `date` and `dates` likewise. `cron` text is matched as pgpro matches
--   it, day of month AND day of week (day_match all). `node` names a pgpro scheduler instance:
--   edgecron has one per database, so it is ignored. `comments` goes to comments (pgpro 2.1
--   wrote it over the name). max_instances below 1 means 1. A string "true" or "2" is read as
--   pgpro reads it. In `alter` mode, pgpro's "null" or "" string resets a key.
-- Keys neither pgpro nor edgecron knows raise pgpro's WARNING and are dropped; edgecron's own
-- keys (timezone, retry, overlap …) pass through.
CREATE OR REPLACE FUNCTION schedule._job_keys(params jsonb, mode text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  pgpro_keys constant text[] := ARRAY['name', 'node', 'comments', 'cron', 'rule', 'command', 'commands', 'run_as',
    'start_date', 'end_date', 'date', 'dates', 'use_same_transaction', 'last_start_available', 'max_run_time',
    'max_instances', 'onrollback', 'next_time_statement'];
  resettable constant text[] := ARRAY['start_date', 'end_date', 'name', 'comments', 'max_run_time', 'onrollback',
    'next_time_statement', 'last_start_available'];
  keys jsonb := '{}';
  excess text[];
  list jsonb;
  k text;
  v jsonb;
  whens text[];
BEGIN
  IF params IS NULL OR jsonb_typeof(params) <> 'object' THEN
    RAISE EXCEPTION 'job attributes must be a JSON object, got %', coalesce(params::text, 'NULL') USING ERRCODE = '22023';
  END IF;
  SELECT array_agg(p ORDER BY p) INTO excess FROM jsonb_object_keys(params) AS p
   WHERE p <> ALL (pgpro_keys) AND NOT EXISTS (SELECT FROM edgecron._job_keys() e WHERE e.key = p AND strpos(e.modes, 'c') > 0);
  IF excess IS NOT NULL THEN
    RAISE WARNING 'You used excess keys in params: %.', array_to_string(excess, ', ');
  END IF;

  FOR k, v IN SELECT e.key, e.value FROM jsonb_each(params) AS e
               WHERE e.key <> ALL (coalesce(excess, '{}')) AND e.key NOT IN ('node', 'command', 'commands', 'date', 'dates') LOOP
    IF mode = 'alter' AND k = ANY (resettable) AND jsonb_typeof(v) = 'string' AND (lower(v #>> '{}') = 'null' OR v #>> '{}' = '') THEN
      v := 'null';
    ELSIF k = 'use_same_transaction' AND jsonb_typeof(v) = 'string' THEN
      v := to_jsonb((v #>> '{}')::boolean);
    ELSIF k = 'max_instances' THEN
      IF jsonb_typeof(v) = 'string' THEN v := to_jsonb((v #>> '{}')::int); END IF;
      CONTINUE WHEN jsonb_typeof(v) <> 'number' OR v::numeric < 1;
    ELSIF k = 'run_as' AND v #>> '{}' = current_user::text THEN
      CONTINUE;
    END IF;
    keys := keys || jsonb_build_object(k, v);
  END LOOP;

  -- What runs: command and commands, strings or arrays, one list.
  IF params ? 'command' OR params ? 'commands' THEN
    SELECT coalesce(jsonb_agg(c), '[]') INTO list FROM (
      SELECT e AS c FROM jsonb_array_elements(CASE jsonb_typeof(params -> 'command') WHEN 'array' THEN params -> 'command'
                                                  WHEN 'string' THEN jsonb_build_array(params -> 'command') ELSE '[]' END) AS e
      UNION ALL
      SELECT e FROM jsonb_array_elements(CASE jsonb_typeof(params -> 'commands') WHEN 'array' THEN params -> 'commands'
                                             WHEN 'string' THEN jsonb_build_array(params -> 'commands') ELSE '[]' END) AS e) AS l;
    keys := keys || CASE WHEN jsonb_array_length(list) = 1 THEN jsonb_build_object('command', list -> 0)
                         ELSE jsonb_build_object('commands', list) END;
  END IF;

  -- When: pgpro merges cron, rule and dates into one rule; an edgecron job has one of them.
  IF params ? 'date' OR params ? 'dates' THEN
    SELECT coalesce(jsonb_agg(d), '[]') INTO list FROM (
      SELECT e AS d FROM jsonb_array_elements(CASE jsonb_typeof(params -> 'date') WHEN 'array' THEN params -> 'date'
                                                  WHEN 'string' THEN jsonb_build_array(params -> 'date') ELSE '[]' END) AS e
      UNION ALL
      SELECT e FROM jsonb_array_elements(CASE jsonb_typeof(params -> 'dates') WHEN 'array' THEN params -> 'dates'
                                             WHEN 'string' THEN jsonb_build_array(params -> 'dates') ELSE '[]' END) AS e) AS l;
    keys := keys || jsonb_build_object('dates', list);
  END IF;
  -- pgpro runs a job at the times of its cron (or, without one, its rule) and also at its
  -- dates. An edgecron job has one schedule (src/schedule takes exactly one of cron text, rule
  -- or dates), so a mix is refused rather than half kept.
  SELECT array_agg(w ORDER BY o) INTO whens FROM unnest(ARRAY['cron', 'rule', 'dates', 'schedule']) WITH ORDINALITY AS u(w, o)
   WHERE keys ? w AND jsonb_typeof(keys -> w) <> 'null';
  IF cardinality(whens) > 1 THEN
    RAISE EXCEPTION '%: cannot be combined with %; an edgecron job has one schedule', whens[2], whens[1]
      USING ERRCODE = '22023',
            DETAIL = 'pgpro_scheduler fires such a job at its cron (or rule) times and at its dates; edgecron keeps one schedule per job: cron text, a rule or a list of dates.',
            HINT = 'Make one job per schedule with the same commands, or write the times as one rule.';
  END IF;
  IF jsonb_typeof(keys -> 'cron') = 'string' THEN
    PERFORM schedule._check_cron(keys ->> 'cron');
  END IF;
  IF keys ? 'cron' AND NOT keys ? 'day_match' THEN
    keys := keys || '{"day_match": "all"}';
  END IF;
  RETURN keys;
END
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(params jsonb) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron_compat.claim(edgecron.create_job(schedule._job_keys(params, 'create')), 'pgpro_scheduler')::integer
$$;

-- A job the pack made (P0002 for any other: pgpro's functions see only their own jobs).
CREATE OR REPLACE FUNCTION schedule._job(job_id bigint) RETURNS edgecron.job
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  j edgecron.job;
BEGIN
  SELECT x.* INTO j FROM edgecron.job x WHERE x.id = _job.job_id AND edgecron_compat.made_by(x.id, 'pgpro_scheduler');
  IF NOT FOUND THEN
    RAISE EXCEPTION 'there is no such job with id %', job_id USING ERRCODE = 'P0002';
  END IF;
  RETURN j;
END
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(cron text, command text, node text DEFAULT NULL) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT schedule.create_job(jsonb_build_object('cron', cron, 'command', command))
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(cron text, commands text[], node text DEFAULT NULL) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT schedule.create_job(jsonb_build_object('cron', cron, 'commands', to_jsonb(commands)))
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(dt timestamptz, command text, node text DEFAULT NULL) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT schedule.create_job(jsonb_build_object('date', dt, 'command', command))
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(dt timestamptz, commands text[], node text DEFAULT NULL) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT schedule.create_job(jsonb_build_object('date', dt, 'commands', to_jsonb(commands)))
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(dts timestamptz[], command text, node text DEFAULT NULL) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT schedule.create_job(jsonb_build_object('dates', to_jsonb(dts), 'command', command))
$$;

CREATE OR REPLACE FUNCTION schedule.create_job(dts timestamptz[], commands text[], node text DEFAULT NULL) RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT schedule.create_job(jsonb_build_object('dates', to_jsonb(dts), 'commands', to_jsonb(commands)))
$$;

-- A new cron, rule or date replaces the job's schedule (pgpro merged a new cron into the old
-- rule). False when no attribute was given.
CREATE OR REPLACE FUNCTION schedule.set_job_attributes(jobId integer, attrs jsonb) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  keys jsonb;
BEGIN
  PERFORM schedule._job(jobId);
  keys := schedule._job_keys(attrs, 'alter');
  IF keys = '{}' THEN
    RETURN false;
  END IF;
  PERFORM edgecron.alter_job(jobId, keys);
  RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION schedule.set_job_attribute(jobId integer, name text, value jsonb) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF name <> 'rule' THEN
    RAISE EXCEPTION 'key % cannot have a jsonb value. Only "rule" allowed', name USING ERRCODE = '22023';
  END IF;
  RETURN schedule.set_job_attributes(jobId, jsonb_build_object(name, value));
END
$$;

CREATE OR REPLACE FUNCTION schedule.set_job_attribute(jobId integer, name text, value anyarray) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF name <> 'dates' AND name <> 'commands' THEN
    RAISE EXCEPTION 'key % cannot have an array value. Only dates, commands allowed', name USING ERRCODE = '22023';
  END IF;
  RETURN schedule.set_job_attributes(jobId, jsonb_build_object(name, array_to_json(value)));
END
$$;

CREATE OR REPLACE FUNCTION schedule.set_job_attribute(jobId integer, name text, value text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN schedule.set_job_attributes(jobId, CASE
    WHEN name IN ('dates', 'commands') THEN jsonb_build_object(name, to_jsonb(value::text[]))
    WHEN name = 'rule' THEN jsonb_build_object(name, value::jsonb)
    ELSE jsonb_build_object(name, value) END);
END
$$;

CREATE OR REPLACE FUNCTION schedule.activate_job(jobId integer) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._job(jobId);
  PERFORM edgecron.enable_job(jobId);
  RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION schedule.deactivate_job(jobId integer) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._job(jobId);
  PERFORM edgecron.disable_job(jobId);
  RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION schedule.drop_job(jobId integer) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._job(jobId);
  RETURN edgecron.unschedule(jobId::bigint);
END
$$;

-- A job as pgpro's cron_rec. `rule` is the job's rule, or {"crontab": …} for cron text,
-- {"dates": […]} for dates (pgpro also expanded a crontab into minutes, hours … arrays).
CREATE OR REPLACE FUNCTION schedule._cron_rec(j edgecron.job) RETURNS schedule.cron_rec
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT ROW(j.id::integer, 'master', j.name, j.comments,
             coalesce(j.rule, CASE WHEN j.schedule IS NOT NULL THEN jsonb_build_object('crontab', j.schedule)
                                   WHEN j.dates IS NOT NULL THEN jsonb_build_object('dates', to_jsonb(j.dates)) END),
             coalesce(j.commands, ARRAY[j.command]), coalesce(j.run_as, j.owner), j.owner, j.start_at, j.end_at,
             j.use_same_transaction, j.max_wait, j.max_run_time, j.fallback, j.max_instances,
             j.next_time_statement, j.enabled, j.state = 'broken')::schedule.cron_rec
$$;

-- A run of a recurring job as pgpro's cron_job: working while queued or running, then done
-- (succeeded) or error (every other end, with edgecron's error message or reason).
CREATE OR REPLACE FUNCTION schedule._cron_job(j edgecron.job, r edgecron.run) RETURNS schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT ROW(j.id::integer, 'master', r.scheduled_for, j.name, j.comments, coalesce(j.commands, ARRAY[j.command]),
             coalesce(r.role, j.run_as, j.owner), j.owner, j.use_same_transaction, r.started_at, r.not_after,
             r.finished_at, j.max_run_time, j.fallback, j.next_time_statement, j.max_instances,
             (CASE WHEN r.status IN ('queued', 'running') THEN 'working' WHEN r.status = 'succeeded' THEN 'done'
                   ELSE 'error' END)::schedule.job_status_t,
             CASE WHEN r.status NOT IN ('queued', 'running', 'succeeded')
                  THEN coalesce(r.error ->> 'message', r.reason) END)::schedule.cron_job
$$;

-- pgpro lets only superusers look at other roles' jobs; here, edgecron_admin.
CREATE OR REPLACE FUNCTION schedule._only_admin(usename text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF usename IS DISTINCT FROM current_user::text AND NOT edgecron._is_admin() THEN
    RAISE EXCEPTION 'access denied' USING ERRCODE = '42501',
      DETAIL = 'Only members of edgecron_admin see other roles'' jobs.';
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION schedule.get_job(jobId int) RETURNS schedule.cron_rec
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN schedule._cron_rec(schedule._job(jobId));
END
$$;

CREATE OR REPLACE FUNCTION schedule.get_cron() RETURNS SETOF schedule.cron_rec
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._only_admin();
  RETURN QUERY SELECT (schedule._cron_rec(j)).* FROM edgecron.job j
                WHERE j.kind = 'recurring' AND edgecron_compat.made_by(j.id, 'pgpro_scheduler') ORDER BY j.id;
END
$$;

CREATE OR REPLACE FUNCTION schedule.get_owned_cron(usename text) RETURNS SETOF schedule.cron_rec
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._only_admin(usename);
  RETURN QUERY SELECT (schedule._cron_rec(j)).* FROM edgecron.job j
                WHERE j.kind = 'recurring' AND j.owner = usename AND edgecron_compat.made_by(j.id, 'pgpro_scheduler') ORDER BY j.id;
END
$$;

CREATE OR REPLACE FUNCTION schedule.get_owned_cron() RETURNS SETOF schedule.cron_rec
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule.get_owned_cron(current_user::text)
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_owned_cron() RETURNS SETOF schedule.cron_rec
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule.get_owned_cron(current_user::text)
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_owned_cron(usename text) RETURNS SETOF schedule.cron_rec
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule.get_owned_cron(usename)
$$;

-- The jobs that run as the role (its run_as, or its owner when it has none).
CREATE OR REPLACE FUNCTION schedule.get_user_cron(usename text) RETURNS SETOF schedule.cron_rec
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._only_admin(usename);
  RETURN QUERY SELECT (schedule._cron_rec(j)).* FROM edgecron.job j
                WHERE j.kind = 'recurring' AND coalesce(j.run_as, j.owner) = usename AND edgecron_compat.made_by(j.id, 'pgpro_scheduler') ORDER BY j.id;
END
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_cron() RETURNS SETOF schedule.cron_rec
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule.get_user_cron(current_user::text)
$$;

-- Running jobs: the runs of recurring jobs in flight. usename NULL: every role's (admin).
CREATE OR REPLACE FUNCTION schedule._runs(usename text, finished boolean) RETURNS SETOF schedule.cron_job
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._only_admin(usename);
  RETURN QUERY
    SELECT (schedule._cron_job(j, r)).*
      FROM edgecron.run r JOIN edgecron.job j ON j.id = r.job_id
     WHERE j.kind = 'recurring' AND edgecron_compat.made_by(j.id, 'pgpro_scheduler')
       AND (usename IS NULL OR coalesce(r.role, j.run_as, j.owner) = usename)
       AND CASE WHEN finished THEN r.finished_at IS NOT NULL ELSE r.status = 'running' END
     ORDER BY r.id;
END
$$;

CREATE OR REPLACE FUNCTION schedule.get_active_jobs() RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(NULL, false)
$$;

CREATE OR REPLACE FUNCTION schedule.get_active_jobs(usename text) RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(usename, false)
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_active_jobs() RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(current_user::text, false)
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_active_jobs(usename text) RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(usename, false)
$$;

-- The log: finished runs of recurring jobs (pgpro does not log submit_job jobs either).
CREATE OR REPLACE FUNCTION schedule.get_log() RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(NULL, true)
$$;

CREATE OR REPLACE FUNCTION schedule.get_log(usename text) RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(usename, true)
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_log() RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(current_user::text, true)
$$;

CREATE OR REPLACE FUNCTION schedule.get_user_log(usename text) RETURNS SETOF schedule.cron_job
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM schedule._runs(usename, true)
$$;

-- Empties the log (edgecron_admin; pgpro: superuser): every finished run of a recurring job
-- the pack made. Other packs' history (cron.job_run_details, qsched_my_log) stays.
CREATE OR REPLACE FUNCTION schedule.clean_log() RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM schedule._only_admin();
  -- Schedulers delete runs only through edgecron.delete_runs (no DELETE on edgecron.run).
  RETURN edgecron.delete_runs(run_ids => ARRAY(
    SELECT r.id FROM edgecron.run r
     WHERE r.finished_at IS NOT NULL
       AND EXISTS (SELECT FROM edgecron.job j WHERE j.id = r.job_id AND j.kind = 'recurring'
                                               AND edgecron_compat.made_by(j.id, 'pgpro_scheduler'))));
END
$$;

-- One-time ("at") jobs. `node` is accepted and ignored; run_as is checked (see the header).
CREATE OR REPLACE FUNCTION schedule.submit_job(
  query text, params text[] DEFAULT NULL, run_after timestamptz DEFAULT NULL, node text DEFAULT NULL,
  max_duration interval DEFAULT NULL, max_wait_interval interval DEFAULT NULL, run_as text DEFAULT NULL,
  depends_on bigint[] DEFAULT NULL, name text DEFAULT NULL, comments text DEFAULT NULL,
  resubmit_limit bigint DEFAULT 100) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF query IS NULL THEN
    RAISE EXCEPTION 'there is no ''query'' parameter' USING ERRCODE = '22023';
  END IF;
  RETURN edgecron_compat.claim(
    edgecron.submit_job(query, params, run_after, max_duration, max_wait_interval,
                        nullif(run_as, current_user::text), depends_on, name, comments, resubmit_limit),
    'pgpro_scheduler');
END
$$;

-- True if the job was canceled; false if there is no such job of yours (pgpro's answer).
CREATE OR REPLACE FUNCTION schedule.cancel_job(job_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT edgecron_compat.made_by(job_id, 'pgpro_scheduler') THEN
    RETURN false;
  END IF;
  RETURN edgecron.cancel_job(job_id);
EXCEPTION WHEN no_data_found THEN
  RETURN false;
END
$$;

CREATE OR REPLACE FUNCTION schedule.resubmit(run_after interval DEFAULT NULL) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron.resubmit(run_after)
$$;

CREATE OR REPLACE FUNCTION schedule.get_self_id() RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT edgecron.get_self_id()
$$;

-- The pack's one-time jobs with pgpro's at-job columns (run_after: now when none was given, as pgpro sets
-- it, NULL for a job waiting on depends_on). status: processing while a run is in flight, done
-- once the job is done (or broken), submitted before; is_success, error and done_time describe
-- the latest run of a done job. attempt counts resubmits.
CREATE OR REPLACE VIEW schedule.all_job_status WITH (security_invoker = true) AS
SELECT j.id, 'master'::text AS node, j.name, j.comments,
       CASE WHEN j.depends_on IS NULL THEN coalesce(j.run_after, j.created_at) END AS run_after, coalesce(j.command, array_to_string(j.commands, '; ')) AS query,
       CASE WHEN j.params IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(j.params)) END AS params,
       j.depends_on, coalesce(j.run_as, j.owner) AS run_as, j.owner, j.resubmit_count::bigint AS attempt,
       j.resubmit_limit::bigint AS resubmit_limit, j.max_wait AS max_wait_interval, j.max_run_time AS max_duration,
       j.created_at AS submit_time, coalesce(last.status = 'canceled', false) AS canceled, last.started_at AS start_time,
       CASE WHEN done.yes THEN last.status = 'succeeded' END AS is_success,
       CASE WHEN done.yes AND last.status <> 'succeeded' THEN coalesce(last.error ->> 'message', last.reason, j.broken_reason) END AS error,
       CASE WHEN done.yes THEN last.finished_at END AS done_time,
       (CASE WHEN last.status = 'running' THEN 'processing' WHEN done.yes THEN 'done' ELSE 'submitted' END)::schedule.job_at_status_t AS status
  FROM edgecron.job j
  LEFT JOIN LATERAL (SELECT r.status, r.started_at, r.finished_at, r.error, r.reason
                       FROM edgecron.run r WHERE r.job_id = j.id ORDER BY r.id DESC LIMIT 1) AS last ON true
  CROSS JOIN LATERAL (SELECT j.state IN ('done', 'broken') AND coalesce(last.status NOT IN ('queued', 'running'), true) AS yes) AS done
 WHERE j.kind = 'one_time' AND edgecron_compat.made_by(j.id, 'pgpro_scheduler');

CREATE OR REPLACE VIEW schedule.job_status WITH (security_invoker = true) AS
SELECT id, node, name, comments, run_after, query, params, depends_on, run_as, attempt, resubmit_limit,
       max_wait_interval, max_duration, submit_time, canceled, start_time, is_success, error, done_time, status
  FROM schedule.all_job_status
 WHERE owner = current_user;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA schedule FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA schedule TO edgecron_user;
REVOKE ALL ON schedule.job_status, schedule.all_job_status FROM PUBLIC;
-- all_job_status shows an admin every role's jobs and anyone else their own (row security);
-- pgpro keeps it to superusers.
GRANT SELECT ON schedule.job_status, schedule.all_job_status TO edgecron_user;
