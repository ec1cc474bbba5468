-- Which integrations each agent's calls came through (issue 28, docs/integrations.md, Coverage): the
-- `x-gatehouse-integration` header's name (one of a fixed list, so no caller can grow this table),
-- its version, when first and last seen, and when a tool call (a decision naming `tool`) last came
-- through it. Written at most once a minute per agent and integration by each API process.
CREATE TABLE "agent_integrations" (
    "org_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "integration" TEXT NOT NULL,
    "version" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_tool_call_at" TIMESTAMPTZ(3),

    CONSTRAINT "agent_integrations_pkey" PRIMARY KEY ("agent_id", "integration")
);

CREATE INDEX "agent_integrations_org_id_last_seen_at_idx" ON "agent_integrations"("org_id", "last_seen_at");

ALTER TABLE "agent_integrations" ADD CONSTRAINT "agent_integrations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_integrations" ADD CONSTRAINT "agent_integrations_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
