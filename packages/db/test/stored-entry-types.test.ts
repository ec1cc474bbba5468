import { GENESIS_CHAIN_HASH, sealAuditEntry, type SealableEntry } from "@gatehouse/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/migrate";
import { checkStoredEntryTypes, createTestDatabase, testDatabaseUrl } from "../src/testing";

// The check the test runs make on their database before dropping it (global-setup.ts), here on a
// database of its own, so the entries it must refuse never reach the run's database.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase(testDatabaseUrl(), "gatehouse_entry_types");
  await migrate({ url: database.url });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await database.drop();
});

/** Writes `entries` as one org's log, sealed as an append site would seal them. */
async function logOf(orgId: string, entries: SealableEntry[]): Promise<void> {
  await client.query(`INSERT INTO orgs (id, slug, name, updated_at) VALUES ($1, $1, $1, now())`, [orgId]);
  let previous = GENESIS_CHAIN_HASH;
  for (const [seq, entry] of entries.entries()) {
    const sealed = sealAuditEntry({ id: `aud_${orgId}_${seq}`, orgId, seq, previousChainHash: previous, createdAt: new Date(), entry });
    await client.query(
      `INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, canonical, leaf_hash, chain_hash) VALUES ($1, $2, $3, $4, 'system', 'test', $5, $6, $7)`,
      [sealed.id, orgId, seq, sealed.type, sealed.canonical, sealed.leafHash, sealed.chainHash],
    );
    previous = sealed.chainHash;
  }
}

const system = { type: "system", id: "test" } as const;

describe("the stored-entry check", () => {
  it("counts every type and passes a log the union describes", async () => {
    await logOf("org_described", [
      { type: "org.created", actor: system, data: { slug: "acme", name: "Acme" } },
      { type: "org.renamed", actor: system, data: { from: "Acme", to: "Acme Inc" } },
      { type: "org.renamed", actor: system, data: { from: "Acme Inc", to: "Acme" } },
    ]);
    expect(await checkStoredEntryTypes(database.url)).toEqual({ types: { "org.created": 1, "org.renamed": 2 }, undescribed: [] });
  });

  it("fails on an entry type an append site wrote that the union does not list, and on data its type does not describe", async () => {
    await logOf("org_undescribed", [
      { type: "org.created", actor: system, data: { slug: "other", name: "Other" } },
      { type: "agent.teleported", actor: system, data: { to: "mars" } },
      { type: "org.closed", actor: system, data: { slug: "other", closedBy: "someone" } },
    ]);
    const report = await checkStoredEntryTypes(database.url);
    expect(report.types).toMatchObject({ "agent.teleported": 1, "org.closed": 1, "org.created": 2 });
    expect(report.undescribed).toEqual([
      { orgId: "org_undescribed", seq: 1, problem: "entry type 'agent.teleported' is not in the union of audit entry types" },
      { orgId: "org_undescribed", seq: 2, problem: expect.stringMatching(/^org\.closed: data does not match its schema/) },
    ]);
  });
});
