-- Every service stores an email address lower-case (sign-up, invitations, org creation, sign-in
-- lookups); this makes the database hold the rule too, so the unique index on "email" is also a
-- case-insensitive one and no path that forgets to lower-case can create a second account for the
-- same address. Addresses written before this rule are lower-cased first; if two accounts differ only
-- by case the UPDATE fails on "users_email_key" and the migration stops, for an operator to merge them.
UPDATE "users" SET "email" = lower("email") WHERE "email" <> lower("email");
ALTER TABLE "users" ADD CONSTRAINT "users_email_lower_case" CHECK ("email" = lower("email"));
