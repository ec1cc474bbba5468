import { sealAuditEntry } from "@gatehouse/core";
import { formatCheckpoint, hashLeaf, signNote, toHex, TreeBuilder, verifyBundle } from "@gatehouse/tlog";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { exportAuditLog } from "../src/audit/export-audit-log";
import { listSigningKeys } from "../src/audit/list-signing-keys";
import { activeSigner, logOrigin } from "../src/audit/signing-keys";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { db, disconnectDb } from "../src/infra/client";
import { createTestOrg, noteEntry, type TestOrg } from "../src/testing";

// The database refuses edits to the log; these tests then play an attacker with direct access who
// switches the refusal off (session_replication_role = replica skips triggers for this session
// only) and show that verification — online and offline — names the first broken entry.
let attacker: pg.Client;

beforeAll(async () => {
  attacker = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await attacker.connect();
});
afterAll(async () => {
  await attacker.end();
  await disconnectDb();
});

const note = (i: number) => noteEntry(i, "tamper-test");

/** An org whose log holds its creation entries plus 30 notes, with checkpoints along the way. */
async function loggedOrg(): Promise<TestOrg & { size: number }> {
  const org = await createTestOrg({ label: "tamper" });
  for (let batch = 0; batch < 3; batch += 1) {
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        org.org.id,
        Array.from({ length: 10 }, (_, i) => note(batch * 10 + i)),
      ),
    );
    await checkpointAuditLog(org.org.id);
  }
  const size = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
  return { ...org, size };
}

async function tamper(sql: string, values: unknown[]): Promise<void> {
  await attacker.query("SET session_replication_role = replica");
  try {
    await attacker.query(sql, values);
  } finally {
    await attacker.query("SET session_replication_role = origin");
  }
}

async function bundleOf(org: TestOrg): Promise<string> {
  const exported = await exportAuditLog({ ctx: org.ctx, input: {} });
  let text = "";
  for await (const chunk of exported.chunks) text += chunk;
  return text;
}

const vkeys = async (org: TestOrg) => (await listSigningKeys({ ctx: org.ctx })).map((k) => k.vkey);

describe("the database refuses to change the log", () => {
  let org: TestOrg & { size: number };
  beforeAll(async () => {
    org = await loggedOrg();
  });

  it.each([
    ["UPDATE audit_entries SET canonical = 'x' WHERE org_id = $1", "audit entries"],
    ["DELETE FROM audit_entries WHERE org_id = $1", "audit entries"],
    ["UPDATE merkle_nodes SET hash = 'x' WHERE org_id = $1", "tree nodes"],
    ["DELETE FROM merkle_nodes WHERE org_id = $1", "tree nodes"],
    ["UPDATE checkpoints SET root_hash = 'x' WHERE org_id = $1", "checkpoints"],
    ["DELETE FROM checkpoints WHERE org_id = $1", "checkpoints"],
  ])("%s is refused (%s are append-only)", async (sql) => {
    await expect(attacker.query(sql, [org.org.id])).rejects.toThrow(/append-only/);
  });

  it("and an untouched log verifies, online and offline", async () => {
    const online = await verifyAuditLog({ ctx: org.ctx });
    expect(online).toMatchObject({ valid: true, firstBrokenSeq: null, problem: null });
    expect(online.treeSize).toBeGreaterThanOrEqual(org.size);
    expect(online.checkedEntries).toBe(online.treeSize);
    expect(online.checkedCheckpoints).toBeGreaterThanOrEqual(3);
    expect((await verifyBundle(await bundleOf(org), { keys: await vkeys(org) })).valid).toBe(true);
  });
});

