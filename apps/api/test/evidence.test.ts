import { randomBytes } from "node:crypto";
import { db } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, tablesHolding, writesOf } from "./helpers";

// An agent's own evidence (POST /v1/audit/entries, docs/audit.md): attributed, bounded, screened,
// written once per eventId, erasable; every hostile body refused with the field named and nothing written.
let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;
let decision: string;

beforeAll(async () => {
  app = await startApp();
  const policies = [{ name: "tools", actions: ["tool.*", "db.*"], effect: "allow" }];
  org = await createTestOrg({ label: "evidence", policies });
  other = await createTestOrg({ label: "evidence-other", policies });
  decision = (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "db.migrate", metadata: { migration: "0042" } } })).json().auditEventId;
});
afterAll(async () => {
  await stopApp(app);
});

const log = (body: unknown, key = org.agent.apiKey, headers: Record<string, string> = {}) => call(app, "POST", "/v1/audit/entries", { key, body, headers });

async function entryOf(id: string): Promise<{ actor: { type: string; id: string; delegationChain?: unknown[] }; agentId: string | null; data: Record<string, unknown> }> {
  const listed = (await call(app, "GET", "/v1/audit?type=agent.evidence&limit=100", { key: org.adminKey.apiKey })).json() as {
    events: Array<{ id: string; actorType: string; actorId: string; agentId: string | null; data: Record<string, unknown> }>;
  };
  const entry = listed.events.find((e) => e.id === id);
  if (!entry) throw new Error(`no evidence entry ${id}`);
  const stored = await db().auditEntry.findUniqueOrThrow({ where: { id }, select: { canonical: true } });
  return { actor: (JSON.parse(stored.canonical) as { actor: { type: string; id: string } }).actor, agentId: entry.agentId, data: entry.data };
}

describe("an agent's evidence", () => {
  it("is an agent.evidence entry attributed to the agent, naming its decision, listed in the log", async () => {
    const answer = await log({ kind: "migration.ran", details: { rowsAffected: 120, ms: 840 }, auditEventId: decision });
    expect(answer.statusCode, answer.body).toBe(201);
    const written = answer.json();
    expect(written).toEqual({ auditEventId: expect.stringMatching(/^aud_/), kind: "migration.ran", recordedAt: expect.any(String), actionAuditEventId: decision });
    const entry = await entryOf(written.auditEventId);
    expect(entry.agentId).toBe(org.agent.id);
    expect(entry.actor).toMatchObject({ type: "agent", id: org.agent.id });
    expect(entry.data).toEqual({ agentName: "test-agent", kind: "migration.ran", details: { rowsAffected: 120, ms: 840 }, actionAuditEventId: decision });
  });

  it("from a delegate carries its chain", async () => {
    const delegated = await call(app, "POST", "/v1/delegations", { key: org.agent.apiKey, body: { name: "evidence-sub", capabilities: ["tool.*"], ttlSeconds: 600 } });
    expect(delegated.statusCode, delegated.body).toBe(201);
    const written = (await log({ kind: "tool.ran", details: { ok: true } }, delegated.json().apiKey)).json();
    const entry = await entryOf(written.auditEventId);
    expect(entry.actor.delegationChain).toHaveLength(1);
    expect(entry.agentId).not.toBe(org.agent.id);
  });

  it("is written once per eventId (body or Idempotency-Key): a retry answers the same entry, other content is a 409, concurrent calls write one", async () => {
    const before = await writesOf(org.org.id);
    const body = { kind: "command.ran", details: { command: "npm test", exitCode: 0 }, eventId: `evt-${randomBytes(4).toString("hex")}` };
    const first = (await log(body)).json();
    expect((await log(body)).json()).toEqual(first);
    const header = (await log({ kind: body.kind, details: body.details }, org.agent.apiKey, { "idempotency-key": body.eventId })).json();
    expect(header).toEqual(first);
    const conflict = await log({ ...body, details: { command: "npm test", exitCode: 1 } });
    expect([conflict.statusCode, conflict.json().error.code]).toEqual([409, "CONFLICT"]);
    expect((await writesOf(org.org.id)).auditSize).toBe(before.auditSize + 1);

    const raced = { kind: "command.ran", details: { n: 1 }, eventId: `evt-${randomBytes(4).toString("hex")}` };
    const answers = await Promise.all(Array.from({ length: 8 }, () => log(raced)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.json().auditEventId)).size).toBe(1);
    expect((await writesOf(org.org.id)).auditSize).toBe(before.auditSize + 2);
  });

  it("has a secret redacted before it is written, with its finding; a class the org refuses is a 400 naming details and nothing is written", async () => {
    const secret = `ghp_${randomBytes(27)
      .toString("base64url")
      .replace(/[^A-Za-z0-9]/g, "x")
      .slice(0, 36)}`;
    const written = await log({ kind: "command.ran", details: { env: { GITHUB_TOKEN: secret } } });
    expect(written.statusCode, written.body).toBe(201);
    expect(written.json().findings).toEqual([{ detector: "github_token", class: "secrets", path: "details.env.GITHUB_TOKEN", action: "redacted", confidence: "high" }]);
    expect(await tablesHolding(secret)).toEqual([]);

    const strict = await createTestOrg({ label: "evidence-strict", policies: [{ name: "tools", actions: ["tool.*"], effect: "allow" }] });
    await call(app, "PATCH", "/v1/admin/settings", { key: strict.adminKey.apiKey, body: { content: { secrets: "deny" } } });
    const before = await writesOf(strict.org.id);
    const refused = await log({ kind: "command.ran", details: { token: secret } }, strict.agent.apiKey);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.issues[0].path).toBe("details");
    expect(await writesOf(strict.org.id)).toEqual(before);
  });

  it("names a decision of this agent only: another agent's or another org's is a 404, and nothing is written", async () => {
    const second = (await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "evidence-second" } })).json();
    const theirs = (await call(app, "POST", "/v1/actions", { key: second.apiKey, body: { actionType: "tool.read" } })).json().auditEventId;
    const foreign = (await call(app, "POST", "/v1/actions", { key: other.agent.apiKey, body: { actionType: "tool.read" } })).json().auditEventId;
    const before = await writesOf(org.org.id);
    for (const auditEventId of [theirs, foreign, "aud_0000000000000000000000"]) {
      const answer = await log({ kind: "tool.ran", details: {}, auditEventId });
      expect([answer.statusCode, answer.json().error.code]).toEqual([404, "NOT_FOUND"]);
    }
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("is erasable like a decision's metadata: an owner erases the subject, the log still verifies", async () => {
    const email = `evidence-${randomBytes(4).toString("hex")}@example.com`;
    const written = (await log({ kind: "mail.sent", details: { to: email } })).json();
    const erased = await call(app, "POST", "/v1/admin/audit/erasures", { key: org.adminKey.apiKey, body: { subject: email, reason: "request #9" } });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().entries).toBe(1);
    const entry = await entryOf(written.auditEventId);
    expect(entry.data.details).toEqual({});
    expect(await tablesHolding(email)).toEqual([]);
    expect((await call(app, "POST", "/v1/audit/verify", { key: org.adminKey.apiKey })).json()).toMatchObject({ valid: true, problem: null });
  });
});

