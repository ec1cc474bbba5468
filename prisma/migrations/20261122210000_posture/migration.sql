-- Posture and the overview (issue 15).

-- Decision counts per org, agent and action type, per minute, hour and day (UTC buckets), maintained
-- by the worker's rollup job from the audit log (action.decided, action.outcome entries), so the
-- overview and the posture score never scan the log. `no_policy` counts denials with NO_POLICY;
-- `outcomes` counts outcome reports by the time they were reported.
CREATE TABLE "decision_rollups" (
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "period" TEXT NOT NULL CHECK ("period" IN ('minute', 'hour', 'day')),
  "bucket" TIMESTAMPTZ(3) NOT NULL,
  "agent_id" TEXT NOT NULL,
  "action_type" TEXT NOT NULL,
  "executed" INTEGER NOT NULL DEFAULT 0,
  "denied" INTEGER NOT NULL DEFAULT 0,
  "requested" INTEGER NOT NULL DEFAULT 0,
  "no_policy" INTEGER NOT NULL DEFAULT 0,
  "outcomes" INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY ("org_id", "period", "bucket", "agent_id", "action_type")
);

-- How far into each org's audit log the rollups have counted (the last sequence number counted).
CREATE TABLE "rollup_cursors" (
  "org_id" TEXT NOT NULL PRIMARY KEY REFERENCES "orgs"("id") ON DELETE CASCADE,
  "seq" BIGINT NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- One posture score per org and day (UTC), for the trend.
CREATE TABLE "posture_snapshots" (
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "day" TIMESTAMPTZ(3) NOT NULL, -- midnight UTC
  "score" INTEGER NOT NULL CHECK ("score" BETWEEN 0 AND 100),
  "components" JSONB NOT NULL,
  "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("org_id", "day")
);

-- Who verified or exported the org's audit log, when, and (verify) whether it was valid.
CREATE TABLE "audit_reviews" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "org_id" TEXT NOT NULL REFERENCES "orgs"("id") ON DELETE CASCADE,
  "kind" TEXT NOT NULL CHECK ("kind" IN ('verify', 'export')),
  "actor_type" TEXT NOT NULL,
  "actor_id" TEXT NOT NULL,
  "member_role" "member_role",
  "valid" BOOLEAN,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "audit_reviews_org_id_kind_created_at_idx" ON "audit_reviews"("org_id", "kind", "created_at");
