-- Keeps the master's view of jobs current: any change to what decides a job's timing bumps
-- `revision`, and the master recomputes `next_run_at` for rows whose `revision` differs from
-- `synced_revision` (index job_unsynced_idx) within its poll interval. Re-enabling a broken
-- or finished job (state back to 'active') counts as such a change.
CREATE FUNCTION edgecron.job_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  IF (NEW.schedule, NEW.rule, NEW.dates, NEW.run_after, NEW.timezone, NEW.day_match,
      NEW.start_at, NEW.end_at, NEW.enabled, NEW.depends_on, NEW.interval_expression,
      NEW.next_time_statement)
     IS DISTINCT FROM
     (OLD.schedule, OLD.rule, OLD.dates, OLD.run_after, OLD.timezone, OLD.day_match,
      OLD.start_at, OLD.end_at, OLD.enabled, OLD.depends_on, OLD.interval_expression,
      OLD.next_time_statement)
     OR (NEW.state = 'active' AND OLD.state <> 'active') THEN
    NEW.revision := OLD.revision + 1;
  END IF;
  -- A one-time job given a new start (run_after), enabled again or re-activated is scheduled
  -- anew; otherwise a one-time job that ran keeps the next start it gave itself.
  IF NEW.run_after IS DISTINCT FROM OLD.run_after
     OR (NEW.enabled AND NOT OLD.enabled)
     OR (NEW.state = 'active' AND OLD.state <> 'active') THEN
    NEW.last_scheduled_for := NULL;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_before_update BEFORE UPDATE ON edgecron.job
FOR EACH ROW EXECUTE FUNCTION edgecron.job_before_update();
--> statement-breakpoint
INSERT INTO edgecron.settings DEFAULT VALUES;
