-- Every run accounted for: runs that end outside the master's finish step, dependents released
-- once, and deadlines the master can find without scanning the queue.

-- A run that ended without the master (a user canceled it while it was queued) still needs
-- what follows any end: the retry policy, the job's counters, next time and state, and its
-- dependents. The master does that and clears the flag.
ALTER TABLE edgecron.run ADD COLUMN needs_finish boolean DEFAULT false NOT NULL;
--> statement-breakpoint
CREATE INDEX run_needs_finish_idx ON edgecron.run USING btree (id) WHERE needs_finish;
--> statement-breakpoint
-- The earliest deadline (max_wait) of a waiting run: when the master must expire it.
CREATE INDEX run_deadline_idx ON edgecron.run USING btree (not_after)
  WHERE status = 'queued' AND not_after IS NOT NULL;
--> statement-breakpoint
-- A dependent waits until it is released once: released, it has a next_run_at; claimed, a
-- last_scheduled_for (cleared again when it is re-activated or given a new start).
DROP INDEX edgecron.job_waiting_idx;
--> statement-breakpoint
CREATE INDEX job_waiting_idx ON edgecron.job USING btree (id)
  WHERE depends_on IS NOT NULL AND state = 'active' AND next_run_at IS NULL AND last_scheduled_for IS NULL;
--> statement-breakpoint
-- A canceled run is not deleted before the master has applied what follows it (as in 0003,
-- plus NOT needs_finish).
ALTER POLICY run_delete_finished ON edgecron.run
  USING ((owner = current_user OR pg_has_role('edgecron_admin', 'USAGE')) AND finished_at IS NOT NULL AND NOT needs_finish);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION edgecron.delete_runs(job_id bigint DEFAULT NULL, finished_before timestamptz DEFAULT NULL,
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
     WHERE r.id = ANY (run_ids) AND r.finished_at IS NOT NULL AND NOT r.needs_finish AND (every_role OR r.owner = caller)
       AND (delete_runs.job_id IS NULL OR r.job_id = delete_runs.job_id)
       AND (finished_before IS NULL OR r.finished_at < finished_before);
  ELSIF delete_runs.job_id IS NOT NULL THEN
    DELETE FROM edgecron.run r
     WHERE r.job_id = delete_runs.job_id AND r.finished_at IS NOT NULL AND NOT r.needs_finish
       AND (every_role OR r.owner = caller)
       AND (finished_before IS NULL OR r.finished_at < finished_before);
  ELSE
    DELETE FROM edgecron.run r
     WHERE r.finished_at < coalesce(finished_before, 'infinity') AND NOT r.needs_finish AND (every_role OR r.owner = caller);
  END IF;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  RETURN deleted;
END
$$;
--> statement-breakpoint
-- As in 0002, and a queued run canceled by a user is left for the master to finish.
CREATE OR REPLACE FUNCTION edgecron.run_cancel() RETURNS trigger
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
    NEW.needs_finish := true;
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
-- As in 0002; the table owner's own cancel marks the queued runs it ends for the master too.
CREATE OR REPLACE FUNCTION edgecron.cancel_job(job_id bigint) RETURNS boolean
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
    UPDATE edgecron.run r SET status = 'canceled', finished_at = now(), reason = 'canceled by ' || current_user,
                              needs_finish = true
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
-- Leases are renewed every third of their length; shorter than a second they would expire
-- under ordinary network jitter (the master has always treated them as at least 1 s).
UPDATE edgecron.settings SET lease = interval '1 second' WHERE lease < interval '1 second';
--> statement-breakpoint
ALTER TABLE edgecron.settings ADD CONSTRAINT settings_lease_range CHECK (lease >= interval '1 second');
