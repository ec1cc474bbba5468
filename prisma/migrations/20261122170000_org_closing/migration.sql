-- Closing an org (issue 13): closed_at marks it closed (its keys stop working, only owners reach it,
-- read-only); closed_by is the membership that closed it. The audit log, its signing keys and its
-- checkpoints are kept. There is no reopening.
ALTER TABLE "orgs" ADD COLUMN "closed_at" TIMESTAMPTZ(3);
ALTER TABLE "orgs" ADD COLUMN "closed_by" TEXT;
