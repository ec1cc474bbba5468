import { db, invalidatePolicyCache } from "@gatehouse/db";
import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const execute = (org: TestOrg, body: unknown, key = org.agent.apiKey) => call(app, "POST", "/v1/actions", { key, body }).then((r) => r.json());
const check = (org: TestOrg, body: unknown) => call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body }).then((r) => r.json());

describe("conditions decide and explain", () => {
  it("large PRs wait for review, small ones merge, and the result lists what was examined", async () => {
    const org = await createTestOrg({
      label: "cond",
      policies: [
        { name: "allow-merges", actions: ["pr.merge"], effect: "allow" },
        {
          name: "large-prs-need-review",
          actions: ["pr.merge"],
          when: { all: [{ field: "metadata.pr_size", op: "gt", value: 50 }] },
          effect: "require_approval",
          approval: { quorum: 1, timeoutSeconds: 3600 },
        },
      ],
    });
    const large = await execute(org, { actionType: "pr.merge", metadata: { pr_size: 72 } });
    expect(large).toMatchObject({ status: "requested", policyName: "large-prs-need-review" });
    expect(large.conditionsEvaluated).toEqual([{ field: "metadata.pr_size", operator: "gt", expected: 50, actual: 72, result: true, policy: "large-prs-need-review" }]);
    const small = await execute(org, { actionType: "pr.merge", metadata: { pr_size: 3 } });
    expect(small).toMatchObject({ status: "executed", policyName: "allow-merges" });
    expect(small.conditionsEvaluated[0]).toMatchObject({ actual: 3, result: false });
  });

  it("monitor mode records the would-be denial and lets the action through", async () => {
    const org = await createTestOrg({ label: "mon", policies: [{ name: "watch-deletes", actions: ["*.delete"], effect: "deny", mode: "monitor" }] });
    const result = await execute(org, { actionType: "repo.delete" });
    expect(result).toMatchObject({ status: "executed", mode: "monitor", policyName: "watch-deletes" });
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: result.auditEventId } });
    expect(JSON.parse(entry.canonical).data.monitored).toEqual([expect.objectContaining({ name: "watch-deletes", effect: "deny" })]);
  });

  it("an invalid condition is refused with its field path", async () => {
    const org = await createTestOrg({ label: "bad" });
    const response = await call(app, "PUT", "/v1/admin/policies", {
      key: org.adminKey.apiKey,
      body: {
        policies: [
          {
            name: "x",
            actions: ["a"],
            effect: "deny",
            when: {
              all: [
                { field: "metadata.n", op: "gt", value: 1 },
                { field: "secret.x", op: "eq", value: 1 },
              ],
            },
          },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues.map((i: { path: string }) => i.path)).toContain("policies[0].when.all[1].field");
  });
});

describe("rate conditions", () => {
  const limited = (over: number) => [
    { name: "allow-calls", actions: ["api.call"], effect: "allow" },
    { name: "at-most", actions: ["api.call"], when: { rate: { over, windowSeconds: 60, per: "agent" } }, effect: "deny" },
  ];

  it("N parallel calls against a limit of L allow exactly L", async () => {
    const org = await createTestOrg({ label: "rate", policies: limited(5) });
    const results = await Promise.all(Array.from({ length: 20 }, () => execute(org, { actionType: "api.call" })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === "executed")).toHaveLength(5);
    expect(results.filter((r) => r.status === "denied").every((r) => r.denialReason === "RATE_LIMITED")).toBe(true);
  });

  it("canI never consumes the limit", async () => {
    const org = await createTestOrg({ label: "peek", policies: limited(2) });
    for (let i = 0; i < 5; i += 1) expect((await check(org, { actionType: "api.call" })).status).toBe("executed");
    const results = [];
    for (let i = 0; i < 3; i += 1) results.push((await execute(org, { actionType: "api.call" })).status);
    expect(results).toEqual(["executed", "executed", "denied"]);
    expect((await check(org, { actionType: "api.call" })).denialReason).toBe("RATE_LIMITED");
  });

  it("canI writes nothing", async () => {
    const org = await createTestOrg({ label: "nowrite", policies: limited(2) });
    const before = await writesOf(org.org.id);
    const result = await check(org, { actionType: "api.call" });
    expect(result).toMatchObject({ status: "executed", allowed: true, needsApproval: false, dryRun: true });
    expect(result.auditEventId).toBeUndefined();
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});

describe("policy integrity", () => {
  async function sql(text: string, values: unknown[]) {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  it("a version edited directly in the database is refused with POLICY_TAMPERED", async () => {
    const org = await createTestOrg({ label: "tamper", policies: [{ name: "no-deletes", actions: ["*.delete"], effect: "deny" }] });
    expect((await execute(org, { actionType: "repo.delete" })).status).toBe("denied");
    await sql(`UPDATE policy_versions SET document = jsonb_set(document, '{effect}', '"allow"') WHERE org_id = $1`, [org.org.id]);
    invalidatePolicyCache(org.org.id);
    const result = await execute(org, { actionType: "repo.delete" });
    expect(result).toMatchObject({ status: "denied", denialReason: "POLICY_TAMPERED" });
  });

  it("editing the stored hash along with the document is caught by the hash in the audit log", async () => {
    const org = await createTestOrg({ label: "tamper2", policies: [{ name: "no-deletes", actions: ["*.delete"], effect: "deny" }] });
    const forged = { name: "no-deletes", actions: ["*.delete"], agents: ["*"], effect: "allow", mode: "enforce" };
    const { policyContentHash } = await import("@gatehouse/core");
    await sql(`UPDATE policy_versions SET document = $2::jsonb, content_hash = $3 WHERE org_id = $1`, [org.org.id, JSON.stringify(forged), policyContentHash(forged as never)]);
    invalidatePolicyCache(org.org.id);
    expect((await execute(org, { actionType: "repo.delete" })).denialReason).toBe("POLICY_TAMPERED");
    expect((await check(org, { actionType: "repo.delete" })).denialReason).toBe("POLICY_TAMPERED");
  });

  it("publishing the set again through the API clears it", async () => {
    const org = await createTestOrg({ label: "tamper3", policies: [{ name: "no-deletes", actions: ["*.delete"], effect: "deny" }] });
    await sql(`UPDATE policy_versions SET document = jsonb_set(document, '{effect}', '"allow"') WHERE org_id = $1`, [org.org.id]);
    invalidatePolicyCache(org.org.id);
    expect((await execute(org, { actionType: "x.read" })).denialReason).toBe("POLICY_TAMPERED");
    const republished = [
      { name: "no-deletes", actions: ["*.delete"], effect: "deny" },
      { name: "reads", actions: ["*.read"], effect: "allow" },
    ];
    await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies: [{ ...republished[0], description: "re-published" }, republished[1]] } });
    expect((await execute(org, { actionType: "x.read" })).status).toBe("executed");
  });
});

describe("idempotency under concurrency", () => {
  it("20 concurrent calls with one eventId produce exactly one entry and one answer", async () => {
    const org = await createTestOrg({ label: "idem", policies: [{ name: "allow", actions: ["*"], effect: "allow" }] });
    const before = await writesOf(org.org.id);
    const results = await Promise.all(Array.from({ length: 20 }, () => execute(org, { actionType: "pr.open", eventId: "evt-concurrent" })));
    expect(new Set(results.map((r) => r.auditEventId)).size).toBe(1);
    expect(await writesOf(org.org.id)).toEqual({ auditSize: before.auditSize + 1, actions: before.actions + 1 });
  });

  it("an Idempotency-Key header is the eventId: a retry with it answers the original decision", async () => {
    const org = await createTestOrg({ label: "idemhdr", policies: [{ name: "allow", actions: ["*"], effect: "allow" }] });
    const before = await writesOf(org.org.id);
    const send = (body: unknown, key: string) => call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body, headers: { "idempotency-key": key } });
    const first = await send({ actionType: "pr.open" }, "b9a1c0de-0000-4000-8000-000000000001");
    const retry = await send({ actionType: "pr.open" }, "b9a1c0de-0000-4000-8000-000000000001");
    expect(retry.json().auditEventId).toBe(first.json().auditEventId);
    expect(await writesOf(org.org.id)).toEqual({ auditSize: before.auditSize + 1, actions: before.actions + 1 });
    const differs = await send({ actionType: "pr.open", eventId: "evt-other" }, "b9a1c0de-0000-4000-8000-000000000001");
    expect([differs.statusCode, differs.json().error.details.issues[0].path]).toEqual([400, "eventId"]);
    const malformed = await send({ actionType: "pr.open" }, "not a key");
    expect([malformed.statusCode, malformed.json().error.details.issues[0].path]).toEqual([400, "idempotency-key"]);
    expect(await writesOf(org.org.id)).toEqual({ auditSize: before.auditSize + 1, actions: before.actions + 1 });
  });
});

