-- A call's place in a rate window (issue 12, faults). A call that carries an eventId counts under a
-- member derived from (agent, eventId): a retry of it, on any instance, inserts the same member and
-- the unique index turns the second insert into nothing (ON CONFLICT DO NOTHING), so a retry
-- consumes no quota. Calls without an eventId leave it NULL, and NULLs never conflict.
ALTER TABLE "rate_events" ADD COLUMN "member" TEXT;

CREATE UNIQUE INDEX "rate_events_key_member_key" ON "rate_events"("key", "member");
