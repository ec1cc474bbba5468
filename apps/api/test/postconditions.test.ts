import { randomBytes } from "node:crypto";
import { db } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { eventOfEntry, type AuditEntryType } from "@gatehouse/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryOf } from "./budget-ledger";
import { call, startApp, stopApp, writesOf } from "./helpers";

// Post-conditions (docs/policies.md): what must hold after the calls a policy matches, tested on each
// reported outcome; a violation is recorded, streamed, counted in posture and, by setting, halts the
// agent. And what an attacker sends.
let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const POLICIES = [
  {
    name: "bulk-updates",
    actions: ["db.update"],
    effect: "allow",
    postConditions: {
      all: [
        { field: "outcome.rowsAffected", op: "lt", value: 100 },
        { field: "outcome.status", op: "eq", value: "success" },
      ],
    },
  },
  { name: "reads", actions: ["db.read"], effect: "allow" },
];

let n = 0;
async function decided(org: TestOrg, actionType = "db.update", key = org.agent.apiKey): Promise<string> {
  const answer = await call(app, "POST", "/v1/actions", { key, body: { actionType, metadata: { n: (n += 1), table: "users" } } });
  expect(answer.json().status, answer.body).toBe("executed");
  return answer.json().auditEventId as string;
}
const report = (org: TestOrg, id: string, body: Record<string, unknown>, key = org.agent.apiKey) =>
  call(app, "POST", `/v1/actions/${id}/outcome`, { key, body: { status: "success", ...body } });

async function violationsOf(orgId: string) {
  const rows = await db().auditEntry.findMany({ where: { orgId, type: "action.postcondition_violated" }, orderBy: { seq: "asc" }, select: { id: true } });
  return Promise.all(rows.map((r) => entryOf(r.id)));
}

describe("post-conditions", () => {
  it("an outcome that keeps them is recorded with its data and breaks nothing", async () => {
    const org = await createTestOrg({ label: "post-ok", policies: POLICIES as never });
    const id = await decided(org);
    const answer = await report(org, id, { data: { rowsAffected: 12 } });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json().violations).toBeUndefined();
    expect(await violationsOf(org.org.id)).toEqual([]);
  });

  it("an outcome that breaks one is recorded, named in the answer, streamed as postcondition.violated and counted in posture; the agent keeps running by default", async () => {
    const org = await createTestOrg({ label: "post-broken", policies: POLICIES as never });
    const id = await decided(org);
    const answer = await report(org, id, { data: { rowsAffected: 5000 } });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json().violations).toEqual([
      {
        policy: "bulk-updates",
        conditionsEvaluated: [{ field: "outcome.rowsAffected", operator: "lt", expected: 100, actual: 5000, result: false }],
      },
    ]);
    const [entry] = await violationsOf(org.org.id);
    expect(entry?.data).toMatchObject({ auditEventId: id, actionType: "db.update", policy: "bulk-updates", halted: false });
    const row = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "action.postcondition_violated" } });
    const opened = JSON.parse(row.canonical) as {
      type: AuditEntryType;
      data: Record<string, unknown>;
      time: string;
      seq: number;
      agentId: string | null;
      actor: { type: string; id: string };
    };
    const event = eventOfEntry({ id: row.id, seq: opened.seq, type: opened.type, time: opened.time, agentId: opened.agentId, actor: opened.actor, data: opened.data } as never);
    expect(event?.type).toBe("postcondition.violated");
    expect(event?.data).toMatchObject({ policyName: "bulk-updates", auditEventId: id, actionType: "db.update", halted: false });
    expect(event?.data.reason).toMatch(/bulk-updates/);
    // The agent is not halted: its next call runs.
    await decided(org, "db.read");
    const posture = (await call(app, "GET", "/v1/posture", { key: org.adminKey.apiKey })).json();
    expect(posture.components.policyCoverage.findings.map((f: { id: string }) => f.id)).toContain("coverage.postcondition_violations");
    // A failure breaks `outcome.status eq success` too.
    const failed = await report(org, await decided(org), { status: "failure", data: { rowsAffected: 1 } });
    expect(failed.json().violations?.[0]?.conditionsEvaluated).toContainEqual({ field: "outcome.status", operator: "eq", expected: "success", actual: "failure", result: false });
  });

  it("with postConditions.haltAgent the agent that broke one is halted by the system, and its next call is refused", async () => {
    const org = await createTestOrg({ label: "post-halt", policies: POLICIES as never });
    const set = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { postConditions: { haltAgent: true } } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().postConditions).toEqual({ haltAgent: true });
    await report(org, await decided(org), { data: { rowsAffected: 101 } });
    const next = await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "db.read" } });
    expect(next.json().denialReason).toBe("AGENT_HALTED");
    const listed = (await call(app, "GET", "/v1/admin/agents", { key: org.adminKey.apiKey })).json() as { agents: Array<{ id: string; haltedBy: unknown }> };
    const agent = listed.agents.find((a) => a.id === org.agent.id);
    expect(agent?.haltedBy).toEqual({ type: "system", name: "postcondition-checker" });
    expect((await violationsOf(org.org.id))[0]?.data).toMatchObject({ halted: true });
  });

  it("a condition the match budget cannot finish counts as broken", async () => {
    const org = await createTestOrg({
      label: "post-limit",
      policies: [{ name: "names", actions: ["db.update"], effect: "allow", postConditions: { field: "outcome.note", op: "matches", value: "^(a|b)*c$" } }] as never,
    });
    const answer = await report(org, await decided(org), { data: { note: "ab".repeat(30_000) } });
    expect(answer.json().violations?.[0]?.policy).toBe("names");
    expect((await violationsOf(org.org.id))[0]?.data).toMatchObject({ limit: true });
  });

  it("a secret in the outcome's data is redacted before it is written (the content rules)", async () => {
    const org = await createTestOrg({ label: "post-secret", policies: POLICIES as never });
    const token = `ghp_${randomBytes(27)
      .toString("base64url")
      .replace(/[^A-Za-z0-9]/g, "a")
      .slice(0, 36)}`;
    const answer = await report(org, await decided(org), { data: { rowsAffected: 1, note: `used ${token}` } });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json().findings?.[0]).toMatchObject({ path: expect.stringContaining("data") });
    expect(await db().auditEntry.findFirst({ where: { orgId: org.org.id, canonical: { contains: token } } })).toBeNull();
  });
});

