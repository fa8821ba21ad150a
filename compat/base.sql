-- What the compatibility packs share (docs/compat/README.md). scripts/compat.ts applies this
-- file before each pack, in that pack's transaction; re-running it is harmless.
--
-- Schema edgecron_compat holds:
--   job_pack        which pack made each job. A pack shows and manages only the jobs it made:
--                   pg_cron's purge of cron.job_run_details never reaches a QSched schedule's
--                   history, pgpro's clean_log() never a pg_cron job's. Jobs made with
--                   edgecron's own interface belong to no pack (edgecron.my_jobs shows them).
--   pack            the packs installed since job_pack exists: a pack installed before it
--                   adopts its jobs once, when it is installed again (see each pack's header).
--   schedule_problem(text)
--                   what SQL can tell of schedule text at call time (field count, characters,
--                   ranges, names, macros, intervals), so pg_cron's cron.schedule('61 * * * *')
--                   and pgpro's create_job('bogus', …) fail when called, as theirs do, instead
--                   of making a job the master then breaks. The master's parser (src/schedule)
--                   stays the judge of the rest (a date that never comes, a time zone).
--
-- Security: SECURITY INVOKER throughout; job_pack has the row security of the jobs it names.

DO $$
BEGIN
  IF to_regclass('drizzle.__edgecron_migrations') IS NULL OR to_regprocedure('edgecron.create_job(jsonb)') IS NULL THEN
    RAISE EXCEPTION 'compatibility packs: edgecron''s migrations are not applied to this database; run npm run migrate first';
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS edgecron_compat;
REVOKE ALL ON SCHEMA edgecron_compat FROM PUBLIC;
GRANT USAGE ON SCHEMA edgecron_compat TO edgecron_user;

CREATE TABLE IF NOT EXISTS edgecron_compat.job_pack (
  job_id bigint PRIMARY KEY REFERENCES edgecron.job (id) ON DELETE CASCADE,
  pack text NOT NULL CHECK (pack IN ('pg_cron', 'pgpro_scheduler', 'pg_task', 'qsched', 'hg_job'))
);
CREATE INDEX IF NOT EXISTS job_pack_pack_idx ON edgecron_compat.job_pack (pack, job_id);
ALTER TABLE edgecron_compat.job_pack ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS job_pack_of_visible_job ON edgecron_compat.job_pack;
-- Visible, and insertable, exactly when the job is (edgecron.job's row security). No UPDATE or
-- DELETE grant: a job never moves to another pack; the row goes with the job.
CREATE POLICY job_pack_of_visible_job ON edgecron_compat.job_pack TO edgecron_user
  USING (EXISTS (SELECT FROM edgecron.job j WHERE j.id = job_pack.job_id))
  WITH CHECK (EXISTS (SELECT FROM edgecron.job j WHERE j.id = job_pack.job_id));
REVOKE ALL ON edgecron_compat.job_pack FROM PUBLIC;
GRANT SELECT, INSERT ON edgecron_compat.job_pack TO edgecron_user;

CREATE TABLE IF NOT EXISTS edgecron_compat.pack (
  name text PRIMARY KEY,
  installed_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON edgecron_compat.pack FROM PUBLIC;

-- Records that `pack` made the job; returns the job's id.
CREATE OR REPLACE FUNCTION edgecron_compat.claim(job_id bigint, pack text) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO edgecron_compat.job_pack (job_id, pack) VALUES (claim.job_id, claim.pack) RETURNING job_pack.job_id
$$;

-- Whether `pack` made the job (and the caller can see it).
CREATE OR REPLACE FUNCTION edgecron_compat.made_by(job_id bigint, pack text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT FROM edgecron_compat.job_pack p WHERE p.job_id = made_by.job_id AND p.pack = made_by.pack)
$$;

-- A pack installed before job_pack existed made jobs that job_pack does not list: they are
-- adopted once, the first time the pack is installed with it (`candidates` are the jobs it
-- showed then, minus those another pack claims). True if this is that time.
CREATE OR REPLACE FUNCTION edgecron_compat.adopt(pack text, previously_installed boolean, candidates bigint[]) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT FROM edgecron_compat.pack p WHERE p.name = adopt.pack) THEN
    RETURN false;
  END IF;
  INSERT INTO edgecron_compat.pack (name) VALUES (adopt.pack);
  IF previously_installed THEN
    INSERT INTO edgecron_compat.job_pack (job_id, pack)
    SELECT DISTINCT c, adopt.pack FROM unnest(candidates) AS c
    ON CONFLICT (job_id) DO NOTHING;
  END IF;
  RETURN true;
END
$$;

-- User input in a message, as src/schedule/quote.ts shows it: cut at 100 characters ("…"), and
-- quoted and escaped as JSON (_quote) or bare for a number (_shown).
CREATE OR REPLACE FUNCTION edgecron_compat._shown(value text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN length(value) > 100 THEN left(value, 100) || '…' ELSE value END
$$;

CREATE OR REPLACE FUNCTION edgecron_compat._quote(value text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT to_json(edgecron_compat._shown(value))::text
$$;

-- One cron field, as src/schedule/parse-cron.ts reads it: NULL when it is well formed, else
-- {kind, field, token, value?, message} with parse-cron's words. kind: 'list', 'step',
-- 'range' (a number out of range; value), 'reversed' (low, high), 'token'.
CREATE OR REPLACE FUNCTION edgecron_compat._cron_field_problem(label text, field text, lo int, hi int, names text[], line text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  top int := CASE WHEN label = 'day-of-week' THEN 7 ELSE hi END;
  allowed text := CASE label
    WHEN 'day-of-month' THEN '1-31, L or $ (last day), L-n, LW, nW'
    WHEN 'month' THEN '1-12 or JAN-DEC'
    WHEN 'day-of-week' THEN '0-7 (0 and 7 are Sunday) or SUN-SAT, nL (last), n#k (k-th)'
    ELSE lo || '-' || hi END;
  tail text := ' in ' || edgecron_compat._quote(line);
  original text;
  item text;
  parts text[];
  base text;
  step text;
  bounds text[];
  tok text;
  low int;
  high int;
  m text[];
BEGIN
  IF '' = ANY (string_to_array(field, ',')) THEN
    RETURN jsonb_build_object('kind', 'list', 'field', label, 'token', field,
      'message', format('%s: empty list item in %s%s', label, edgecron_compat._quote(field), tail));
  END IF;
  FOREACH original IN ARRAY string_to_array(field, ',') LOOP
    -- ASCII letters only, as the master: no "frı" (dotless i) read as FRI.
    item := upper(original COLLATE "C");
    IF label = 'day-of-month' THEN
      CONTINUE WHEN item IN ('L', '$', 'LW');
      m := regexp_match(item, '^L-(\d+)$');
      IF m IS NOT NULL THEN
        CONTINUE WHEN m[1]::numeric <= 30;
        RETURN jsonb_build_object('kind', 'range', 'field', label, 'token', original, 'value', m[1]::numeric,
          'message', format('%s: %s counts back %s days; L-n takes n = 0-30%s',
                            label, edgecron_compat._quote(original), edgecron_compat._shown(m[1]), tail));
      END IF;
      m := regexp_match(item, '^(\d+)W$');
      IF m IS NOT NULL THEN
        CONTINUE WHEN m[1]::numeric BETWEEN 1 AND 31;
        RETURN jsonb_build_object('kind', 'range', 'field', label, 'token', original, 'value', m[1]::numeric,
          'message', format('%s: %s in %s is out of range 1-31%s',
                            label, edgecron_compat._shown(m[1]), edgecron_compat._quote(original), tail));
      END IF;
      IF item ~ '[LW$]' THEN
        RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
          'message', format('%s: %s is not allowed; use %s%s', label, edgecron_compat._quote(original), allowed, tail));
      END IF;
    ELSIF label = 'day-of-week' THEN
      IF item = 'L' THEN
        RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
          'message', format('%s: "L" needs a weekday before it, e.g. 5L or FRIL for the last Friday%s', label, tail));
      END IF;
      m := regexp_match(item, '^([0-7]|[A-Z]{3})L$');
      IF m IS NULL AND item LIKE '%#%' THEN
        m := regexp_match(item, '^([0-7]|[A-Z]{3})#(\d+)$');
        IF m IS NULL THEN
          RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
            'message', format('%s: %s is not allowed; n#k takes a weekday and k = 1-5, e.g. 1#2%s',
                              label, edgecron_compat._quote(original), tail));
        END IF;
      END IF;
      IF m IS NOT NULL THEN
        IF m[1] !~ '^\d$' AND NOT m[1] = ANY (names) THEN
          RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
            'message', format('%s: %s is not allowed; use %s%s', label, edgecron_compat._quote(original), allowed, tail));
        END IF;
        CONTINUE WHEN m[2] IS NULL OR m[2]::numeric BETWEEN 1 AND 5;
        RETURN jsonb_build_object('kind', 'range', 'field', label, 'token', original, 'value', m[2]::numeric,
          'message', format('%s: %s in %s is out of range 1-5 (a month has at most 5 of a weekday)%s',
                            label, edgecron_compat._shown(m[2]), edgecron_compat._quote(original), tail));
      END IF;
    END IF;

    parts := string_to_array(item, '/');
    IF cardinality(parts) > 2 THEN
      RETURN jsonb_build_object('kind', 'step', 'field', label, 'token', original,
        'message', format('%s: %s has more than one "/"%s', label, edgecron_compat._quote(original), tail));
    END IF;
    base := parts[1];
    step := parts[2];
    IF step IS NOT NULL THEN
      IF step !~ '^\d+$' THEN
        RETURN jsonb_build_object('kind', 'step', 'field', label, 'token', original,
          'message', format('%s: step %s in %s is not a whole number%s', label,
                            edgecron_compat._quote(split_part(original, '/', 2)), edgecron_compat._quote(original), tail));
      ELSIF step::numeric < 1 OR step::numeric > hi - lo + 1 THEN
        RETURN jsonb_build_object('kind', 'step', 'field', label, 'token', original, 'value', step::numeric,
          'message', format('%s: step %s in %s is out of range 1-%s%s', label,
                            edgecron_compat._shown(split_part(original, '/', 2)), edgecron_compat._quote(original), hi - lo + 1, tail));
      END IF;
    END IF;
    IF base IN ('*', '?') THEN
      IF base = '?' AND label NOT IN ('day-of-month', 'day-of-week') THEN
        RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
          'message', format('%s: "?" is only allowed in day-of-month and day-of-week%s', label, tail));
      ELSIF base = '?' AND step IS NOT NULL THEN
        RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
          'message', format('%s: %s puts a step on "?"; use %s%s', label, edgecron_compat._quote(original),
                            edgecron_compat._quote('*/' || split_part(original, '/', 2)), tail));
      END IF;
      CONTINUE;
    END IF;
    bounds := CASE WHEN strpos(base, '-') > 0 THEN string_to_array(base, '-') ELSE ARRAY[base] END;
    IF cardinality(bounds) > 2 OR '' = ANY (bounds) THEN
      RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
        'message', format('%s: %s is not a range like 1-5%s', label, edgecron_compat._quote(original), tail));
    END IF;
    FOREACH tok IN ARRAY bounds LOOP
      IF tok ~ '^\d+$' THEN
        IF tok::numeric < lo OR tok::numeric > top THEN
          RETURN jsonb_build_object('kind', 'range', 'field', label, 'token', tok, 'value', tok::numeric,
            'message', format('%s: %s is out of range %s-%s%s', label, edgecron_compat._shown(tok), lo, top, tail));
        END IF;
      ELSIF NOT tok = ANY (coalesce(names, '{}')) THEN
        RETURN jsonb_build_object('kind', 'token', 'field', label, 'token', original,
          'message', format('%s: %s is not allowed; use %s%s', label, edgecron_compat._quote(original), allowed, tail));
      END IF;
    END LOOP;
    IF cardinality(bounds) = 2 THEN
      low := CASE WHEN bounds[1] ~ '^\d+$' THEN bounds[1]::int ELSE array_position(names, bounds[1]) - 1 + lo END;
      high := CASE WHEN bounds[2] ~ '^\d+$' THEN bounds[2]::int ELSE array_position(names, bounds[2]) - 1 + lo END;
      IF low > high THEN
        RETURN jsonb_build_object('kind', 'reversed', 'field', label, 'token', original, 'low', low, 'high', high,
          'message', format('%s: %s is a reversed range (%s > %s); write %s-%s,%s-%s%s',
                            label, edgecron_compat._shown(split_part(original, '/', 1)), low, high, low, top, lo, high, tail));
      END IF;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;

