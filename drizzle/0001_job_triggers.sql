-- Keeps the master's view of SQL-defined jobs current: any change to what decides a job's
-- timing bumps `revision`, and the master recomputes `next_run_at` for rows whose
-- `revision` differs from `synced_revision` (index job_unsynced_idx) within its poll interval.
CREATE FUNCTION edgecron.job_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  IF NEW.schedule IS DISTINCT FROM OLD.schedule
     OR NEW.timezone IS DISTINCT FROM OLD.timezone
     OR NEW.enabled IS DISTINCT FROM OLD.enabled
     OR (NEW.state = 'active' AND OLD.state <> 'active') THEN
    NEW.revision := OLD.revision + 1;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_before_update BEFORE UPDATE ON edgecron.job
FOR EACH ROW EXECUTE FUNCTION edgecron.job_before_update();
