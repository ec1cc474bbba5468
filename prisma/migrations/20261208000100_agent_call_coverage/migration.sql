-- How each agent's model and tool calls reached Gatehouse, per UTC day (issue 46, part 7; docs/agents.md,
-- Coverage): model calls through a model-client wrapper (model.wrapped) or with spend declared by hand
-- (model.declared), tool calls through an adapter (tool.adapter) or not (tool.direct). Counted from
-- recorded decisions, summed in each API process and written every few seconds (`day` is the UTC day's
-- midnight); GET /v1/coverage reads the last 30 days. The kind is one of a fixed list, so no caller
-- can grow this table past four rows per agent and day.
CREATE TABLE "agent_call_coverage" (
    "org_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_call_coverage_pkey" PRIMARY KEY ("agent_id", "day", "kind"),
    CONSTRAINT "agent_call_coverage_kind_check" CHECK ("kind" IN ('model.wrapped', 'model.declared', 'tool.adapter', 'tool.direct'))
);

CREATE INDEX "agent_call_coverage_org_id_day_idx" ON "agent_call_coverage"("org_id", "day");

ALTER TABLE "agent_call_coverage" ADD CONSTRAINT "agent_call_coverage_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_call_coverage" ADD CONSTRAINT "agent_call_coverage_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
