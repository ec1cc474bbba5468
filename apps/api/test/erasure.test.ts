import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { APPROVED_HOOKS, appendAuditEntries, db, decideApproval, getMemberContext, issueAdminKey, listSigningKeys } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
    expect(JSON.parse(answer.body)).toEqual({ status: "erased", erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 });
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});

// Erasure under the two-admin rule (issue 41): one owner alone erases nothing while the rule is in force;
// the erasure is recorded whole and waits for another owner or admin, whom none of the requester's
// credentials can stand in for. Without the rule it applies at once, and the other owners are told.
// One request reaches a bounded set: a subject of at least 6 characters, at most 1,000 entries.

const hex = () => randomBytes(6).toString("hex");

/** The org's `audit.erased` entries. */
async function erasuresOf(orgId: string): Promise<number> {
  return db().auditEntry.count({ where: { orgId, type: "audit.erased" } });
}

/** The stored fields of an entry, as text: whether a value is still there. */
async function fieldsOf(entryId: string): Promise<string> {
  return JSON.stringify((await db().auditEntry.findUniqueOrThrow({ where: { id: entryId }, select: { fields: true } })).fields);
}

/** A decision holding `subject` in its metadata; its entry id. */
async function decisionHolding(target: TestOrg, subject: string): Promise<string> {
  const sent = await call(app, "POST", "/v1/actions", { key: target.agent.apiKey, body: { actionType: "ticket.reply", metadata: { to: subject } } });
  expect(sent.statusCode, sent.body).toBe(200);
  return (JSON.parse(sent.body) as { auditEventId: string }).auditEventId;
}

const erase = (key: string, body: unknown) => call(app, "POST", "/v1/admin/audit/erasures", { key, body });
const vote = (key: string, approvalId: string, decision: "approve" | "deny" = "approve") =>
  call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key, body: { decision } });

