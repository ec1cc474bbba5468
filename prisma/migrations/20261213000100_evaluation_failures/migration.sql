-- Decisions that could not be evaluated (issue 64, docs/policies.md "When a decision cannot be evaluated"): the org's
-- failure policy decided them, and their action.decided entry carries `failure`. Counted per bucket with the rest, so the
-- governance health reads how many the last minutes held without scanning the log.
ALTER TABLE "decision_rollups" ADD COLUMN "evaluation_failed" INTEGER NOT NULL DEFAULT 0;
