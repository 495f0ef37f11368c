-- When each periodic job (housekeeping) last ran, on any instance: an instance runs a job
-- only when it claims it (see storage/jobs.rs), so several instances on one database run
-- it once per period, not once each.
CREATE TABLE jobs (
    name     TEXT   PRIMARY KEY,
    last_run BIGINT NOT NULL
);
