-- Sessions that can be ended (issue 23). Each console sign-in is a row; its id travels in the
-- session cookie, and signing out ends the row, so a replayed cookie is refused on every instance.
CREATE TABLE "console_sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "session_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "console_sessions_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "console_sessions_user_id_idx" ON "console_sessions"("user_id");
CREATE INDEX "console_sessions_expires_at_idx" ON "console_sessions"("expires_at");

ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A reset or verification link works only while the user's session version is the one it was issued
-- with: a password change or reset, "sign out everywhere", a removal or a role change ends it too.
ALTER TABLE "account_tokens" ADD COLUMN "session_version" INTEGER NOT NULL DEFAULT 0;
UPDATE "account_tokens" AS t SET "session_version" = u."session_version" FROM "users" AS u WHERE u."id" = t."user_id";