describe("tampering, caught online (POST /v1/audit/verify) at the first broken entry", () => {
  it("an edited entry (one flipped byte)", async () => {
    const org = await loggedOrg();
    await tamper(`UPDATE audit_entries SET canonical = replace(canonical, '"to":"note 7"', '"to":"note 8"') WHERE org_id = $1 AND canonical LIKE '%"to":"note 7"}%'`, [org.org.id]);
    const seq = Number((await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, canonical: { contains: '"to":"note 8"}' } }, orderBy: { seq: "asc" } })).seq);
    const result = await verifyAuditLog({ ctx: org.ctx });
    expect(result).toMatchObject({ valid: false, firstBrokenSeq: seq });
    expect(result.problem).toMatch(/leaf hash does not match/);
  });

  it("an edited entry whose hashes were recomputed to match", async () => {
    const org = await loggedOrg();
    const row = (await attacker.query(`SELECT seq, canonical FROM audit_entries WHERE org_id = $1 AND canonical LIKE '%"to":"note 3"}%'`, [org.org.id])).rows[0];
    const forged = (row.canonical as string).replace('"to":"note 3"}', '"to":"note 4"}');
    await tamper(`UPDATE audit_entries SET canonical = $2, leaf_hash = $3 WHERE org_id = $1 AND seq = $4`, [org.org.id, forged, toHex(hashLeaf(forged)), row.seq]);
    const result = await verifyAuditLog({ ctx: org.ctx });
    expect(result).toMatchObject({ valid: false, firstBrokenSeq: Number(row.seq) });
    expect(result.problem).toMatch(/chain hash/);
  });

  it("a deleted entry", async () => {
    const org = await loggedOrg();
    await tamper(`DELETE FROM audit_entries WHERE org_id = $1 AND seq = 9`, [org.org.id]);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: false, firstBrokenSeq: 9 });
  });

  it("an inserted entry (later ones renumbered to make room)", async () => {
    const org = await loggedOrg();
    await tamper(`UPDATE audit_entries SET seq = -(seq + 1) WHERE org_id = $1 AND seq >= 12`, [org.org.id]);
    await tamper(`UPDATE audit_entries SET seq = -seq WHERE org_id = $1 AND seq < 0`, [org.org.id]);
    const previous = (await attacker.query(`SELECT chain_hash, created_at FROM audit_entries WHERE org_id = $1 AND seq = 11`, [org.org.id])).rows[0];
    const forged = sealAuditEntry({
      id: "aud_forgedforgedforgedforg",
      orgId: org.org.id,
      seq: 12,
      previousChainHash: previous.chain_hash,
      createdAt: previous.created_at,
      entry: note(999),
    });
    await tamper(
      `INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, canonical, leaf_hash, chain_hash, created_at) VALUES ($1, $2, 12, 'org.renamed', 'system', 'x', $3, $4, $5, $6)`,
      [forged.id, org.org.id, forged.canonical, forged.leafHash, forged.chainHash, previous.created_at],
    );
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: false, firstBrokenSeq: 12 });
  });

  it("two entries swapped", async () => {
    const org = await loggedOrg();
    await tamper(`UPDATE audit_entries SET seq = CASE seq WHEN 14 THEN -17 ELSE -14 END WHERE org_id = $1 AND seq IN (14, 17)`, [org.org.id]);
    await tamper(`UPDATE audit_entries SET seq = -seq WHERE org_id = $1 AND seq < 0`, [org.org.id]);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: false, firstBrokenSeq: 14 });
  });

  it("the newest entries cut off", async () => {
    const org = await loggedOrg();
    await tamper(`DELETE FROM audit_entries WHERE org_id = $1 AND seq >= $2`, [org.org.id, org.size - 3]);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: false, firstBrokenSeq: org.size - 3 });
  });

  it("a forked log: a validly signed checkpoint of another tree", async () => {
    const org = await loggedOrg();
    const { keyId, signer } = await activeSigner(org.org.id);
    const fork = signNote(formatCheckpoint(logOrigin(org.org.id), 5, hashLeaf("another tree")), [signer]);
    await attacker.query(`INSERT INTO checkpoints (id, org_id, tree_size, root_hash, note, signing_key_id) VALUES ('chk_forkforkforkforkforkfork', $1, 5, $2, $3, $4)`, [
      org.org.id,
      toHex(hashLeaf("another tree")),
      fork,
      keyId,
    ]);
    const result = await verifyAuditLog({ ctx: org.ctx });
    expect(result).toMatchObject({ valid: false, firstBrokenSeq: 4 });
    expect(result.problem).toMatch(/forked/);
  });
});

