-- Presence (docs/agents.md, Presence): when an agent was last seen (a call with its key or a heartbeat,
-- written at most every few seconds per process), the heartbeat session it keeps open and its interval,
-- since when it has been unresponsive (set once by the worker, which records `agent.unresponsive`;
-- cleared when it is seen again), and who halted it: a member, or the system by name.
ALTER TABLE "agents" ADD COLUMN "last_seen_at" TIMESTAMPTZ(3);
ALTER TABLE "agents" ADD COLUMN "heartbeat_seconds" INTEGER;
ALTER TABLE "agents" ADD COLUMN "heartbeat_open" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "agents" ADD COLUMN "unresponsive_since" TIMESTAMPTZ(3);
ALTER TABLE "agents" ADD COLUMN "halted_by_membership_id" TEXT;
ALTER TABLE "agents" ADD COLUMN "halted_by_system" TEXT;
ALTER TABLE "agents" ADD CONSTRAINT "agents_halted_by_membership_id_fkey" FOREIGN KEY ("halted_by_membership_id") REFERENCES "memberships"("id") ON DELETE SET NULL ON UPDATE CASCADE;
-- The worker's sweep: open sessions of active agents not yet marked unresponsive.
CREATE INDEX "agents_heartbeat_open_idx" ON "agents"("last_seen_at") WHERE "heartbeat_open" AND "unresponsive_since" IS NULL;
