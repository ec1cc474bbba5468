import { execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseCheckpoint, parseWitnessPolicy, verifyBundle, verifyConsistency, verifyInclusion, verifyCosignatures } from "@gatehouse/tlog";
import { newId } from "@gatehouse/core";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { dropAuditMonths } from "../src/audit/drop-audit-months";
import { exportAuditLog } from "../src/audit/export-audit-log";
import { getAuditProof } from "../src/audit/get-audit-proof";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { witnessCheckpoint, witnessLatestCheckpoints } from "../src/audit/witness-checkpoints";
import { db, disconnectDb } from "../src/infra/client";
import { migrate } from "../src/migrate";
import { closeSignals } from "../src";
import { CLI_FROM_SOURCE, createTestDatabase, createTestOrg, initWitness, noteEntry, serveWitness, stopChild, testDatabaseUrl, type TestOrg } from "../src/testing";

// Issue 47, part 3 (docs/audit.md, Dropping old months): an org whose retention allows it loses its oldest months —
// whole partitions of audit_entries, dropped once every org with entries in them allows it — and the rest of its log
// still verifies: on the server, in its proofs, and offline from its export, from the start recorded at the drop.

let database: { url: string; drop: () => Promise<void> };
let admin: pg.Client;
let a: TestOrg;
let b: TestOrg;
let c: TestOrg;
/** Org A's signed checkpoints before any drop, by size. */
const notesOfA = new Map<number, string>();
/** Proofs of A's entries before any drop, at the size of its log then. */
let proofsBefore: Map<number, unknown>;
/** Each org's log size at the end of this month (the history partition), of next month (odd for A) and of the one after. */
const sizes = { a: [0, 0, 0], b: [0, 0, 0], c: [0] };

/** Two real witnesses (`gatehouse witness serve`): before the drop, one last cosigned A's log at an odd size, the other at an even one. */
interface Witness {
  name: string;
  dir: string;
  vkey: string;
  url: string;
  child: ChildProcess;
}
let witnesses: { odd: Witness; even: Witness };
let keysFile: string;
const scratch: string[] = [];
async function startWitness(name: string): Promise<Witness> {
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-drops-${name}-`));
  scratch.push(dir);
  return { name, dir, vkey: await initWitness(dir, `witness.test/${name}`), ...(await serveWitness(dir, keysFile)) };
}
const policyText = (logKey: string, ws: Witness[]) =>
  [`log ${logKey}`, ...ws.map((w) => `witness ${w.name} ${w.vkey} ${w.url}`), `group every all ${ws.map((w) => w.name).join(" ")}`, "quorum every", ""].join("\n");

/** The real time the suite started at: months count from it, whatever time the test has set meanwhile. */
const STARTED = new Date();

/** The UTC month `offset` months from the start: its partition's name and a time in its middle. */
function monthPartition(offset: number): string {
  const now = STARTED;
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return `audit_entries_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}
function midMonth(offset: number): Date {
  const now = STARTED;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 15, 12));
}
function at(time: Date): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(time);
}

let n = 0;
const append = (org: TestOrg, count: number) =>
  db().$transaction((tx) =>
    appendAuditEntries(
      tx,
      org.org.id,
      Array.from({ length: count }, () => noteEntry((n += 1), "drops")),
    ),
  );
const headSize = async (org: TestOrg) => Number((await admin.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [org.org.id])).rows[0]?.size);
const keepEntries = (org: TestOrg, days: number) =>
  admin.query(`UPDATE orgs SET settings = jsonb_set(settings, '{retention}', $2::jsonb) WHERE id = $1`, [org.org.id, JSON.stringify({ entries: days })]);
const starts = async () =>
  Object.fromEntries(
    (await admin.query<{ org_id: string; size: string }>(`SELECT org_id, size::text AS size FROM audit_log_starts`)).rows.map((row) => [row.org_id, Number(row.size)]),
  );
