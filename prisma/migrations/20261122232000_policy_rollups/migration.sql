-- Policy rollout (issue 16): decisions per org, UTC day and policy, kept by the worker's rollup job
-- from the audit log's action.decided entries in the same transaction as decision_rollups (same
-- cursor). `decided` counts the decisions a policy decided (data.policy); `would_block` counts what a
-- policy would have denied or held without enforcing it: a monitor-mode policy whose effect is deny or
-- require_approval (data.monitored), and the deciding policy of a report-only decision (data.reportOnly;
-- NO_POLICY under report-only counts as '(no policy)').
CREATE TABLE "policy_rollups" (
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "bucket" TIMESTAMPTZ(3) NOT NULL, -- midnight UTC
  "policy_name" TEXT NOT NULL,
  "decided" INTEGER NOT NULL DEFAULT 0,
  "would_block" INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY ("org_id", "bucket", "policy_name")
);
