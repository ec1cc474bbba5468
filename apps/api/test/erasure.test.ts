import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { db, issueAdminKey, listSigningKeys } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, tablesHolding, writesOf } from "./helpers";
import { independentlyVerify } from "./independent-verifier";

// Erasure that leaves the log verifiable (docs/adr/0023-erasure.md): decisions and outcomes are sealed
// in the second format, committing to their metadata, data accessed, conditions' values and message by
// salted digests; an owner erases a subject's values; the log still verifies on the server, with the
// CLI offline and with an independent implementation of RFC 6962 and C2SP signed notes; the erasure
// entry names who and why; a value put back that does not match its digest is caught.

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "gatehouse-erasure-"));
const ALLOW = [{ name: "allow-all", actions: ["*"], effect: "allow" }];

let app: FastifyInstance;
let org: TestOrg;
const email = `jane.${randomBytes(6).toString("hex")}@example.com`;
let decision: { auditEventId: string };
let erasure: { erasureEntryId: string; erasureSeq: number; entries: number; fields: number };

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "erasure", policies: ALLOW });
  // Personal data is flagged (kept) by default: this decision and its outcome hold the subject's address.
  decision = JSON.parse(
    (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "ticket.reply", metadata: { to: email, body: `Hello ${email}` } } })).body,
  ) as { auditEventId: string };
  await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "ticket.reply", metadata: { to: "someone.else@example.org" } } });
  expect(
    (await call(app, "POST", `/v1/actions/${decision.auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "success", message: `sent to ${email}` } })).statusCode,
  ).toBe(200);
  const erased = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.adminKey.apiKey, body: { subject: email, reason: "GDPR art. 17 request #88" } });
  expect(erased.statusCode, erased.body).toBe(200);
  erasure = JSON.parse(erased.body) as typeof erasure;
}, 60_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await stopApp(app);
});

async function exported(): Promise<string> {
  const answer = await call(app, "GET", "/v1/audit/export", { key: org.adminKey.apiKey });
  expect(answer.statusCode).toBe(200);
  return answer.body;
}

async function vkeys(): Promise<string[]> {
  return (await listSigningKeys({ ctx: org.ctx })).map((k) => k.vkey);
}

/** `gatehouse verify <bundle> --key <vkey>` as a user runs it: its own process, offline. */
function cliVerify(bundle: string, keys: string[]): { status: number | null; out: string } {
  const path = join(dir, `bundle-${randomBytes(4).toString("hex")}.jsonl`);
  writeFileSync(path, bundle);
  const run = spawnSync(process.execPath, ["--conditions=@gatehouse/source", "--import", "tsx", "packages/cli/src/bin.ts", "verify", path, ...keys.flatMap((k) => ["--key", k])], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "" },
    timeout: 60_000,
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe("an erasure for a subject", () => {
  it("erased every field holding the subject (the decision's metadata, its conditions' values, the outcome's message), and no other", () => {
    expect(erasure).toMatchObject({ entries: 2, erasureEntryId: expect.stringMatching(/^aud_/) });
    expect(erasure.fields).toBeGreaterThanOrEqual(2);
  });

  it("the subject is in no table of the database any more", async () => {
    expect(await tablesHolding(email)).toEqual([]);
    expect(await tablesHolding("someone.else@example.org")).not.toEqual([]);
  });

  it("the erasure entry names who erased and why, and not the subject", async () => {
    const listed = JSON.parse((await call(app, "GET", "/v1/audit?limit=5", { key: org.adminKey.apiKey })).body) as {
      events: Array<{ type: string; actorType: string; actorId: string; canonical: string; data: { reason: string; entries: Array<{ seq: number; fields: string[] }> } }>;
    };
    const entry = listed.events.find((e) => e.type === "audit.erased");
    expect(entry).toMatchObject({ actorType: "adminKey", data: { reason: "GDPR art. 17 request #88" } });
    expect(entry?.data.entries).toHaveLength(2);
    expect(entry?.canonical).not.toContain(email);
  });

  it("the listing shows the erased fields as erased, with the erasure's seq", async () => {
    const listed = JSON.parse((await call(app, "GET", "/v1/audit?limit=10&type=action.decided", { key: org.adminKey.apiKey })).body) as {
      events: Array<{ id: string; data: { metadata: unknown }; erased?: Record<string, number> }>;
    };
    const erasedOne = listed.events.find((e) => e.id === decision.auditEventId);
    expect(erasedOne?.erased).toMatchObject({ metadata: erasure.erasureSeq });
    expect(erasedOne?.data.metadata).toEqual({});
    const kept = listed.events.find((e) => e.id !== decision.auditEventId);
    expect(kept?.erased).toBeUndefined();
    expect(kept?.data.metadata).toEqual({ to: "someone.else@example.org" });
  });

  it("the log verifies on the server", async () => {
    const verified = JSON.parse((await call(app, "POST", "/v1/audit/verify", { key: org.adminKey.apiKey })).body) as { valid: boolean; problem: string | null };
    expect(verified).toMatchObject({ valid: true, problem: null });
  });

  it("the export verifies with the CLI offline and with an independent implementation; it carries no trace of the subject", async () => {
    const bundle = await exported();
    expect(bundle).not.toContain(email);
    expect(bundle).toContain(`"erased":{"metadata":{"seq":${erasure.erasureSeq}}`);
    const keys = await vkeys();
    const cli = cliVerify(bundle, keys);
    expect(cli.status, cli.out).toBe(0);
    expect(independentlyVerify(bundle, keys)).toBeNull();
  });

  type Line = { canonical: string; fields?: Record<string, { canonical: string; salt: string }>; erased?: Record<string, { seq: number }> };
  it("a filtered export (the decisions, each with its inclusion proof) verifies with both too", async () => {
    const answer = await call(app, "GET", "/v1/audit/export?type=action.decided", { key: org.adminKey.apiKey });
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('"proof":');
    expect(answer.body).toContain('"erased":');
    const keys = await vkeys();
    const cli = cliVerify(answer.body, keys);
    expect(cli.status, cli.out).toBe(0);
    expect(independentlyVerify(answer.body, keys)).toBeNull();
    // One proof hash changed: the independent check no longer reaches the checkpoint's root.
    const broken = answer.body.replace(/("hashes":\["[0-9a-f])([0-9a-f])/, (_m, a: string, b: string) => `${a}${b === "0" ? "1" : "0"}`);
    expect(independentlyVerify(broken, keys)).toMatch(/inclusion proof/);
  });

  it.each([
    [
      "a value put back into an erased field",
      (line: Line) => line.erased?.metadata !== undefined,
      (line: Line) => {
        delete line.erased?.metadata;
        line.fields = { ...line.fields, metadata: { canonical: JSON.stringify({ to: "x@example.com" }), salt: "00" } };
      },
    ],
    [
      "a kept field's value changed",
      (line: Line) => line.fields?.metadata?.canonical.includes("someone.else") === true,
      (line: Line) => {
        (line.fields?.metadata as { canonical: string }).canonical = JSON.stringify({ to: "someone.evil@example.org" });
      },
    ],
    [
      "a kept field dropped",
      (line: Line) => line.fields?.metadata?.canonical.includes("someone.else") === true,
      (line: Line) => {
        delete line.fields?.metadata;
      },
    ],
  ])("%s: both verifiers refuse the bundle, naming the field", async (_name, pick, change) => {
    const lines = (await exported()).split("\n");
    const target = lines.findIndex((l) => l.startsWith('{"type":"entry"') && pick(JSON.parse(l) as Line));
    expect(target).toBeGreaterThanOrEqual(0);
    const record = JSON.parse(lines[target] as string) as Line;
    change(record);
    lines[target] = JSON.stringify(record);
    const tampered = lines.join("\n");
    const keys = await vkeys();
    const cli = cliVerify(tampered, keys);
    expect(cli.status).not.toBe(0);
    expect(cli.out, cli.out).toMatch(/field metadata/);
    expect(independentlyVerify(tampered, keys)).toMatch(/field metadata/);
  });

  it("in the database, the only change allowed is an erasure: a value cannot be put back, nor the entry edited", async () => {
    const seq = (await db().auditEntry.findUniqueOrThrow({ where: { id: decision.auditEventId } })).seq;
    const putBack = db().pool.query(`UPDATE audit_entries SET fields = jsonb_set(fields, '{metadata}', '{"canonical":"{}","salt":"00"}') WHERE org_id = $1 AND seq = $2`, [
      org.org.id,
      String(seq),
    ]);
    await expect(putBack).rejects.toThrow(/append-only|only be erased/);
    await expect(db().pool.query(`UPDATE audit_entries SET canonical = canonical || ' ' WHERE org_id = $1 AND seq = $2`, [org.org.id, String(seq)])).rejects.toThrow(/append-only/);
  });

  it("a value put back behind the triggers' back (a superuser) fails the server's verification, naming the entry", async () => {
    const other = await createTestOrg({ label: "erasure-tamper", policies: ALLOW });
    const sent = JSON.parse((await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "a.b", metadata: { who: "x" } } })).body) as {
      auditEventId: string;
    };
    const attacker = new pg.Client({ connectionString: db().pool.options.connectionString });
    await attacker.connect();
    try {
      await attacker.query("SET session_replication_role = replica");
      await attacker.query(
        `UPDATE audit_entries SET fields = jsonb_set(fields, '{metadata}', jsonb_build_object('canonical', '{"who":"y"}', 'salt', fields->'metadata'->>'salt')) WHERE id = $1`,
        [sent.auditEventId],
      );
    } finally {
      await attacker.end();
    }
    const verified = JSON.parse((await call(app, "POST", "/v1/audit/verify", { key: other.adminKey.apiKey })).body) as { valid: boolean; problem: string };
    expect(verified.valid).toBe(false);
    expect(verified.problem).toMatch(/field metadata does not match the digest/);
  });
});

describe("who may erase, and what", () => {
  it.each(["admin", "approver", "auditor", "viewer"] as const)("a member with role %s: 403, nothing written", async (role) => {
    const target = await createTestOrg({ label: `erasure-${role}`, policies: ALLOW });
    const { addTestMember } = await import("@gatehouse/db/testing");
    const member = await addTestMember(target, role);
    const key = await issueAdminKey({ ctx: target.ctx, input: { membershipId: member.membershipId } });
    const before = await writesOf(target.org.id);
    const answer = await call(app, "POST", "/v1/admin/audit/erasures", { key: key.apiKey, body: { subject: "anything", reason: "r" } });
    expect(answer.statusCode).toBe(403);
    expect(await writesOf(target.org.id)).toEqual(before);
  });

  it("an agent key: refused", async () => {
    const answer = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.agent.apiKey, body: { subject: "anything", reason: "r" } });
    expect([401, 403]).toContain(answer.statusCode);
  });

  it("another org's entry id: 404, and nothing of either org changes", async () => {
    const other = await createTestOrg({ label: "erasure-other", policies: ALLOW });
    const theirs = JSON.parse((await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "a.b", metadata: { k: "v" } } })).body) as {
      auditEventId: string;
    };
    const [mine, their] = [await writesOf(org.org.id), await writesOf(other.org.id)];
    const answer = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.adminKey.apiKey, body: { entryIds: [theirs.auditEventId], reason: "r" } });
    expect(answer.statusCode).toBe(404);
    expect([await writesOf(org.org.id), await writesOf(other.org.id)]).toEqual([mine, their]);
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: theirs.auditEventId } });
    expect(JSON.stringify(entry.fields)).toContain('\\"k\\":\\"v\\"');
  });

  it("an entry of the first format: 400 naming it, nothing written", async () => {
    const first = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "org.created" } });
    const before = await writesOf(org.org.id);
    const answer = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.adminKey.apiKey, body: { entryIds: [first.id], reason: "r" } });
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { details: { issues: [{ path: "entryIds[0]" }] } } });
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it.each([
    [{ reason: "r" }, "entryIds"],
    [{ entryIds: ["aud_x"], subject: "abc", reason: "r" }, "entryIds"],
    [{ subject: "ab", reason: "r" }, "subject"],
    [{ subject: "abc", reason: " " }, "reason"],
    [{ subject: "abc" }, "reason"],
    [{ entryIds: ["not-an-id"], reason: "r" }, "entryIds[0]"],
    [{ entryIds: [], reason: "r" }, "entryIds"],
  ])("%j: 400 naming %s", async (body, path) => {
    const answer = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.adminKey.apiKey, body });
    expect(answer.statusCode).toBe(400);
    expect((JSON.parse(answer.body) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues.map((i) => i.path)).toContain(path);
  });

  it("a subject nobody holds: nothing erased, no entry written", async () => {
    const before = await writesOf(org.org.id);
    const answer = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.adminKey.apiKey, body: { subject: `nobody-${randomBytes(4).toString("hex")}`, reason: "r" } });
    expect(JSON.parse(answer.body)).toEqual({ erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 });
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});
