-- Runs (docs/runs.md): an agent's calls grouped by the runId the caller chooses. The row's id is derived
-- from (org, root agent, runId) (core's runIdOf), so the decision that starts a run creates it in the
-- same statement as its action and audit entry, with no read first; later calls touch it in the same
-- way (last activity, counts). The counts are of decisions recorded in the run, by status.
CREATE TABLE "runs" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "root_agent_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),
    "decisions" INTEGER NOT NULL DEFAULT 0,
    "executed" INTEGER NOT NULL DEFAULT 0,
    "denied" INTEGER NOT NULL DEFAULT 0,
    "requested" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "runs_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "runs_org_id_root_agent_id_key_key" ON "runs"("org_id", "root_agent_id", "key");
CREATE INDEX "runs_org_id_last_activity_at_idx" ON "runs"("org_id", "last_activity_at");
CREATE INDEX "runs_agent_id_last_activity_at_idx" ON "runs"("agent_id", "last_activity_at");
ALTER TABLE "runs" ADD CONSTRAINT "runs_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "runs" ADD CONSTRAINT "runs_root_agent_id_fkey" FOREIGN KEY ("root_agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "runs" ADD CONSTRAINT "runs_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "actions" ADD COLUMN "run_id" TEXT;
CREATE INDEX "actions_run_id_created_at_idx" ON "actions"("run_id", "created_at");
ALTER TABLE "actions" ADD CONSTRAINT "actions_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