describe("erasure while the two-admin rule is in force", () => {
  let ruled: TestOrg;
  let second: TestMember;
  let requesterSecondKey: string;
  const subject = `ruled.${hex()}@example.com`;
  let held: string;

  beforeAll(async () => {
    ruled = await createTestOrg({ label: "erasure-ruled", policies: ALLOW });
    second = await addTestMember(ruled, "owner", "second-owner");
    requesterSecondKey = (await issueAdminKey({ ctx: ruled.ctx, input: { membershipId: ruled.owner.membershipId, name: "other credential" } })).apiKey;
    const on = await call(app, "PATCH", "/v1/admin/settings", { key: ruled.adminKey.apiKey, body: { policies: { requireSecondApproval: true } } });
    expect(on.statusCode, on.body).toBe(200);
    held = await decisionHolding(ruled, subject);
  });

  it("one owner alone: 202 pending_approval, nothing erased, and the subject is written nowhere new", async () => {
    const tablesBefore = await tablesHolding(subject);
    const asked = await erase(ruled.adminKey.apiKey, { subject, reason: "erasure request #41" });
    expect(asked.statusCode, asked.body).toBe(202);
    expect(JSON.parse(asked.body)).toMatchObject({ status: "pending_approval", approvalId: expect.stringMatching(/^apr_/), entries: 1 });
    expect(await erasuresOf(ruled.org.id)).toBe(0);
    expect(await fieldsOf(held)).toContain(subject);
    expect(await tablesHolding(subject)).toEqual(tablesBefore);
  });

  it("a retry of the same request answers the same approval", async () => {
    const first = JSON.parse((await erase(ruled.adminKey.apiKey, { subject, reason: "erasure request #41" })).body) as { approvalId: string };
    const again = JSON.parse((await erase(ruled.adminKey.apiKey, { subject, reason: "erasure request #41" })).body) as { approvalId: string };
    expect(again.approvalId).toBe(first.approvalId);
  });

  it("no credential of the requester approves it (admin key, her other admin key, bulk, her console session); nothing erased", async () => {
    const { approvalId } = JSON.parse((await erase(ruled.adminKey.apiKey, { subject, reason: "erasure request #41" })).body) as { approvalId: string };
    const approval = JSON.parse((await call(app, "GET", `/v1/admin/approvals/${approvalId}`, { key: second.apiKey })).body) as Record<string, unknown>;
    expect(approval).toMatchObject({ status: "pending", actionType: "gatehouse.audit.erase", requestedBy: ruled.owner.membershipId });
    const console = await getMemberContext({ userId: ruled.owner.userId, orgSlug: ruled.org.slug, requestId: "console" });
    const attempts: Array<[string, () => Promise<number | string>]> = [
      ["her admin key", async () => (await vote(ruled.adminKey.apiKey, approvalId)).statusCode],
      ["her other admin key", async () => (await vote(requesterSecondKey, approvalId)).statusCode],
      [
        "bulk decide with her other key",
        async () => {
          const answer = await call(app, "POST", "/v1/admin/approvals/decision", { key: requesterSecondKey, body: { approvalIds: [approvalId], decision: "approve" } });
          const [item] = (JSON.parse(answer.body) as { results: Array<{ error?: { code: string } }> }).results;
          return item?.error?.code ?? answer.statusCode;
        },
      ],
      [
        "her console session",
        async () => {
          try {
            await decideApproval({ ctx: console, input: { approvalId, body: { decision: "approve" } } });
            return 200;
          } catch (error) {
            return (error as { code?: string }).code ?? "error";
          }
        },
      ],
    ];
    for (const [credential, attempt] of attempts) expect([credential, [403, "FORBIDDEN"].includes(await attempt())]).toEqual([credential, true]);
    expect((await db().approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("pending");
    expect(await erasuresOf(ruled.org.id)).toBe(0);
    expect(await fieldsOf(held)).toContain(subject);
  });

  it("a second owner approves: erased, recorded with the approval, applied once, and the log still verifies", async () => {
    const { approvalId } = JSON.parse((await erase(ruled.adminKey.apiKey, { subject, reason: "erasure request #41" })).body) as { approvalId: string };
    const approved = await vote(second.apiKey, approvalId);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(await fieldsOf(held)).not.toContain(subject);
    const entries = await db().auditEntry.findMany({ where: { orgId: ruled.org.id, type: "audit.erased" } });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.canonical).toContain(approvalId);
    expect(entries[0]?.canonical).toContain(second.membershipId);
    expect(entries[0]?.canonical).not.toContain(subject);
    expect(await tablesHolding(subject)).toEqual([]);
    // Its hook again: nothing more is written.
    const size = (await writesOf(ruled.org.id)).auditSize;
    const { actionId } = await db().approval.findUniqueOrThrow({ where: { id: approvalId }, select: { actionId: true } });
    const ctx = await getMemberContext({ userId: second.userId, orgSlug: ruled.org.slug, requestId: "again" });
    await APPROVED_HOOKS["gatehouse.audit.erase"]?.(ctx, { approvalId, actionId, actionType: "gatehouse.audit.erase" });
    expect((await writesOf(ruled.org.id)).auditSize).toBe(size);
    const verified = JSON.parse((await call(app, "POST", "/v1/audit/verify", { key: second.apiKey })).body) as { valid: boolean; problem: string | null };
    expect(verified).toMatchObject({ valid: true, problem: null });
    const bundle = (await call(app, "GET", "/v1/audit/export", { key: second.apiKey })).body;
    expect(
      independentlyVerify(
        bundle,
        (await listSigningKeys({ ctx: ruled.ctx })).map((k) => k.vkey),
      ),
    ).toBeNull();
  });

  it("denied: nothing erased", async () => {
    const other = `denied.${hex()}@example.com`;
    const entry = await decisionHolding(ruled, other);
    const { approvalId } = JSON.parse((await erase(ruled.adminKey.apiKey, { subject: other, reason: "r" })).body) as { approvalId: string };
    expect((await vote(second.apiKey, approvalId, "deny")).statusCode).toBe(200);
    expect(await fieldsOf(entry)).toContain(other);
  });

  it("a subject nobody holds: nothing erased, no approval opened, nothing written", async () => {
    const before = await writesOf(ruled.org.id);
    const answer = await erase(ruled.adminKey.apiKey, { subject: `nobody-${hex()}`, reason: "r" });
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: "erased", erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 });
    expect(await writesOf(ruled.org.id)).toEqual(before);
  });

  it.each(["approver", "auditor", "viewer"] as const)("a member with role %s cannot approve it: 403, nothing erased", async (role) => {
    const other = `role-${role}.${hex()}@example.com`;
    const entry = await decisionHolding(ruled, other);
    const { approvalId } = JSON.parse((await erase(ruled.adminKey.apiKey, { subject: other, reason: "r" })).body) as { approvalId: string };
    const member = await addTestMember(ruled, role);
    expect((await vote(member.apiKey, approvalId)).statusCode).toBe(403);
    expect(await fieldsOf(entry)).toContain(other);
  });

  it("an admin approves an owner's erasure: erased (the second person may be an owner or an admin)", async () => {
    const other = `by-admin.${hex()}@example.com`;
    const entry = await decisionHolding(ruled, other);
    const { approvalId } = JSON.parse((await erase(ruled.adminKey.apiKey, { subject: other, reason: "r" })).body) as { approvalId: string };
    const admin = await addTestMember(ruled, "admin");
    expect((await vote(admin.apiKey, approvalId)).statusCode).toBe(200);
    expect(await fieldsOf(entry)).not.toContain(other);
  });

  it("the requester no longer an owner when it is approved: nothing erased (nothing outlives the authority it came from)", async () => {
    const asker = await addTestMember(ruled, "owner", "asker");
    const other = `demoted.${hex()}@example.com`;
    const entry = await decisionHolding(ruled, other);
    const asked = await erase(asker.apiKey, { subject: other, reason: "r" });
    expect(asked.statusCode, asked.body).toBe(202);
    const { approvalId } = JSON.parse(asked.body) as { approvalId: string };
    await db().membership.update({ where: { id: asker.membershipId }, data: { role: "admin" } });
    const erasures = await erasuresOf(ruled.org.id);
    expect((await vote(second.apiKey, approvalId)).statusCode).toBe(200);
    expect(await fieldsOf(entry)).toContain(other);
    expect(await erasuresOf(ruled.org.id)).toBe(erasures);
  });

  it("another org's entry id: 404, nothing of either org written", async () => {
    const other = await createTestOrg({ label: "erasure-ruled-other", policies: ALLOW });
    const theirs = await decisionHolding(other, `theirs.${hex()}@example.com`);
    const [mine, their] = [await writesOf(ruled.org.id), await writesOf(other.org.id)];
    const answer = await erase(ruled.adminKey.apiKey, { entryIds: [theirs], reason: "r" });
    expect(answer.statusCode).toBe(404);
    expect([await writesOf(ruled.org.id), await writesOf(other.org.id)]).toEqual([mine, their]);
  });
});

