-- Loop detection (docs/loops.md) counts every decision in rate_events when there is no Redis: the
-- worker prunes rows no window reads any more (rate-event-pruning), found by their time.
CREATE INDEX "rate_events_at_idx" ON "rate_events"("at");
