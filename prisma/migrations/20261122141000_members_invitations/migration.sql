-- Members and invitations (issue 13). A removed member's row stays, marked removed_at, so their votes
-- and the agents they created keep their author; every lookup of a member skips removed rows.
-- last_active_at is written at most once a minute per member (console or admin key).
ALTER TABLE "memberships" ADD COLUMN "last_active_at" TIMESTAMPTZ(3);
ALTER TABLE "memberships" ADD COLUMN "removed_at" TIMESTAMPTZ(3);

-- Invitations: only SHA-256 of the token is stored.
CREATE TABLE "invitations" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "member_role" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "invited_by_membership_id" TEXT,
    "idempotency_key" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted_at" TIMESTAMPTZ(3),
    "accepted_by_membership_id" TEXT,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "invitations_token_hash_key" ON "invitations"("token_hash");
CREATE UNIQUE INDEX "invitations_org_id_idempotency_key_key" ON "invitations"("org_id", "idempotency_key");
CREATE INDEX "invitations_org_id_email_idx" ON "invitations"("org_id", "email");

ALTER TABLE "invitations" ADD CONSTRAINT "invitations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_invited_by_membership_id_fkey" FOREIGN KEY ("invited_by_membership_id") REFERENCES "memberships"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_accepted_by_membership_id_fkey" FOREIGN KEY ("accepted_by_membership_id") REFERENCES "memberships"("id") ON DELETE SET NULL ON UPDATE CASCADE;