describe("what an attacker sends", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ label: "post-hostile", policies: POLICIES as never });
  });

  it.each([
    ["data", "lots", "data"],
    ["data", [1, 2], "data"],
    ["data", { deep: JSON.parse(`${"[".repeat(40)}1${"]".repeat(40)}`) }, "data.deep"],
    ["data", { ["k".repeat(201)]: 1 }, "data"],
    ["data", { nul: "a\u0000b" }, "data.nul"],
  ])("an outcome with %s = %j: 400 naming %s, nothing written", async (field, value, path) => {
    const id = await decided(org);
    const before = await writesOf(org.org.id);
    const answer = await report(org, id, { [field]: value });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(
      answer
        .json()
        .error.details.issues.map((i: { path: string }) => i.path)
        .some((p: string) => p.startsWith(path)),
    ).toBe(true);
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it.each([
    [{ name: "x", actions: ["db.*"], effect: "allow", when: { field: "outcome.rowsAffected", op: "lt", value: 1 } }, "policies[0].when"],
    [{ name: "x", actions: ["db.*"], effect: "allow", postConditions: { rate: { over: 3, windowSeconds: 60 } } }, "policies[0].postConditions"],
    [{ name: "x", actions: ["db.*"], effect: "allow", postConditions: { field: "outcome", op: "exists" } }, "policies[0].postConditions.field"],
    [{ name: "x", actions: ["db.*"], effect: "allow", postConditions: { field: "secrets.key", op: "exists" } }, "policies[0].postConditions.field"],
  ])("a policy %j is refused naming %s", async (policy, path) => {
    const answer = await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies: [policy] } });
    expect(answer.statusCode, answer.body).toBe(400);
    expect(answer.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it("another org's agent cannot report on this org's action (404), so cannot break or keep its post-conditions", async () => {
    const other = await createTestOrg({ label: "post-hostile-b", policies: POLICIES as never });
    const id = await decided(org);
    expect((await report(other, id, { data: { rowsAffected: 1_000_000 } })).statusCode).toBe(404);
    expect((await violationsOf(org.org.id)).filter((e) => e.data.auditEventId === id)).toEqual([]);
  });
});
