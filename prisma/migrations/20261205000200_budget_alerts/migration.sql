-- Budget alerts (issue 45, typed governance events): what each budget counter has alerted in its window, so a
-- `budget.threshold` event is sent once per alert ratio and a `budget.exceeded` once, however many processes decide.
-- Written by the decisions' group commit under the org's lock, in the same statement as the reservations.
ALTER TABLE "budget_counters"
  ADD COLUMN "alerted_ratio" DOUBLE PRECISION NOT NULL DEFAULT 0,
  ADD COLUMN "exceeded_alerted" BOOLEAN NOT NULL DEFAULT false;