describe("hostile bodies: a 400 naming the field, nothing written", () => {
  const big = { text: "x".repeat(16_400) };
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 20; i += 1) deep = { d: deep };
  it.each([
    ["no kind", { details: {} }, "kind"],
    ["an empty kind", { kind: "" }, "kind"],
    ["a kind in capitals", { kind: "Command.Ran" }, "kind"],
    ["a kind with a space", { kind: "command ran" }, "kind"],
    ["a kind with an empty word", { kind: "command..ran" }, "kind"],
    ["a kind of 65 characters", { kind: `a${"b".repeat(64)}` }, "kind"],
    ["a kind that is a number", { kind: 7 }, "kind"],
    ["details that are a list", { kind: "a.b", details: [1, 2] }, "details"],
    ["details that are text", { kind: "a.b", details: "ran ok" }, "details"],
    ["details over 16 KiB", { kind: "a.b", details: big }, "details"],
    ["details nested 21 deep", { kind: "a.b", details: deep }, "details"],
    ["a NUL in details", { kind: "a.b", details: { out: "a\u0000b" } }, "details.out"],
    ["an auditEventId that is not one", { kind: "a.b", auditEventId: "act_1" }, "auditEventId"],
    ["an eventId with a space", { kind: "a.b", eventId: "my event" }, "eventId"],
    ["a field that does not exist", { kind: "a.b", agentId: "agt_x" }, ""],
  ])("%s", async (_case, body, field) => {
    const before = await writesOf(org.org.id);
    const answer = await log(body);
    expect(answer.statusCode, answer.body).toBe(400);
    const issues = answer.json().error.details.issues as Array<{ path: string }>;
    expect(issues.map((i) => i.path).some((path) => path === field || path.startsWith(`${field}.`) || (field === "" && path === ""))).toBe(true);
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("an admin key is refused (agents' own entries only)", async () => {
    const answer = await log({ kind: "a.b" }, org.adminKey.apiKey);
    expect(answer.statusCode).toBe(403);
  });
});
