-- rate_events also counts what belongs to no org: failed sign-ins (per email, per source) and
-- failed API key checks (per source), keyed `auth:…`. Its org_id is the key's first segment, so
-- those rows carry "auth", which no org has: the foreign key to orgs goes. Rows age out of their
-- sliding windows as before.
ALTER TABLE "rate_events" DROP CONSTRAINT "rate_events_org_id_fkey";
