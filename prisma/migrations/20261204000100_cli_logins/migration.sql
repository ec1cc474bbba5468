-- Signing the CLI in from the console (issue 44): `gatehouse login --web` asks for a login, shows its code and the
-- console's address, and polls with a secret only it holds; a signed-in member confirms the code in the console for
-- one of their orgs; the CLI's next poll collects an admin key for that member, issued then, once. The code is short
-- (typed or read by a person), the poll secret long and stored as a SHA-256 hash only. A login lives ten minutes.
CREATE TABLE "cli_logins" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "user_code" TEXT NOT NULL UNIQUE,
  "poll_hash" TEXT NOT NULL UNIQUE,
  -- What the CLI said it is (its version and host), shown to the member who confirms.
  "client" TEXT NOT NULL,
  -- The address the login was asked from, shown beside it.
  "address" TEXT,
  -- pending, approved, denied or collected.
  "status" TEXT NOT NULL DEFAULT 'pending',
  "org_id" TEXT REFERENCES "orgs"("id") ON DELETE CASCADE,
  "membership_id" TEXT REFERENCES "memberships"("id") ON DELETE CASCADE,
  "key_id" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "decided_at" TIMESTAMPTZ(3),
  "collected_at" TIMESTAMPTZ(3)
);
CREATE INDEX "cli_logins_expires_at_idx" ON "cli_logins" ("expires_at");
