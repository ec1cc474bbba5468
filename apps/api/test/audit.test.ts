import { checkpointGrowingLogs, db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { hashFromHex, openNote, parseCheckpoint, parseVerifierKey, verifyBundle, verifyConsistency, verifyInclusion } from "@gatehouse/tlog";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

async function actions(org: TestOrg, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const response = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: i % 3 === 0 ? "pr.delete" : "pr.open", metadata: { i } } });
    ids.push(response.json().auditEventId);
  }
  return ids;
}

const keysOf = async (key: string): Promise<string[]> => (await call(app, "GET", "/v1/audit/keys", { key })).json().keys.map((k: { vkey: string }) => k.vkey);

describe("checkpoints", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ policies: ALLOW_ALL_PR, label: "ckpt" });
    await actions(org, 5);
  });

  it("signs a C2SP checkpoint of the whole log with the org's key, on demand", async () => {
    const response = await call(app, "GET", "/v1/audit/checkpoint", { key: org.agent.apiKey });
    expect(response.statusCode).toBe(200);
    const checkpoint = response.json();
    const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } });
    expect(checkpoint.treeSize).toBeGreaterThanOrEqual(Number(head.size) - 1);
    const opened = openNote(checkpoint.note, (await keysOf(org.adminKey.apiKey)).map(parseVerifierKey));
    const body = parseCheckpoint(opened.text);
    expect(body.origin).toBe(`gatehouse/${org.org.id}`);
    expect(body.size).toBe(checkpoint.treeSize);
    expect(body.rootHash.toString("hex")).toBe(checkpoint.rootHash);
  });

  it("serves the note as text, ready to save for `gatehouse verify --since`", async () => {
    const response = await call(app, "GET", "/v1/audit/checkpoint?format=text", { key: org.adminKey.apiKey });
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^gatehouse\/org_\w+\n\d+\n[A-Za-z0-9+/=]{44}\n\n\u2014 gatehouse\/org_\w+ [A-Za-z0-9+/=]+\n$/);
  });

  it("the worker's checkpoint job signs a log that grew, without being asked", async () => {
    await actions(org, 2);
    const size = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    await checkpointGrowingLogs();
    expect(Number((await db().checkpoint.findFirst({ where: { orgId: org.org.id }, orderBy: { treeSize: "desc" } }))?.treeSize)).toBe(size);
  });

  it("lists checkpoint history, largest first, with keyset pages", async () => {
    const first = (await call(app, "GET", "/v1/audit/checkpoints?limit=1", { key: org.adminKey.apiKey })).json();
    expect(first.checkpoints).toHaveLength(1);
    const second = (await call(app, "GET", `/v1/audit/checkpoints?limit=1&cursor=${first.nextCursor}`, { key: org.adminKey.apiKey })).json();
    expect(second.checkpoints[0].treeSize).toBeLessThan(first.checkpoints[0].treeSize);
  });

  it("publishes verifier keys as text lines", async () => {
    const response = await call(app, "GET", "/v1/audit/keys?format=text", { key: org.agent.apiKey });
    expect(response.body).toMatch(/^gatehouse\/org_\w+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}\n$/);
  });
});

describe("proofs", () => {
  let org: TestOrg;
  let ids: string[];
  beforeAll(async () => {
    org = await createTestOrg({ policies: ALLOW_ALL_PR, label: "proof" });
    ids = await actions(org, 12);
  });

  it("proves every entry's inclusion in the signed tree", async () => {
    const checkpoint = (await call(app, "GET", "/v1/audit/checkpoint", { key: org.adminKey.apiKey })).json();
    for (let seq = 0; seq < checkpoint.treeSize; seq += 1) {
      const proof = (await call(app, "GET", `/v1/audit/proof?seq=${seq}&treeSize=${checkpoint.treeSize}`, { key: org.adminKey.apiKey })).json();
      expect(proof.rootHash).toBe(checkpoint.rootHash);
      expect(
        verifyInclusion(
          seq,
          proof.treeSize,
          hashFromHex(proof.leafHash),
          proof.proof.map((h: string) => hashFromHex(h)),
          hashFromHex(checkpoint.rootHash),
        ),
      ).toEqual({ ok: true });
    }
  });

  it("finds an entry by id, and the proof's leaf is the entry's leaf hash", async () => {
    const id = ids[4] as string;
    const proof = (await call(app, "GET", `/v1/audit/proof?entryId=${id}`, { key: org.agent.apiKey })).json();
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id } });
    expect(proof).toMatchObject({ type: "inclusion", entryId: id, seq: Number(entry.seq), leafHash: entry.leafHash });
    expect(proof.checkpoint.rootHash).toBe(proof.rootHash);
  });

  it("proves the log at an old size is a prefix of the log now", async () => {
    const proof = (await call(app, "GET", "/v1/audit/proof?from=5", { key: org.adminKey.apiKey })).json();
    expect(proof.type).toBe("consistency");
    expect(
      verifyConsistency(
        5,
        proof.to,
        proof.proof.map((h: string) => hashFromHex(h)),
        hashFromHex(proof.fromRootHash),
        hashFromHex(proof.toRootHash),
      ),
    ).toEqual({ ok: true });
  });

  it("refuses sizes beyond the log and unclear questions with 400, and another org's entry with 404", async () => {
    const beyond = await call(app, "GET", "/v1/audit/proof?seq=0&treeSize=999999", { key: org.adminKey.apiKey });
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json().error.details.issues[0].path).toBe("treeSize");
    expect((await call(app, "GET", "/v1/audit/proof?seq=1&from=0", { key: org.adminKey.apiKey })).statusCode).toBe(400);
    expect((await call(app, "GET", "/v1/audit/proof?seq=abc", { key: org.adminKey.apiKey })).statusCode).toBe(400);
    const other = await createTestOrg({ label: "other" });
    expect((await call(app, "GET", `/v1/audit/proof?entryId=${ids[0]}`, { key: other.adminKey.apiKey })).statusCode).toBe(404);
    expect((await call(app, "GET", `/v1/audit/proof?entryId=${ids[0]}`)).statusCode).toBe(401);
  });
});

