-- Identity proofs (issue 23, ADR 0012 "Who proved it").
--
-- 1. A password chosen on an invitation's accept page, and memberships joined through an invitation by
--    an account nobody had proved, rest only on the invitation link. Single sign-on's first proof of the
--    address removes them (signInWithSso).
ALTER TABLE "users" ADD COLUMN "password_unproved" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "memberships" ADD COLUMN "unproved_invitation" BOOLEAN NOT NULL DEFAULT false;

-- Until now the inviter got every invitation's token in the API's answer, so no acceptance proved
-- the mailbox. Accounts created by accepting one (created within seconds of the acceptance, never
-- linked to single sign-on) hold an unproved password; their invitation memberships are unproved.
UPDATE "users" u SET "password_unproved" = true
FROM "invitations" i JOIN "memberships" m ON m."id" = i."accepted_by_membership_id"
WHERE m."user_id" = u."id" AND u."sso_subject" IS NULL AND u."password_hash" IS NOT NULL
  AND u."created_at" BETWEEN i."accepted_at" - INTERVAL '10 seconds' AND i."accepted_at" + INTERVAL '10 seconds';
UPDATE "memberships" m SET "unproved_invitation" = true
FROM "invitations" i, "users" u
WHERE i."accepted_by_membership_id" = m."id" AND u."id" = m."user_id" AND u."sso_subject" IS NULL
  AND (u."password_unproved" OR u."email_verified_at" IS NULL);

-- Pending invitations' tokens were answered to their inviters: they are revoked (invite again; the new
-- link goes to the invitee's mail only).
UPDATE "invitations" SET "revoked_at" = now()
WHERE "accepted_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > now();

-- 2. Email domains are routed to an org only once it proved control of the domain with a DNS TXT
--    record. A claim is the org's intent and its token; `org_sso_domains` holds only proved domains
--    (one org each).
CREATE TABLE "org_domain_claims" (
  "org_id" TEXT NOT NULL,
  "domain" TEXT NOT NULL,
  "token" TEXT NOT NULL,
  "verified_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

  CONSTRAINT "org_domain_claims_pkey" PRIMARY KEY ("org_id", "domain")
);
CREATE INDEX "org_domain_claims_domain_idx" ON "org_domain_claims"("domain");
ALTER TABLE "org_domain_claims" ADD CONSTRAINT "org_domain_claims_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every domain routed so far was routed without proof: it becomes a pending claim of its org (closed
-- orgs' are dropped), and routes nothing until the org proves it.
INSERT INTO "org_domain_claims" ("org_id", "domain", "token", "created_at")
SELECT d."org_id", d."domain", md5(random()::text || d."domain" || clock_timestamp()::text) || md5(random()::text || d."org_id"), d."created_at"
FROM "org_sso_domains" d JOIN "orgs" o ON o."id" = d."org_id" WHERE o."closed_at" IS NULL;
DELETE FROM "org_sso_domains";
