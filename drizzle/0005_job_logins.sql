-- Job roles that log in as themselves. With a role's password in EDGECRON_JOB_LOGINS its runs
-- connect as the role, so a job cannot leave it (RESET ROLE returns to the role itself); with
-- require_job_login on, a role without one never runs (no SET ROLE from the executor at all).
-- Like allow_superuser_jobs it stays with the table owner: not granted to edgecron_admin.
ALTER TABLE "edgecron"."settings" ADD COLUMN "require_job_login" boolean DEFAULT false NOT NULL;
