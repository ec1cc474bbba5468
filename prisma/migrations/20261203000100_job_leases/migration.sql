-- Leadership over the worker's jobs as a lease row (docs/adr/0009-background-jobs.md, "Leadership as a lease").
-- A session advisory lock stays with whichever server connection took it, so behind a transaction-mode
-- pooler (PgBouncer) it neither excludes nor ends with its holder: two workers led at once. A lease is
-- one row per job group, taken or renewed by one statement on the database's clock, and ends by
-- itself when its holder stops renewing it.
CREATE TABLE "job_leases" (
  "name" TEXT NOT NULL PRIMARY KEY,
  "holder" TEXT NOT NULL,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  -- Counts the changes of holder: each new leader's term is one more than the last.
  "term" BIGINT NOT NULL DEFAULT 1,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