describe("export", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ policies: ALLOW_ALL_PR, label: "export" });
    await actions(org, 9);
  });

  it("streams a bundle that verifies offline with the org's public key", async () => {
    const response = await call(app, "GET", "/v1/audit/export", { key: org.adminKey.apiKey });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    expect(response.headers["content-disposition"]).toMatch(/attachment; filename="gatehouse-audit-export-.*\.jsonl"/);
    const lines = response.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: "bundle", version: 1, origin: `gatehouse/${org.org.id}`, filter: null });
    expect(lines.filter((l) => l.type === "entry").map((l) => l.seq)).toEqual([...Array(Number(response.headers["x-gatehouse-tree-size"])).keys()]);
    const report = await verifyBundle(response.body, { keys: await keysOf(org.adminKey.apiKey) });
    expect(report).toMatchObject({ valid: true, complete: true, problem: null, keysFrom: "options" });
    expect(report.checkedEntries).toBe(Number(response.headers["x-gatehouse-tree-size"]));
  });

  it("filters by type and agent, each entry proven against the export's checkpoint", async () => {
    const response = await call(app, "GET", "/v1/audit/export?type=action.decided", { key: org.adminKey.apiKey });
    const entries = response.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "entry");
    expect(entries).toHaveLength(9);
    expect(entries.every((e) => JSON.parse(e.canonical).type === "action.decided" && e.proof.hashes.length > 0)).toBe(true);
    expect(await verifyBundle(response.body, { keys: await keysOf(org.adminKey.apiKey) })).toMatchObject({ valid: true, complete: false });
  });

  it("gives an agent's key only its own agent's entries", async () => {
    const response = await call(app, "GET", "/v1/audit/export", { key: org.agent.apiKey });
    const entries = response.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "entry");
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => JSON.parse(e.canonical).agentId === org.agent.id)).toBe(true);
    expect((await verifyBundle(response.body)).valid).toBe(true);
  });

  it("exports CSV for spreadsheets, with formulas defused", async () => {
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { title: '=HYPERLINK("x")' } } });
    const response = await call(app, "GET", "/v1/audit/export?format=csv&type=action.decided", { key: org.adminKey.apiKey });
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    const rows = response.body.trim().split("\r\n");
    expect(rows[0]).toBe("seq,time,type,actor_type,actor_id,agent_id,subject_id,leaf_hash,data");
    expect(rows).toHaveLength(1 + 10);
    expect(rows.at(-1)).toContain('""title"":""=HYPERLINK');
  });

  it("answers bad filters with 400 naming the field", async () => {
    const response = await call(app, "GET", "/v1/audit/export?from=yesterday", { key: org.adminKey.apiKey });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues[0].path).toBe("from");
  });
});

