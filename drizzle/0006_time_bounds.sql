-- Times a job may hold, one rule everywhere: years 1000 to 9999 and finite intervals.
-- The lower bound was year 1 (0003); it is 1000 because the API (and the Neon driver's date
-- parsing behind it) cannot read years below 1000 back faithfully ('0050-01-01' comes back as
-- 1950), and no schedule needs them. Intervals: PostgreSQL 17 accepts 'infinity' as an interval;
-- a max_run_time, max_wait or backoff of infinity has no meaning for a run, so it is refused
-- here, naming the column, instead of breaking the job when the master first reads it.
-- isfinite(interval) exists on every supported version (always true before 17).
CREATE OR REPLACE FUNCTION edgecron.job_check_times() RETURNS trigger
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
DROP TRIGGER job_check_times ON edgecron.job;
--> statement-breakpoint
-- Named to fire before job_validate (triggers fire in name order).
CREATE TRIGGER job_check_times BEFORE INSERT OR UPDATE OF run_after, start_at, end_at, dates,
    max_run_time, max_wait, retry_backoff, retry_backoff_max
  ON edgecron.job FOR EACH ROW EXECUTE FUNCTION edgecron.job_check_times();