describe("circuit breaker", () => {
  const whoami = (org: TestOrg) => call(app, "GET", "/v1/whoami", { key: org.agent.apiKey }).then((r) => r.json());

  async function breakerOrg(label: string) {
    const org = await createTestOrg({ label, policies: [{ name: "allow-reads", actions: ["*.read"], effect: "allow" }] });
    const settings = await call(app, "PATCH", "/v1/admin/settings", {
      key: org.adminKey.apiKey,
      body: { circuitBreaker: { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 1 } },
    });
    expect(settings.statusCode).toBe(200);
    return org;
  }

  it("opens after N denials, denies with CIRCUIT_OPEN, then a half-open probe closes it", async () => {
    const org = await breakerOrg("cb");
    expect((await whoami(org)).agent.cbState).toBe("closed");
    for (let i = 0; i < 3; i += 1) expect((await execute(org, { actionType: "x.write" })).denialReason).toBe("NO_POLICY");
    expect((await whoami(org)).agent.cbState).toBe("open");
    expect((await execute(org, { actionType: "x.read" })).denialReason).toBe("CIRCUIT_OPEN");
    await new Promise((r) => setTimeout(r, 1100));
    expect((await execute(org, { actionType: "x.read" })).status).toBe("executed");
    expect((await whoami(org)).agent.cbState).toBe("closed");
  });

  it("a denied probe opens it again", async () => {
    const org = await breakerOrg("cb2");
    for (let i = 0; i < 3; i += 1) await execute(org, { actionType: "x.write" });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await execute(org, { actionType: "x.write" })).denialReason).toBe("NO_POLICY");
    expect((await whoami(org)).agent.cbState).toBe("open");
    expect((await execute(org, { actionType: "x.read" })).denialReason).toBe("CIRCUIT_OPEN");
  });

  it("failure outcomes count toward opening it", async () => {
    const org = await breakerOrg("cb3");
    for (let i = 0; i < 3; i += 1) {
      const done = await execute(org, { actionType: "x.read" });
      const reported = await call(app, "POST", `/v1/actions/${done.auditEventId}/outcome`, { key: org.agent.apiKey, body: { status: "failure" } });
      expect(reported.statusCode).toBe(200);
    }
    expect((await whoami(org)).agent.cbState).toBe("open");
  });
});