-- A cron line of 5 fields (minute first) or 6 (second first): NULL when every field is well
-- formed, else the first field's problem (see _cron_field_problem), or kind 'fields' for a
-- line of another length, worded as the master's schedule error.
CREATE OR REPLACE FUNCTION edgecron_compat.cron_problem(line text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  months constant text[] := ARRAY['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  days constant text[] := ARRAY['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  text_line text := btrim(regexp_replace(line, '\s+', ' ', 'g'));
  f text[] := CASE WHEN text_line = '' THEN '{}'::text[] ELSE string_to_array(text_line, ' ') END;
  off int;
  problem jsonb;
BEGIN
  IF cardinality(f) NOT IN (5, 6) THEN
    RETURN jsonb_build_object('kind', 'fields', 'token', text_line, 'value', cardinality(f),
      'message', format('schedule: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got %s in %s%s',
                        cardinality(f), edgecron_compat._quote(text_line),
                        CASE WHEN cardinality(f) = 7
                             THEN ': a 7th field (Quartz''s year) is not supported; limit the years with the validity window (start_date, end_date)'
                             ELSE '' END));
  END IF;
  off := cardinality(f) - 5;
  IF off = 1 THEN
    problem := edgecron_compat._cron_field_problem('second', f[1], 0, 59, NULL, text_line);
  END IF;
  problem := coalesce(problem,
    edgecron_compat._cron_field_problem('minute', f[1 + off], 0, 59, NULL, text_line),
    edgecron_compat._cron_field_problem('hour', f[2 + off], 0, 23, NULL, text_line),
    edgecron_compat._cron_field_problem('day-of-month', f[3 + off], 1, 31, NULL, text_line),
    edgecron_compat._cron_field_problem('month', f[4 + off], 1, 12, months, text_line),
    edgecron_compat._cron_field_problem('day-of-week', f[5 + off], 0, 6, days, text_line));
  RETURN problem;
END
$$;

-- As src/schedule/interval.ts's mentionsIntervalUnit: some word is an interval unit or a clock
-- time ('5 min', '1h30m', '02:00', 'ago'), so text of 5 to 7 words is an interval, not cron. A
-- bare 'mon' (Monday) and '15w' (the weekday nearest the 15th) are cron's.
CREATE OR REPLACE FUNCTION edgecron_compat._mentions_interval_unit(line text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (
    SELECT FROM regexp_split_to_table(lower(line), '\s+') AS w, LATERAL regexp_match(w, '^([\d.]*)([a-zµ]+)$') AS m
     WHERE w ~ '^\d+:\d' OR w = 'ago'
        OR (m IS NOT NULL AND NOT (m[1] = '' AND m[2] = 'mon') AND NOT (m[1] <> '' AND m[2] = 'w')
            AND m[2] ~ '^(mons?|months?|y|yrs?|years?|decades?|centurys?|centuries|millenniums?|millennia|us|usecs?|microseconds?|microsecs?|µs|ms|msecs?|milliseconds?|millisecs?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$'))
$$;

-- What is wrong with schedule text, as far as SQL can tell: NULL when it may be right, else
-- {kind, message, …} in src/schedule's words. Accepts what the master accepts: cron (5 or 6
-- fields; names, `?`, `L`, `W`, `#`, `$`), the macros, `@every`/`@after <interval>` and a bare
-- interval ('5 seconds'). It reads the text as parse-schedule.ts does: 5 to 7 words without an
-- interval unit are cron. kind: 'empty', 'macro', 'interval', 'syntax', or a cron_problem kind.
CREATE OR REPLACE FUNCTION edgecron_compat.schedule_problem(schedule text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  macros constant text[] := ARRAY['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly',
                                  '@reboot', '@restart', '@onstart'];
  macro_list constant text := '@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @reboot, @every <interval> or @after <interval>';
  line text := btrim(regexp_replace(coalesce(schedule, ''), '\s+', ' ', 'g'));
  words int;
  macro text;
  rest text;
  span interval;
  problem jsonb;
BEGIN
  IF line = '' THEN
    RETURN jsonb_build_object('kind', 'empty',
      'message', 'schedule: is empty; write a cron expression such as "*/5 * * * *", a macro such as @daily, or an interval such as ''5 minutes''');
  END IF;
  IF left(line, 1) = '@' THEN
    macro := lower(split_part(line, ' ', 1));
    rest := nullif(substr(line, length(macro) + 2), '');
    IF macro = ANY (macros) AND rest IS NULL THEN
      RETURN NULL;
    ELSIF macro = ANY (macros) THEN
      RETURN jsonb_build_object('kind', 'macro', 'token', macro,
        'message', format('schedule: %s takes nothing after it, got %s in %s', macro, edgecron_compat._quote(rest), edgecron_compat._quote(line)));
    ELSIF macro IN ('@every', '@after') AND rest IS NULL THEN
      RETURN jsonb_build_object('kind', 'interval', 'token', macro,
        'message', format('schedule: %s needs an interval, such as ''%s 5 minutes''', macro, macro));
    ELSIF macro NOT IN ('@every', '@after') THEN
      RETURN jsonb_build_object('kind', 'macro', 'token', macro,
        'message', format('schedule: unknown macro %s; use %s', edgecron_compat._quote(macro), macro_list));
    END IF;
    line := rest;
  ELSE
    words := cardinality(string_to_array(line, ' '));
    IF words BETWEEN 5 AND 7 AND NOT edgecron_compat._mentions_interval_unit(line) AND line !~* '^every\s' THEN
      -- Cron: no interval can be written without a unit (an ISO 'P…' has no spaces).
      RETURN edgecron_compat.cron_problem(line);
    END IF;
  END IF;

  -- An interval, as PostgreSQL reads one: close enough to the master's reading, which also
  -- needs a unit and takes none of cron's characters (PostgreSQL reads '61 * * * *', and '5').
  BEGIN
    IF line ~ '[*?,/#$]' OR line ~ '^[\d.]+$' THEN
      RAISE invalid_datetime_format;
    END IF;
    span := line::interval;
  EXCEPTION WHEN OTHERS THEN -- the cast's refusal, whatever its SQLSTATE
    IF macro IS NOT NULL OR (line ~ '^[\d.:]' AND line ~* '[a-z]') THEN
      RETURN jsonb_build_object('kind', 'interval', 'token', line,
        'message', format('%s: %s is not an interval such as ''5 minutes''', coalesce(macro, 'schedule'), edgecron_compat._quote(line)));
    ELSIF line ~ '^[0-9A-Za-z*?,/#$-]+( [0-9A-Za-z*?,/#$-]+)*$' AND line !~* '[a-z]{4,}' THEN
      -- Read as cron after all; the master then says it of the whole schedule.
      problem := edgecron_compat.cron_problem(line);
      IF problem IS NOT NULL THEN
        RETURN problem || jsonb_build_object('message', CASE WHEN problem ->> 'message' LIKE 'schedule: %' THEN problem ->> 'message'
                                                             ELSE 'schedule: ' || (problem ->> 'message') END);
      END IF;
    END IF;
    RETURN jsonb_build_object('kind', 'syntax', 'token', line,
      'message', format('schedule: %s is not a cron expression (5 or 6 fields), a macro (%s) or an interval such as ''5 minutes''%s',
                        edgecron_compat._quote(line), macro_list,
                        CASE WHEN line ~* '^every\s' THEN format('; did you mean %s?', edgecron_compat._quote('@' || line)) ELSE '' END));
  END;
  IF extract(year FROM span) <> 0 OR extract(month FROM span) <> 0 THEN
    RETURN jsonb_build_object('kind', 'interval', 'token', line,
      'message', format('schedule: months and years have no fixed length in %s; use a cron expression', edgecron_compat._quote(schedule)));
  ELSIF span < interval '1 second' THEN
    RETURN jsonb_build_object('kind', 'interval', 'token', line,
      'message', format('schedule: the interval must be at least 1 second in %s', edgecron_compat._quote(schedule)));
  END IF;
  RETURN NULL;
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA edgecron_compat FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA edgecron_compat TO edgecron_user;
-- Adopting is the installer's (it writes edgecron_compat.pack, which no scheduler may).
REVOKE EXECUTE ON FUNCTION edgecron_compat.adopt(text, boolean, bigint[]) FROM edgecron_user;
