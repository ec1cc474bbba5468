import { hashLeaf, toHex } from "@gatehouse/tlog";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { getAuditProof } from "../src/audit/get-audit-proof";
import { db, disconnectDb } from "../src/infra/client";
import { createTestOrg, noteEntry, type TestOrg } from "../src/testing";
import { mth, path } from "./rfc6962";

// The inclusion proof is answered in one query that names the nodes it reads in SQL. These tests
// hold every answer to RFC 6962's definitions, computed from the log's leaves alone (rfc6962.ts).

const note = (i: number) => noteEntry(i, "proof-test");

let org: TestOrg;
let entries: { id: string; leaf: Buffer }[];

beforeAll(async () => {
  org = await createTestOrg({ label: "proof" });
  // Uneven batches, so nodes are completed inside batches, across them and at their edges.
  let n = 0;
  for (const batch of [1, 2, 7, 13, 4, 9]) {
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        org.org.id,
        Array.from({ length: batch }, () => note((n += 1))),
      ),
    );
    if (batch === 7) await checkpointAuditLog(org.org.id);
  }
  const rows = await db().pool.query<{ id: string; canonical: string; leaf_hash: string }>(`SELECT id, canonical, leaf_hash FROM audit_entries WHERE org_id = $1 ORDER BY seq`, [
    org.org.id,
  ]);
  entries = rows.rows.map((r) => ({ id: r.id, leaf: hashLeaf(r.canonical) }));
  expect(rows.rows.map((r) => r.leaf_hash)).toEqual(entries.map((e) => toHex(e.leaf)));
});
afterAll(async () => {
  await disconnectDb();
});

describe("inclusion proofs from the stored tree", () => {
  it("equal RFC 6962's PATH and MTH for every entry at every tree size", async () => {
    const leaves = entries.map((e) => e.leaf);
    expect(leaves.length).toBeGreaterThan(36);
    const wrong: string[] = [];
    for (let n = 1; n <= leaves.length; n += 1) {
      const root = toHex(mth(leaves.slice(0, n)));
      for (let m = 0; m < n; m += 1) {
        const proof = await getAuditProof({ ctx: org.ctx, input: { seq: m, treeSize: n } });
        const expected = {
          type: "inclusion",
          seq: m,
          entryId: entries[m]?.id,
          leafHash: toHex(leaves[m] as Buffer),
          treeSize: n,
          rootHash: root,
          proof: path(m, leaves.slice(0, n)).map(toHex),
        };
        const { checkpoint: _checkpoint, ...answer } = proof;
        if (JSON.stringify(answer) !== JSON.stringify(expected)) wrong.push(`seq ${m} at size ${n}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("answer the same by entry id, and carry the signed checkpoint when one exists at that size", async () => {
    const leaves = entries.map((e) => e.leaf);
    const checkpointed = Number(
      (await db().pool.query<{ tree_size: string }>(`SELECT tree_size FROM checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1`, [org.org.id])).rows[0]?.tree_size,
    );
    for (const n of [checkpointed, leaves.length]) {
      for (let m = 0; m < n; m += 1) {
        const byId = await getAuditProof({ ctx: org.ctx, input: { entryId: entries[m]?.id, treeSize: n } });
        expect(byId).toMatchObject({ seq: m, treeSize: n, rootHash: toHex(mth(leaves.slice(0, n))), proof: path(m, leaves.slice(0, n)).map(toHex) });
        expect(byId.checkpoint?.treeSize ?? null).toBe(n === checkpointed ? n : null);
      }
    }
  });

  it("default to a fresh signed checkpoint of the whole log", async () => {
    const last = entries.length - 1;
    const proof = await getAuditProof({ ctx: org.ctx, input: { entryId: entries[last]?.id } });
    expect(proof).toMatchObject({ seq: last, treeSize: entries.length, rootHash: toHex(mth(entries.map((e) => e.leaf))) });
    expect([proof.checkpoint?.treeSize, proof.checkpoint?.rootHash]).toEqual([entries.length, proof.type === "inclusion" ? proof.rootHash : ""]);
  });

  it("refuse sizes beyond the log or before the entry, and entries of another org", async () => {
    await expect(getAuditProof({ ctx: org.ctx, input: { seq: 0, treeSize: entries.length + 1 } })).rejects.toMatchObject({
      code: "VALIDATION",
      details: { issues: [{ path: "treeSize" }] },
    });
    await expect(getAuditProof({ ctx: org.ctx, input: { seq: 5, treeSize: 5 } })).rejects.toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "treeSize" }] } });
    await expect(getAuditProof({ ctx: org.ctx, input: { seq: entries.length, treeSize: entries.length } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const other = await createTestOrg({ label: "proof-other" });
    await expect(getAuditProof({ ctx: other.ctx, input: { entryId: entries[0]?.id, treeSize: 1 } })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