describe("report outcome", () => {
  let org: TestOrg;
  let other: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ label: "out", policies: [{ name: "allow-reads", actions: ["*.read"], effect: "allow" }] });
    other = await createTestOrg({ label: "out2", policies: [{ name: "allow-reads", actions: ["*.read"], effect: "allow" }] });
  });
  const report = (key: string, id: string, body: unknown) => call(app, "POST", `/v1/actions/${id}/outcome`, { key, body });

  it("first outcome wins; the same again answers the same; a different one is 409", async () => {
    const { auditEventId } = await execute(org, { actionType: "x.read" });
    const first = await report(org.agent.apiKey, auditEventId, { status: "success", message: "done" });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: "success", message: "done" });
    expect((await report(org.agent.apiKey, auditEventId, { status: "success", message: "done" })).statusCode).toBe(200);
    const different = await report(org.agent.apiKey, auditEventId, { status: "failure" });
    expect(different.statusCode).toBe(409);
    const row = await db().action.findUniqueOrThrow({ where: { auditEntryId: auditEventId } });
    expect(row.outcomeStatus).toBe("success");
  });

  it("only the acting agent may report: another org's agent gets 404", async () => {
    const { auditEventId } = await execute(org, { actionType: "x.read" });
    expect((await report(other.agent.apiKey, auditEventId, { status: "success" })).statusCode).toBe(404);
  });

  it("another agent of the same org gets 404", async () => {
    const created = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "second" } });
    const { auditEventId } = await execute(org, { actionType: "x.read" });
    expect((await report(created.json().apiKey, auditEventId, { status: "success" })).statusCode).toBe(404);
  });

  it("reports racing into one batch: one outcome is recorded, the same one answers the same, another is 409; a refused report fails alone", async () => {
    const { auditEventId } = await execute(org, { actionType: "x.read" });
    const denied = await execute(org, { actionType: "x.write" });
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) => execute(org, { actionType: "x.read", metadata: { race: i } })));
    const answers = await Promise.all([
      report(org.agent.apiKey, auditEventId, { status: "success" }),
      report(org.agent.apiKey, auditEventId, { status: "success" }),
      report(org.agent.apiKey, auditEventId, { status: "failure" }),
      report(org.agent.apiKey, denied.auditEventId, { status: "success" }),
      ...others.map((o) => report(org.agent.apiKey, o.auditEventId, { status: "success" })),
    ]);
    const row = await db().action.findUniqueOrThrow({ where: { auditEntryId: auditEventId } });
    const won = row.outcomeStatus;
    expect(answers.slice(0, 3).map((a) => a.statusCode)).toEqual(["success", "success", "failure"].map((s) => (s === won ? 200 : 409)));
    expect(answers[3]?.statusCode).toBe(409);
    expect(answers.slice(4).map((a) => a.statusCode)).toEqual(others.map(() => 200));
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "action.outcome", subjectId: row.id } })).toBe(1);
    const deniedRow = await db().action.findUniqueOrThrow({ where: { auditEntryId: denied.auditEventId } });
    expect(deniedRow.outcomeStatus).toBeNull();
  });

  it("a denied action has no outcome (409); a bad status is 400", async () => {
    const denied = await execute(org, { actionType: "x.write" });
    expect((await report(org.agent.apiKey, denied.auditEventId, { status: "success" })).statusCode).toBe(409);
    const ok = await execute(org, { actionType: "x.read" });
    const bad = await report(org.agent.apiKey, ok.auditEventId, { status: "great" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe("status");
  });
});

