-- Accounts and mail (issue 13). A user's email is verified once (email_verified_at); the column's
-- default is now(), so every existing row, and every user created by an owner or a seed, counts as
-- verified: only self-service sign-up inserts NULL. session_version is copied into the console's
-- session when it is issued and compared on every request: bumping it ends every session.
ALTER TABLE "users" ADD COLUMN "email_verified_at" TIMESTAMPTZ(3) DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN "session_version" INTEGER NOT NULL DEFAULT 0;

CREATE TYPE "account_token_purpose" AS ENUM ('verify_email', 'reset_password');

-- Single-use links sent by email. Only SHA-256 of the token is stored; a link is spent when used_at is set.
CREATE TABLE "account_tokens" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "purpose" "account_token_purpose" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_tokens_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "account_tokens_token_hash_key" ON "account_tokens"("token_hash");
CREATE INDEX "account_tokens_user_id_purpose_created_at_idx" ON "account_tokens"("user_id", "purpose", "created_at");

ALTER TABLE "account_tokens" ADD CONSTRAINT "account_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The development outbox: mail the instance would have sent, kept only while no SMTP server is
-- configured (SMTP_URL unset), shown by the console at /dev/outbox. Pruned to the newest messages.
CREATE TABLE "dev_outbox" (
    "id" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dev_outbox_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "dev_outbox_created_at_idx" ON "dev_outbox"("created_at");
