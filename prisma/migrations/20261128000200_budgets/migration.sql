-- Budgets (docs/budgets.md): one counter per budget and period (a run, an agent's UTC day, the org's
-- UTC month, a pot's month), keyed by a hash of what it counts (core's budgetScopes). A decision that
-- declares its spend adds its projected cost to `reserved_*` in the statement that records it, under
-- the org's log-head lock, so every decision of the org is checked against every earlier one; its
-- outcome moves the reservation to `spent_*` at its actual cost; a job releases reservations whose
-- outcome never came. Money is counted in micro-dollars (USD × 10⁶), exactly.
CREATE TABLE "budget_counters" (
    "key" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "per" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    -- Whom it counts: the agent (agent-day) or the run (run); null for the org's month and pots.
    "subject" TEXT,
    "model" TEXT,
    "spent_tokens" BIGINT NOT NULL DEFAULT 0,
    "spent_micros" BIGINT NOT NULL DEFAULT 0,
    "reserved_tokens" BIGINT NOT NULL DEFAULT 0,
    "reserved_micros" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budget_counters_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "budget_counters_org_id_updated_at_idx" ON "budget_counters"("org_id", "updated_at");
ALTER TABLE "budget_counters" ADD CONSTRAINT "budget_counters_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One per decision that counted against a budget (keyed by its action): what it reserved, against which
-- counters, at what price, until when; `reserved` until its outcome settles it or its deadline releases it.
CREATE TABLE "budget_reservations" (
    "action_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "keys" TEXT[],
    "model" TEXT,
    "price" JSONB,
    "tokens" BIGINT NOT NULL,
    "micros" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'reserved',
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "budget_reservations_pkey" PRIMARY KEY ("action_id")
);
-- The release job's way in: only open reservations are indexed.
CREATE INDEX "budget_reservations_due_idx" ON "budget_reservations"("deadline") WHERE "status" = 'reserved';
ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- What a run's model calls cost, as their outcomes reported it.
ALTER TABLE "runs" ADD COLUMN "spent_tokens" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "runs" ADD COLUMN "spent_micros" BIGINT NOT NULL DEFAULT 0;

-- What an action's model call cost, as its outcome reported it (the run's timeline shows it).
ALTER TABLE "actions" ADD COLUMN "spend" JSONB;