describe("agents see policies", () => {
  it("scope=own lists only the policies that apply to the agent; scope=org lists all", async () => {
    const org = await createTestOrg({
      label: "scope",
      policies: [
        { name: "mine", actions: ["a.b"], agents: ["test-agent"], effect: "allow" },
        { name: "theirs", actions: ["a.b"], agents: ["other-*"], effect: "allow" },
      ],
    });
    const own = (await call(app, "GET", "/v1/policies?scope=own", { key: org.agent.apiKey })).json();
    expect(own.policies.map((p: { name: string }) => p.name)).toEqual(["mine"]);
    const all = (await call(app, "GET", "/v1/policies?scope=org", { key: org.agent.apiKey })).json();
    expect(all.policies.map((p: { name: string }) => p.name).sort()).toEqual(["mine", "theirs"]);
    expect((await call(app, "GET", "/v1/policies?scope=everyone", { key: org.agent.apiKey })).statusCode).toBe(400);
    const me = (await call(app, "GET", "/v1/whoami", { key: org.agent.apiKey })).json();
    expect(me.policies).toEqual([{ name: "mine", version: 1 }]);
  });
});

describe("group commit", () => {
  it("decisions arriving together commit together: every action, its entry, and each requested one's approval as its policy asked", async () => {
    const org = await createTestOrg({
      label: "batch",
      policies: [
        { name: "reads", actions: ["db.read"], effect: "allow" },
        {
          name: "deploys",
          actions: ["deploy"],
          effect: "require_approval",
          approval: { quorum: 2, approverRoles: ["admin", "owner"], excludeAgentOwner: true, timeoutSeconds: 600 },
        },
      ],
    });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => execute(org, { actionType: i % 2 ? "deploy" : "db.read", metadata: { i } })));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 ? "requested" : "executed")));
    const requested = answers.filter((a) => a.status === "requested");
    const approvals = await db().approval.findMany({ where: { orgId: org.org.id } });
    expect(approvals.map((a) => a.id).sort()).toEqual(requested.map((a) => a.approvalId).sort());
    for (const approval of approvals) {
      expect(approval).toMatchObject({ status: "pending", quorum: 2, approverRoles: ["admin", "owner"], approverMemberIds: [], excludeAgentOwner: true, agentId: org.agent.id });
      expect(Math.round((approval.expiresAt.getTime() - approval.createdAt.getTime()) / 1000)).toBe(600);
      // The deadline counts from the approval's creation exactly (one clock reading per batch), so a reminder due
      // "600 s before" is due at the second it names, whichever item of a batch the approval was.
      expect(approval.expiresAt.getTime() - approval.createdAt.getTime()).toBe(600_000);
    }
    const actions = await db().action.findMany({ where: { orgId: org.org.id }, select: { id: true, auditEntryId: true, metadata: true } });
    expect(actions.map((a) => a.auditEntryId).sort()).toEqual(answers.map((a) => a.auditEventId).sort());
    expect(approvals.every((a) => actions.some((action) => action.id === a.actionId))).toBe(true);
    const entries = await db().auditEntry.findMany({ where: { id: { in: answers.map((a) => a.auditEventId) } }, select: { id: true } });
    expect(entries).toHaveLength(40);
    expect((await call(app, "POST", "/v1/audit/verify", { key: org.adminKey.apiKey })).json()).toMatchObject({ valid: true });
  });
});
