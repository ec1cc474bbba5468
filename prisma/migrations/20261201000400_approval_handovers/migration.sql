-- Out of office (docs/approvals.md, Hand-over): a member away hands their approvals to a colleague until
-- a time. While it lasts the colleague receives the member's notices and may decide what the member
-- could, in their place (their own separation of duties still holds). One live hand-over per member.
CREATE TABLE "approval_handovers" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "from_membership_id" TEXT NOT NULL,
    "to_membership_id" TEXT NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "approval_handovers_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "approval_handovers_live_from_key" ON "approval_handovers"("from_membership_id") WHERE "ended_at" IS NULL;
CREATE INDEX "approval_handovers_to_idx" ON "approval_handovers"("to_membership_id") WHERE "ended_at" IS NULL;
ALTER TABLE "approval_handovers" ADD CONSTRAINT "approval_handovers_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "approval_handovers" ADD CONSTRAINT "approval_handovers_from_membership_id_fkey" FOREIGN KEY ("from_membership_id") REFERENCES "memberships"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "approval_handovers" ADD CONSTRAINT "approval_handovers_to_membership_id_fkey" FOREIGN KEY ("to_membership_id") REFERENCES "memberships"("id") ON DELETE CASCADE ON UPDATE CASCADE;
