import { chainHash, GENESIS_CHAIN_HASH, leafHash } from "@gatehouse/core";
import { hashLeaf, toHex } from "@gatehouse/tlog";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPEND_CHUNK, appendAuditEntries } from "../src/audit/append-audit-entries";
import { getAuditProof } from "../src/audit/get-audit-proof";
import { sealBatch } from "../src/audit/log-store";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { screenEntries } from "../src/content/screen-entries";
import { db, disconnectDb } from "../src/infra/client";
import { createTestOrg, noteEntry, type TestOrg } from "../src/testing";
import { mth } from "./rfc6962";

// One org's large append (a publish of 600 policies writes 606 entries) must not hold the process's other requests
// for its whole length: it is screened and sealed in slices of the event loop and written in statements of
// APPEND_CHUNK entries. These tests hold the log such an append writes to what one append of them all would have
// written, and show the event loop turning while it is sealed and screened.

/** How many times the event loop turned (setImmediate ran) while `work` was under way. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
}

let org: TestOrg;
beforeAll(async () => {
  org = await createTestOrg({ label: "large-appends" });
});
afterAll(async () => {
  await disconnectDb();
});

describe("a large append", () => {
  const many = Array.from({ length: 1_500 }, (_, i) => noteEntry(i, "large-appends"));

  it("is sealed in slices: other work runs while it is sealed, and the entries are those one pass would seal", async () => {
    const head = { size: 0, chainHash: GENESIS_CHAIN_HASH, frontier: [] };
    let batch: Awaited<ReturnType<typeof sealBatch>> | undefined;
    const turns = await turnsDuring(async () => {
      batch = await sealBatch("org_x", head, many, new Date());
    });
    // Sealing 1,500 entries takes far longer than one slice (2 ms): run in one go, no turn would come before it ended.
    expect(turns).toBeGreaterThan(1);
    const entries = batch?.entries ?? [];
    expect(entries.map((e) => e.seq)).toEqual(many.map((_, i) => i));
    let previous = GENESIS_CHAIN_HASH;
    for (const entry of entries) {
      expect(entry.leafHash).toBe(leafHash(entry.canonical));
      expect(entry.chainHash).toBe(chainHash(previous, entry.leafHash));
      previous = entry.chainHash;
    }
    expect(batch?.head).toMatchObject({ size: many.length, chainHash: previous });
  });

  it("is screened in slices, and screened the same", async () => {
    let screened: readonly unknown[] = [];
    const turns = await turnsDuring(async () => {
      screened = await screenEntries(org.org.id, {}, many);
    });
    expect(turns).toBeGreaterThan(1);
    expect(screened).toEqual(many);
  });

  it("goes in statements of APPEND_CHUNK entries, in one transaction: consecutive, chained, its tree RFC 6962's, and the log verifies", async () => {
    const count = 2 * APPEND_CHUNK + 37;
    const before = Number((await db().pool.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [org.org.id])).rows[0]?.size);
    const sealed = await db().$transaction((tx) => appendAuditEntries(tx, org.org.id, many.slice(0, count)));
    expect(sealed.map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => before + i));
    const rows = await db().pool.query<{ seq: string; canonical: string; chain_hash: string; previous: string | null }>(
      `SELECT seq, canonical, chain_hash, lag(chain_hash) OVER (ORDER BY seq) AS previous FROM audit_entries WHERE org_id = $1 ORDER BY seq`,
      [org.org.id],
    );
    expect(rows.rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: before + count }, (_, i) => i));
    expect(rows.rows.map((r) => r.chain_hash).slice(before)).toEqual(sealed.map((e) => e.chainHash));
    // The tree the chunks completed between them answers RFC 6962's root, for an entry of each chunk.
    const leaves = rows.rows.map((r) => hashLeaf(r.canonical));
    const root = toHex(mth(leaves));
    for (const seq of [before, before + APPEND_CHUNK - 1, before + APPEND_CHUNK, before + count - 1]) {
      expect(await getAuditProof({ ctx: org.ctx, input: { seq, treeSize: leaves.length } })).toMatchObject({ type: "inclusion", rootHash: root });
    }
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, firstBrokenSeq: null, problem: null, checkedEntries: before + count });
  });

  it("is all or nothing: a refusal after the first chunk was written leaves none of it", async () => {
    const before = (await db().pool.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [org.org.id])).rows[0]?.size;
    await expect(
      db().$transaction(async (tx) => {
        await appendAuditEntries(tx, org.org.id, many.slice(0, APPEND_CHUNK + 1));
        throw new Error("refused after the append");
      }),
    ).rejects.toThrow("refused after the append");
    expect((await db().pool.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [org.org.id])).rows[0]?.size).toBe(before);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true });
  });
});