describe("how much one erasure may reach", () => {
  let capped: TestOrg;
  const wide = `wide-${hex()}`;

  beforeAll(async () => {
    capped = await createTestOrg({ label: "erasure-cap", policies: ALLOW });
    // 1,001 agent entries holding the same text, appended as the API appends them.
    const entries = Array.from({ length: 1001 }, (_, i) => ({
      type: "agent.evidence" as const,
      actor: { type: "agent" as const, id: capped.agent.id },
      agentId: capped.agent.id,
      data: { agentName: capped.agent.name, kind: "note", details: { note: `${wide} ${i}` } },
    }));
    await db().$transaction((tx) => appendAuditEntries(tx, capped.org.id, entries), { timeout: 60_000 });
  }, 120_000);

  it.each([
    ["5 characters", "abcde"],
    ["5 characters padded with spaces to 11", "   abcde   "],
  ])("a subject of %s: 400 naming subject, nothing written", async (_name, short) => {
    const before = await writesOf(capped.org.id);
    const answer = await erase(capped.adminKey.apiKey, { subject: short, reason: "r" });
    expect(answer.statusCode).toBe(400);
    expect((JSON.parse(answer.body) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues.map((i) => i.path)).toContain("subject");
    expect(await writesOf(capped.org.id)).toEqual(before);
  });

  it("a subject found in more than 1,000 entries: 400 naming subject and how many it matched, nothing written", async () => {
    const before = await writesOf(capped.org.id);
    const answer = await erase(capped.adminKey.apiKey, { subject: wide, reason: "r" });
    expect(answer.statusCode, answer.body).toBe(400);
    const issues = (JSON.parse(answer.body) as { error: { details: { issues: Array<{ path: string; message: string }> } } }).error.details.issues;
    expect(issues).toEqual([{ path: "subject", message: expect.stringMatching(/1,001 entries/) }]);
    expect(await writesOf(capped.org.id)).toEqual(before);
    expect(await erasuresOf(capped.org.id)).toBe(0);
  });

  it("more than 1,000 entry ids: 400 naming entryIds, nothing written", async () => {
    const before = await writesOf(capped.org.id);
    const ids = Array.from({ length: 1001 }, (_, i) => `aud_${String(i).padStart(22, "0")}`);
    const answer = await erase(capped.adminKey.apiKey, { entryIds: ids, reason: "r" });
    expect(answer.statusCode).toBe(400);
    expect((JSON.parse(answer.body) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues.map((i) => i.path)).toContain("entryIds");
    expect(await writesOf(capped.org.id)).toEqual(before);
  });
});

describe("erasure without the two-admin rule", () => {
  it("applies at once, and every other owner is told by email (not the one who erased, not an admin)", async () => {
    const alone = await createTestOrg({ label: "erasure-alone", policies: ALLOW });
    const otherOwner = await addTestMember(alone, "owner", "other-owner");
    const admin = await addTestMember(alone, "admin", "an-admin");
    const subject = `alone.${hex()}@example.com`;
    const held = await decisionHolding(alone, subject);
    const answer = await erase(alone.adminKey.apiKey, { subject, reason: "erasure request #7" });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "erased", entries: 1, erasureEntryId: expect.stringMatching(/^aud_/) });
    expect(await fieldsOf(held)).not.toContain(subject);
    const mailTo = (to: string) => db().devOutboxMessage.findMany({ where: { to }, select: { subject: true, text: true } });
    await vi.waitFor(async () => expect(await mailTo(otherOwner.email)).toHaveLength(1), { timeout: 10_000 });
    const [notice] = await mailTo(otherOwner.email);
    expect(notice?.subject).toMatch(/erased/i);
    expect(notice?.text).toContain(alone.owner.email);
    expect(notice?.text).toContain("erasure request #7");
    expect(notice?.text).not.toContain(subject);
    expect(notice?.text).toContain("https://console.gatehouse.test/");
    expect(await mailTo(alone.owner.email)).toEqual([]);
    expect(await mailTo(admin.email)).toEqual([]);
  });
});