describe("tampering, caught offline (gatehouse verify) at the first bad line", () => {
  let org: TestOrg & { size: number };
  let lines: string[];
  let keys: string[];
  beforeAll(async () => {
    org = await loggedOrg();
    lines = (await bundleOf(org)).trimEnd().split("\n");
    keys = await vkeys(org);
  });
  const lineOf = (seq: number) => lines.findIndex((l) => l.startsWith(`{"type":"entry","seq":${seq},`));
  const check = (edited: string[]) => verifyBundle(edited.join("\n"), { keys });

  it("a flipped byte", async () => {
    const at = lineOf(10);
    const edited = [...lines];
    edited[at] = (edited[at] as string).replace('"to\\":', '"tp\\":');
    expect(await check(edited)).toMatchObject({ valid: false, firstBrokenSeq: 10, firstBadLine: at + 1 });
  });

  it("a deleted entry line", async () => {
    const edited = lines.filter((_, i) => i !== lineOf(10));
    expect(await check(edited)).toMatchObject({ valid: false, firstBrokenSeq: 10, firstBadLine: lineOf(11) });
  });

  it("an inserted entry line", async () => {
    const forged = sealAuditEntry({ id: "aud_forgedforgedforgedforg", orgId: org.org.id, seq: 10, previousChainHash: "0".repeat(64), createdAt: new Date(), entry: note(999) });
    const edited = [...lines];
    edited.splice(lineOf(10), 0, JSON.stringify({ type: "entry", seq: 10, canonical: forged.canonical, leafHash: forged.leafHash }));
    expect(await check(edited)).toMatchObject({ valid: false, firstBrokenSeq: 10 });
  });

  it("two entry lines swapped", async () => {
    const edited = [...lines];
    [edited[lineOf(12)], edited[lineOf(15)]] = [edited[lineOf(15)] as string, edited[lineOf(12)] as string];
    expect(await check(edited)).toMatchObject({ valid: false, firstBrokenSeq: 12, firstBadLine: lineOf(12) + 1 });
  });

  it("a bundle cut short", async () => {
    const report = await check(lines.slice(0, lineOf(20)));
    expect(report).toMatchObject({ valid: false, firstBrokenSeq: 20 });
    expect(report.problem).toMatch(/cut off/);
  });

  it("a fork: two signed checkpoints of one size with different roots", async () => {
    const { signer } = await activeSigner(org.org.id);
    const last = lines.filter((l) => l.startsWith('{"type":"checkpoint"')).at(-1) as string;
    const size = JSON.parse(last).size as number;
    const fork = JSON.stringify({ type: "checkpoint", size, note: signNote(formatCheckpoint(logOrigin(org.org.id), size, hashLeaf("fork")), [signer]) });
    const report = await check([...lines, fork]);
    expect(report).toMatchObject({ valid: false });
    expect(report.problem).toMatch(/forked/);
  });

  it("a re-signed rewrite passes on its own, but not against a checkpoint saved before it (--since)", async () => {
    const saved = JSON.parse(lines.filter((l) => l.startsWith('{"type":"checkpoint"')).at(1) as string).note as string;
    // The operator rewrites entry 3, drops the old checkpoints and signs the new tree with the real key.
    const { signer } = await activeSigner(org.org.id);
    const tree = new TreeBuilder();
    const rewritten: string[] = [];
    for (const line of lines) {
      const record = JSON.parse(line);
      if (record.type === "checkpoint") continue;
      if (record.type === "entry") {
        if (record.seq === 3) {
          record.canonical = (record.canonical as string).replace('"actor":', '"actor" :');
          record.leafHash = toHex(hashLeaf(record.canonical));
        }
        tree.push(Buffer.from(record.leafHash, "hex"));
      }
      rewritten.push(JSON.stringify(record));
    }
    rewritten.push(JSON.stringify({ type: "checkpoint", note: signNote(formatCheckpoint(logOrigin(org.org.id), tree.size, tree.root()), [signer]) }));
    // The header names the root its checkpoint signs: a thorough rewrite changes it too.
    rewritten[0] = JSON.stringify({ ...JSON.parse(rewritten[0] as string), rootHash: toHex(tree.root()) });
    expect((await verifyBundle(rewritten.join("\n"), { keys })).valid).toBe(true);
    const report = await verifyBundle(rewritten.join("\n"), { keys, since: saved });
    expect(report.valid).toBe(false);
    expect(report.problem).toMatch(/differs from your saved checkpoint/);
    const honest = await verifyBundle(lines.join("\n"), { keys, since: saved });
    expect(honest).toMatchObject({ valid: true, since: { consistent: true } });
  });
});
