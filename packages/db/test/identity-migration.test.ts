import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS_DIR } from "../src/migrate";
import { createTestDatabase, testDatabaseUrl } from "../src/testing";

// The identity-proofs migration on data written before it (ADR 0012, "Who proved it"): what rested on
// an invitation link is marked, pending invitations (whose tokens the inviters were answered) are
// revoked, and domains routed without proof become pending claims.

const MIGRATION = "20261123130000_identity_proofs";

const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(drops.splice(0).map((drop) => drop()));
});

async function run(url: string, sql: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe(`migration ${MIGRATION}`, () => {
  it("marks invitation-made passwords and memberships, revokes pending invitations, turns unproved routes into claims", async () => {
    const database = await createTestDatabase(testDatabaseUrl(), "gatehouse_idmig");
    drops.push(database.drop);
    const dir = await mkdtemp(join(tmpdir(), "gh-idmig-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    // The database as it was before: every migration up to this one's.
    const later = (await readdir(dir)).filter((name) => name >= MIGRATION && name !== "migration_lock.toml");
    const held = await mkdtemp(join(tmpdir(), "gh-idmig-held-"));
    for (const name of later) {
      await cp(join(dir, name), join(held, name), { recursive: true });
      await rm(join(dir, name), { recursive: true });
    }
    await migrate({ url: database.url, dir });
    await run(
      database.url,
      `
      INSERT INTO orgs (id, slug, name, updated_at) VALUES ('org_open', 'open', 'Open', now());
      INSERT INTO orgs (id, slug, name, closed_at, updated_at) VALUES ('org_closed', 'closed', 'Closed', now(), now());
      INSERT INTO org_sso_domains (domain, org_id) VALUES ('open.test', 'org_open'), ('closed.test', 'org_closed');
      -- An account created by accepting an invitation (its password chosen on the accept page).
      INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ('usr_made', 'made@x.test', 'M', 'scrypt$x', '2026-11-20 10:00:00+00', now());
      INSERT INTO memberships (id, org_id, user_id, role, updated_at) VALUES ('mem_made', 'org_open', 'usr_made', 'admin', now());
      INSERT INTO invitations (id, org_id, email, role, token_hash, expires_at, accepted_at, accepted_by_membership_id)
        VALUES ('inv_made', 'org_open', 'made@x.test', 'admin', 'h1', '2026-11-27 10:00:00+00', '2026-11-20 10:00:01+00', 'mem_made');
      -- An older account that accepted an invitation while signed in: its owner accepted.
      INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ('usr_old', 'old@x.test', 'O', 'scrypt$y', '2026-01-01 00:00:00+00', now());
      INSERT INTO memberships (id, org_id, user_id, role, updated_at) VALUES ('mem_old', 'org_open', 'usr_old', 'viewer', now());
      INSERT INTO invitations (id, org_id, email, role, token_hash, expires_at, accepted_at, accepted_by_membership_id)
        VALUES ('inv_old', 'org_open', 'old@x.test', 'viewer', 'h2', '2026-11-27 10:00:00+00', '2026-11-20 10:00:00+00', 'mem_old');
      -- A pending invitation and an expired one.
      INSERT INTO invitations (id, org_id, email, role, token_hash, expires_at) VALUES ('inv_pending', 'org_open', 'p@x.test', 'viewer', 'h3', now() + interval '3 days');
      INSERT INTO invitations (id, org_id, email, role, token_hash, expires_at) VALUES ('inv_expired', 'org_open', 'e@x.test', 'viewer', 'h4', now() - interval '1 day');
    `,
    );
    for (const name of later) await cp(join(held, name), join(dir, name), { recursive: true });
    expect((await migrate({ url: database.url, dir })).applied).toEqual(later);

    expect(await run(database.url, `SELECT id, password_unproved FROM users ORDER BY id`)).toEqual([
      { id: "usr_made", password_unproved: true },
      { id: "usr_old", password_unproved: false },
    ]);
    expect(await run(database.url, `SELECT id, unproved_invitation FROM memberships ORDER BY id`)).toEqual([
      { id: "mem_made", unproved_invitation: true },
      { id: "mem_old", unproved_invitation: false },
    ]);
    expect(await run(database.url, `SELECT id, revoked_at IS NOT NULL AS revoked FROM invitations ORDER BY id`)).toEqual([
      { id: "inv_expired", revoked: false },
      { id: "inv_made", revoked: false },
      { id: "inv_old", revoked: false },
      { id: "inv_pending", revoked: true },
    ]);
    expect(await run(database.url, `SELECT count(*)::int AS n FROM org_sso_domains`)).toEqual([{ n: 0 }]);
    const claims = await run(database.url, `SELECT org_id, domain, token, verified_at FROM org_domain_claims`);
    expect(claims).toEqual([{ org_id: "org_open", domain: "open.test", token: expect.stringMatching(/^[0-9a-f]{64}$/), verified_at: null }]);
  });
});
