-- Single sign-on (issue 13, ADR 0012). A user who signed in through the instance's OpenID Connect
-- provider keeps the issuer and subject (the IdP's stable id for them): the member list shows "sso",
-- and a later sign-in with the same email but another subject of that issuer is refused.
ALTER TABLE "users" ADD COLUMN "sso_issuer" TEXT;
ALTER TABLE "users" ADD COLUMN "sso_subject" TEXT;
CREATE UNIQUE INDEX "users_sso_issuer_sso_subject_key" ON "users"("sso_issuer", "sso_subject");

-- Email-domain routing: a domain routes to one org only. The org's settings JSON (signIn.ssoDomains)
-- is the setting; this table is its unique index, written in the same transaction.
CREATE TABLE "org_sso_domains" (
    "domain" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "org_sso_domains_pkey" PRIMARY KEY ("domain")
);

CREATE INDEX "org_sso_domains_org_id_idx" ON "org_sso_domains"("org_id");

ALTER TABLE "org_sso_domains" ADD CONSTRAINT "org_sso_domains_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
