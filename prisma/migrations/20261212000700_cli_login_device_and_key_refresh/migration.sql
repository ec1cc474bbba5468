-- CLI device login (issue 62, point 7; docs/cli.md, Signing in from the console). What asked for a login is recorded when
-- it starts, to be shown to the member who confirms it: the device name the CLI sends and the User-Agent it came with
-- (the address is recorded already, through the trusted-proxy rule).
ALTER TABLE "cli_logins" ADD COLUMN "device_name" TEXT;
ALTER TABLE "cli_logins" ADD COLUMN "user_agent" TEXT;

-- A key its holder may refresh before it expires, and by how many days from the refresh (a key a CLI login issued: 30).
-- Null: the key is never refreshed (every other key, with or without an expiry).
ALTER TABLE "api_keys" ADD COLUMN "refresh_days" INTEGER;
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_refresh_days_range" CHECK ("refresh_days" IS NULL OR "refresh_days" BETWEEN 1 AND 365);