describe("signing key rotation", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ policies: ALLOW_ALL_PR, label: "rotate" });
    await actions(org, 3);
  });

  it("signs with the new key from then on, keeps the old one published, and records the rotation", async () => {
    const before = (await call(app, "GET", "/v1/audit/checkpoint", { key: org.adminKey.apiKey })).json();
    const [oldKey] = await keysOf(org.adminKey.apiKey);
    const rotated = await call(app, "POST", "/v1/admin/audit/keys/rotate", { key: org.adminKey.apiKey });
    expect(rotated.statusCode).toBe(200);
    const { keys, checkpoint } = rotated.json();
    expect(keys.map((k: { status: string }) => k.status)).toEqual(["retired", "active"]);
    const newKey = keys[1].vkey as string;
    expect(openNote(checkpoint.note, [parseVerifierKey(newKey)]).verified).toHaveLength(1);
    expect(openNote(before.note, [parseVerifierKey(oldKey as string)]).verified).toHaveLength(1);
    const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "audit.signing_key_rotated" } });
    expect(JSON.parse(entry.canonical).data).toMatchObject({ vkey: newKey, previousVkey: oldKey });

    const bundle = (await call(app, "GET", "/v1/audit/export", { key: org.adminKey.apiKey })).body;
    expect((await verifyBundle(bundle, { keys: keys.map((k: { vkey: string }) => k.vkey) })).valid).toBe(true);
    const onlyNew = await verifyBundle(bundle, { keys: [newKey] });
    expect(onlyNew.valid).toBe(false);
    expect(onlyNew.problem).toMatch(/no signature by a known key/);
  });

  it("with an Idempotency-Key, a retried rotation (even concurrent ones) rotates once", async () => {
    const fresh = await createTestOrg({ policies: ALLOW_ALL_PR, label: "rotidem" });
    const headers = { "idempotency-key": "2f0b7d9e-6a53-4c5e-9f1a-0d3c8b7a6e51" };
    const answers = await Promise.all([1, 2, 3].map(() => call(app, "POST", "/v1/admin/audit/keys/rotate", { key: fresh.adminKey.apiKey, headers })));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(await db().auditEntry.count({ where: { orgId: fresh.org.id, type: "audit.signing_key_rotated" } })).toBe(1);
    expect(new Set(answers.map((a) => a.json().keys.find((k: { status: string }) => k.status === "active").vkey)).size).toBe(1);
    const another = await call(app, "POST", "/v1/admin/audit/keys/rotate", { key: fresh.adminKey.apiKey, headers: { "idempotency-key": "another-rotation" } });
    expect(another.json().keys.map((k: { status: string }) => k.status)).toEqual(["retired", "retired", "active"]);
    const malformed = await call(app, "POST", "/v1/admin/audit/keys/rotate", { key: fresh.adminKey.apiKey, headers: { "idempotency-key": "no spaces" } });
    expect([malformed.statusCode, malformed.json().error.details.issues[0].path]).toEqual([400, "idempotency-key"]);
  });

  it("is for owners and admins only", async () => {
    const approver = await addTestMember(org, "approver");
    const response = await call(app, "POST", "/v1/admin/audit/keys/rotate", { key: approver.apiKey });
    expect(response.statusCode).toBe(403);
    expect((await call(app, "POST", "/v1/admin/audit/keys/rotate", { key: org.agent.apiKey })).statusCode).toBe(403);
  });
});

describe("GET /v1/audit", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ policies: ALLOW_ALL_PR, label: "list" });
    await actions(org, 6);
  });

  it("filters by action type, as the contract names it", async () => {
    const { events } = (await call(app, "GET", "/v1/audit?actionType=pr.delete", { key: org.adminKey.apiKey })).json();
    expect(events.map((e: { data: { actionType: string } }) => e.data.actionType)).toEqual(["pr.delete", "pr.delete"]);
  });

  it("shows an agent's key only its own agent's entries, and refuses no key", async () => {
    const { events } = (await call(app, "GET", "/v1/audit?limit=100", { key: org.agent.apiKey })).json();
    expect(events.filter((e: { type: string }) => e.type === "action.decided")).toHaveLength(6);
    expect(events.every((e: { agentId: string }) => e.agentId === org.agent.id)).toBe(true);
    expect(events.some((e: { type: string }) => e.type === "org.created")).toBe(false);
    expect((await call(app, "GET", "/v1/audit")).statusCode).toBe(401);
  });
});

describe("listing", () => {
  it("filters by action type and by time on the server (from inclusive, to exclusive)", async () => {
    const org = await createTestOrg({ policies: ALLOW_ALL_PR, label: "list" });
    await actions(org, 3);
    const middle = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const later = await actions(org, 3);
    const list = async (query: string) =>
      (await call(app, "GET", `/v1/audit?${query}`, { key: org.adminKey.apiKey })).json().events as Array<{ id: string; data: { actionType?: string } }>;
    const since = await list(`from=${encodeURIComponent(middle.toISOString())}`);
    expect(since.map((e) => e.id).sort()).toEqual([...later].sort());
    const before = await list(`to=${encodeURIComponent(middle.toISOString())}&type=action.decided`);
    expect(before).toHaveLength(3);
    expect(before.some((e) => later.includes(e.id))).toBe(false);
    const deletes = await list("actionType=pr.delete");
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((e) => e.data.actionType === "pr.delete")).toBe(true);
    const bad = await call(app, "GET", "/v1/audit?from=yesterday", { key: org.adminKey.apiKey });
    expect([bad.statusCode, bad.json().error.details.issues[0].path]).toEqual([400, "from"]);
  });
});
