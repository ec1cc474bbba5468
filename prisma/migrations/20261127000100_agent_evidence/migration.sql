-- An agent's own evidence (docs/audit.md, "An agent's own entries"): an `agent.evidence` audit entry per
-- call of POST /v1/audit/entries. A call that carries an eventId (the SDKs send one, the same on every
-- retry) records it here with the entry it wrote, so a retry answers that entry instead of writing a
-- second, and the same eventId with other content is a 409.
CREATE TABLE "agent_evidence" (
    "agent_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "audit_entry_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_evidence_pkey" PRIMARY KEY ("agent_id", "event_id")
);

CREATE UNIQUE INDEX "agent_evidence_audit_entry_id_key" ON "agent_evidence"("audit_entry_id");
ALTER TABLE "agent_evidence" ADD CONSTRAINT "agent_evidence_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_evidence" ADD CONSTRAINT "agent_evidence_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