const partitions = async () =>
  (await admin.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_entries'::regclass`)).rows
    .map((row) => row.name)
    .sort();
const pruned = async (org: TestOrg) =>
  (
    await admin.query<{ seq: string; canonical: string; actor_id: string }>(
      `SELECT seq, canonical, actor_id FROM audit_entries WHERE org_id = $1 AND type = 'audit.pruned' ORDER BY seq`,
      [org.org.id],
    )
  ).rows.map((row) => ({ seq: Number(row.seq), actor: row.actor_id, data: (JSON.parse(row.canonical) as { data: Record<string, unknown> }).data }));
async function bundleOf(org: TestOrg, input: Record<string, unknown> = {}): Promise<string> {
  const exported = await exportAuditLog({ ctx: org.ctx, input });
  let text = "";
  for await (const chunk of exported.chunks) text += chunk;
  return text;
}
const vkeysOf = async (org: TestOrg) =>
  (await bundleOf(org, { type: "org.created" }))
    .split("\n")
    .filter((line) => line.startsWith('{"type":"key"'))
    .map((line) => (JSON.parse(line) as { vkey: string }).vkey);

beforeAll(async () => {
  database = await createTestDatabase(testDatabaseUrl(), "gatehouse_drops");
  await migrate({ url: database.url });
  process.env.DATABASE_URL = database.url;
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  [a, b, c] = [await createTestOrg({ label: "drop-a" }), await createTestOrg({ label: "drop-b" }), await createTestOrg({ label: "drop-c" })];
  // This month (the history partition), then the next two months; a checkpoint of A's log at each month's end. A's
  // log ends next month at an odd size, so a proof of its first entry kept needs the leaf of the last one dropped.
  await append(a, 5);
  await append(b, 3);
  await append(c, 2);
  sizes.a[0] = await headSize(a);
  sizes.b[0] = await headSize(b);
  sizes.c[0] = await headSize(c);
  at(midMonth(1));
  // On the way to next month's odd size S, both witnesses cosign A's log at S - 2 (odd); then only one at S - 1 (even).
  await append(a, ((sizes.a[0] as number) % 2 === 0 ? 7 : 6) - 2);
  const [logKey] = await vkeysOf(a);
  keysFile = join(await mkdtemp(join(tmpdir(), "gatehouse-drops-keys-")), "keys.txt");
  scratch.push(join(keysFile, ".."));
  await writeFile(keysFile, `${logKey}\n`);
  const [odd, even] = await Promise.all([startWitness("odd"), startWitness("even")]);
  witnesses = { odd, even };
  const cosigners = async (ws: Witness[]) => {
    const checkpoint = await checkpointAuditLog(a.org.id);
    notesOfA.set(checkpoint.treeSize, checkpoint.note);
    return [...(await witnessCheckpoint(a.org.id, parseWitnessPolicy(policyText(logKey as string, ws)), checkpoint))];
  };
  expect(await cosigners([odd, even])).toEqual(["odd", "even"]);
  await append(a, 1);
  expect(await cosigners([even])).toEqual(["even"]);
  await append(a, 1);
  await append(b, 2);
  sizes.a[1] = await headSize(a);
  sizes.b[1] = await headSize(b);
  notesOfA.set(sizes.a[1] as number, (await checkpointAuditLog(a.org.id)).note);
  at(midMonth(2));
  await append(a, 4);
  await append(b, 1);
  sizes.a[2] = await headSize(a);
  sizes.b[2] = await headSize(b);
  notesOfA.set(sizes.a[2] as number, (await checkpointAuditLog(a.org.id)).note);
  vi.useRealTimers();
  const [a1, a2] = [sizes.a[1] as number, sizes.a[2] as number];
  proofsBefore = new Map(await Promise.all([a1, a1 + 1, a2 - 1].map(async (seq) => [seq, await getAuditProof({ ctx: a.ctx, input: { seq, treeSize: a2 } })] as const)));
  for (const org of [a, b]) await keepEntries(org, 30);
}, 120_000);

afterEach(() => vi.useRealTimers());
afterAll(async () => {
  if (witnesses) await Promise.all([stopChild(witnesses.odd.child), stopChild(witnesses.even.child)]);
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  await admin?.end();
  await disconnectDb();
  await closeSignals();
  await database?.drop();
});

describe("dropping an org's oldest months (job audit-drop-months)", () => {
  it("keeps a month while one org with entries in it keeps its entries, and says which and why; nothing is written", async () => {
    at(midMonth(3));
    const before = await partitions();
    const run = await dropAuditMonths();
    expect(run).toEqual({
      dropped: [],
      orgs: 0,
      kept: {
        partition: "audit_entries_history",
        reason: `1 of the 3 orgs with entries in it keep them (org ${c.org.id}: its retention keeps whole entries (retention.entries is 0))`,
      },
    });
    expect(await partitions()).toEqual(before);
    expect(await starts()).toEqual({});
    expect(await pruned(a)).toEqual([]);
  });

  it("keeps a month that holds a decision still waiting for approval, whatever the retention, until it is decided", async () => {
    await keepEntries(c, 30);
    // A decision of C's from this (the history) month, held for a person: its action and its pending approval.
    const sealedAt = new Date(Date.now() - 60_000);
    const action = await db().action.create({
      data: {
        id: newId("action"),
        orgId: c.org.id,
        agentId: c.agent.id,
        actionType: "pr.merge",
        status: "requested",
        result: {},
        requestHash: "0".repeat(64),
        auditEntryId: newId("audit"),
        createdAt: sealedAt,
      },
    });
    const approval = await db().approval.create({
      data: {
        id: newId("approval"),
        orgId: c.org.id,
        actionId: action.id,
        agentId: c.agent.id,
        requestHash: "0".repeat(64),
        approverRoles: ["admin"],
        approverMemberIds: [],
        expiresAt: new Date(Date.now() + 86_400_000),
        createdAt: sealedAt,
      },
    });
    at(midMonth(3));
    const before = await partitions();
    expect((await dropAuditMonths()).kept).toEqual({
      partition: "audit_entries_history",
      reason: `1 of the 3 orgs with entries in it keep them (org ${c.org.id}: a decision in it still waits for approval)`,
    });
    expect(await partitions()).toEqual(before);
    await db().approval.update({ where: { id: approval.id }, data: { status: "denied", decidedAt: new Date() } });
  });

  it("drops the months every org allows, oldest first; stops at one an org's retention still keeps", async () => {
    await keepEntries(c, 30);
    at(midMonth(3));
    const run = await dropAuditMonths();
    expect(run, JSON.stringify(run)).toMatchObject({ dropped: ["audit_entries_history", monthPartition(1)] });
    expect(run.kept).toEqual({
      partition: monthPartition(2),
      reason: `2 of the 2 orgs with entries in it keep them (org ${[a, b].map((o) => o.org.id).sort()[0]}: its retention keeps whole entries 30 days)`,
    });
    expect(await partitions()).not.toContain("audit_entries_history");
    expect(await partitions()).not.toContain(monthPartition(1));
    expect(await starts()).toEqual({ [a.org.id]: sizes.a[1], [b.org.id]: sizes.b[1], [c.org.id]: sizes.c[0] });
    expect(run.orgs).toBe(5);
  });

  it("records each drop in the org's own log, by system:retention, with the tree's root where the log now starts", async () => {
    const entries = await pruned(a);
    expect(entries.map((e) => e.data.startSize)).toEqual([sizes.a[0], sizes.a[1]]);
    expect(entries.map((e) => e.data.previousStartSize)).toEqual([0, sizes.a[0]]);
    expect(entries.every((e) => e.actor === "retention" && e.data.days === 30)).toBe(true);
    // The root recorded at the start is the root of A's checkpoint of that size, signed before anything was dropped.
    expect(entries[1]?.data.rootHash).toBe(parseCheckpoint(`${notesOfA.get(sizes.a[1] as number)?.split("\n\n")[0]}\n`).rootHash.toString("hex"));
  });

  it("the server's verification starts there and checks the rest against the signed checkpoints", async () => {
    for (const [org, start] of [
      [a, sizes.a[1] as number],
      [b, sizes.b[1] as number],
      [c, sizes.c[0] as number],
    ] as const) {
      const size = await headSize(org);
      expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, problem: null, startSize: start, checkedEntries: size - start, treeSize: size });
    }
  });

  it("proves the kept entries as before (the odd start's boundary leaf kept), and names a dropped one as dropped", async () => {
    const [start, size] = [sizes.a[1] as number, sizes.a[2] as number];
    expect(start % 2).toBe(1);
    for (const [seq, proof] of proofsBefore) expect(await getAuditProof({ ctx: a.ctx, input: { seq, treeSize: size } })).toEqual(proof);
    const proof = (await getAuditProof({ ctx: a.ctx, input: { seq: start } })) as { leafHash: string; treeSize: number; proof: string[]; rootHash: string };
    const hex = (h: string) => Buffer.from(h, "hex");
    expect(verifyInclusion(start, proof.treeSize, hex(proof.leafHash), proof.proof.map(hex), hex(proof.rootHash)).ok).toBe(true);
    await expect(getAuditProof({ ctx: a.ctx, input: { seq: 3 } })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: `audit entry 3 not found: the log starts at seq ${start}: the entries before it were dropped under the org's retention`,
    });
    // Consistency from the start on still holds; from below it is refused naming the field.
    const consistency = (await getAuditProof({ ctx: a.ctx, input: { from: size } })) as { to: number; proof: string[]; fromRootHash: string; toRootHash: string };
    expect(verifyConsistency(size, consistency.to, consistency.proof.map(hex), hex(consistency.fromRootHash), hex(consistency.toRootHash)).ok).toBe(true);
    await expect(getAuditProof({ ctx: a.ctx, input: { from: start - 2 } })).rejects.toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "from" }] } });
  });

  it("a witness away since an even size below the start catches up; one away since an odd size is told why not, and cosigns once reset", async () => {
    const start = sizes.a[1] as number;
    const { odd, even } = witnesses;
    // A's latest checkpoint, after the start: the one the worker's job puts to the witnesses.
    const latest = (await admin.query<{ tree_size: string; note: string }>(`SELECT tree_size, note FROM checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1`, [a.org.id]))
      .rows[0] as { tree_size: string; note: string };
    const size = Number(latest.tree_size);
    expect(size).toBeGreaterThan(start);
    const logKey = (await readFile(keysFile, "utf8")).trim();
    const setPolicy = (text: string) =>
      admin.query(`UPDATE orgs SET settings = jsonb_set(settings, '{witnesses}', $2::jsonb) WHERE id = $1`, [a.org.id, JSON.stringify({ policy: text })]);
    const states = async () =>
      Object.fromEntries(
        (
          await admin.query<{ witness_key: string; size: string; last_error: string | null }>(`SELECT witness_key, size::text, last_error FROM witness_states WHERE org_id = $1`, [
            a.org.id,
          ])
        ).rows.map((row) => [row.witness_key === odd.vkey ? "odd" : "even", { size: Number(row.size), error: row.last_error }]),
      );
    expect(await states()).toEqual({ odd: { size: start - 2, error: null }, even: { size: start - 1, error: null } });
    try {
      // Each witness is asked, in the worker's job, to cosign A's latest checkpoint (of size `size`, after the start).
      await setPolicy(policyText(logKey, [odd, even]));
      await witnessLatestCheckpoints();
      const after = await states();
      expect(after.even).toEqual({ size, error: null });
      // Its cosignature verifies against its key, on the checkpoint it was shown.
      const line = (
        await admin.query<{ line: string }>(`SELECT line FROM checkpoint_cosignatures WHERE org_id = $1 AND tree_size = $2 AND witness_key = $3`, [
          a.org.id,
          String(size),
          even.vkey,
        ])
      ).rows[0]?.line;
      const note = latest.note;
      expect(
        verifyCosignatures(
          `${note.slice(0, note.indexOf("\n\n") + 2)}${line}`,
          parseWitnessPolicy(policyText(logKey, [even])).witnesses.map((w) => w.verifier),
        ),
      ).toHaveLength(1);
      // The odd one still holds its size; the reason names it, the start, and what its operator can do.
      expect(after.odd).toEqual({
        size: start - 2,
        error: `it holds size ${start - 2}, below where the log now starts (${start}: the entries before it were dropped under the org's retention), and no consistency proof from ${start - 2} is left; its operator has to remove its record of this log for it to cosign afresh`,
      });
      // Its operator removes its record of the log (stopped, so the record is not rewritten meanwhile): it cosigns afresh.
      await stopChild(odd.child);
      await writeFile(join(odd.dir, "state.json"), "{}\n");
      odd.child = (await serveWitness(odd.dir, keysFile, Number(new URL(odd.url).port))).child;
      await witnessLatestCheckpoints();
      expect((await states()).odd).toEqual({ size, error: null });
    } finally {
      await setPolicy("");
    }
  }, 60_000);

  it("exports a bundle that starts there and verifies offline with the org's keys, and with a checkpoint saved after the start", async () => {
    const [start, size] = [sizes.a[1] as number, sizes.a[2] as number];
    const text = await bundleOf(a);
    const startLine = JSON.parse(text.split("\n")[2] as string) as { type: string; size: number; frontier: string[] };
    expect(startLine).toMatchObject({ type: "start", size: start });
    expect(startLine.frontier).toHaveLength(start.toString(2).replaceAll("0", "").length);
    const keys = await vkeysOf(a);
    expect(await verifyBundle(text, { keys })).toMatchObject({ valid: true, startSize: start, checkedEntries: (await headSize(a)) - start, complete: true });
    expect(await verifyBundle(text, { keys, since: notesOfA.get(size) })).toMatchObject({ valid: true, since: { treeSize: size, consistent: true } });
    expect(await verifyBundle(text, { keys, since: notesOfA.get(start) })).toMatchObject({ valid: true, since: { treeSize: start, consistent: true } });
    // A filtered export proves each entry and carries no start line.
    const filtered = await bundleOf(a, { type: "org.renamed" });
    expect(filtered).not.toContain('"type":"start"');
    expect(await verifyBundle(filtered, { keys })).toMatchObject({ valid: true, checkedEntries: size - start });
    // The CLI a user runs agrees (the independent verifier's own test: apps/api/test/audit-start-bundle.test.ts).
    const dir = await mkdtemp(join(tmpdir(), "gatehouse-drops-"));
    try {
      await writeFile(join(dir, "log.jsonl"), text);
      const cli = await promisify(execFile)(process.execPath, [...CLI_FROM_SOURCE, "verify", join(dir, "log.jsonl"), ...keys.flatMap((k) => ["--key", k])], {
        env: { PATH: process.env.PATH ?? "" },
      });
      expect(cli.stdout).toMatch(/^✓ valid: /);
      expect(cli.stdout).toContain(`the log starts at seq ${start}: the entries before it were dropped under the org's retention`);
      // A start line rewritten to hide nothing more than the drop did still has to match the signed checkpoints.
      const forged = text.replace(/"frontier":\["[0-9a-f]{64}/, `"frontier":["${"0".repeat(64)}`);
      expect(await verifyBundle(forged, { keys })).toMatchObject({ valid: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(bundleOf(a, { type: "org.renamed", sinceSize: start - 2 })).rejects.toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "sinceSize" }] } });
  });

  it("refuses to move a start back or remove it; a forged frontier fails the verification", async () => {
    await expect(admin.query(`UPDATE audit_log_starts SET size = 3 WHERE org_id = $1`, [a.org.id])).rejects.toThrow(/only moves forward/);
    await expect(admin.query(`DELETE FROM audit_log_starts WHERE org_id = $1`, [a.org.id])).rejects.toThrow(/append-only/);
    await expect(admin.query(`TRUNCATE audit_log_starts`)).rejects.toThrow(/append-only/);
    // Someone with the table's owner rights rewrites the frontier: the rest no longer matches the signed checkpoints.
    const { rows } = await admin.query<{ frontier: string[] }>(`SELECT frontier FROM audit_log_starts WHERE org_id = $1`, [a.org.id]);
    const forged = [...(rows[0]?.frontier ?? [])];
    forged[0] = "0".repeat(64);
    await admin.query(`UPDATE audit_log_starts SET frontier = $2::text[] WHERE org_id = $1`, [a.org.id, forged]);
    const broken = await verifyAuditLog({ ctx: a.ctx });
    expect(broken).toMatchObject({ valid: false, startSize: sizes.a[1] });
    expect(broken.problem).toMatch(/do not match the signed checkpoint/);
    await admin.query(`UPDATE audit_log_starts SET frontier = $2::text[] WHERE org_id = $1`, [a.org.id, rows[0]?.frontier]);
    expect(await verifyAuditLog({ ctx: a.ctx })).toMatchObject({ valid: true });
  });

  it("two workers at once drop a month once and record each org's drop once; a second run finds nothing to do", async () => {
    // Month 4 has no partition (the database's clock is today's): the drops' own entries go to the default partition.
    at(midMonth(4));
    const before = { a: (await pruned(a)).length, b: (await pruned(b)).length };
    const runs = await Promise.allSettled([dropAuditMonths(), dropAuditMonths()]);
    // Neither run fails: the one that finds the month gone, or the starts recorded, has nothing to do.
    expect(runs.map((run) => run.status)).toEqual(["fulfilled", "fulfilled"]);
    const dropped = runs.flatMap((run) => (run.status === "fulfilled" ? run.value.dropped : []));
    expect(dropped).toEqual([monthPartition(2)]);
    expect(await partitions()).not.toContain(monthPartition(2));
    expect({ a: (await pruned(a)).length, b: (await pruned(b)).length }).toEqual({ a: before.a + 1, b: before.b + 1 });
    expect(await starts()).toMatchObject({ [a.org.id]: sizes.a[2], [b.org.id]: sizes.b[2] });
    const again = await dropAuditMonths();
    expect(again).toMatchObject({ dropped: [], orgs: 0 });
    for (const org of [a, b, c]) expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, problem: null });
    expect(await verifyBundle(await bundleOf(a), { keys: await vkeysOf(a) })).toMatchObject({ valid: true, startSize: sizes.a[2] });
  });
});
