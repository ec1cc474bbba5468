import { compilePolicy, parsePolicySet, PolicySet, type PolicyEffect } from "@gatehouse/core";
import { createAgent, db, setAgentStatus } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

/** What the org runs today: the recorded decisions are made by these. */
const LIVE = [
  { name: "allow-reads", actions: ["*.read"], effect: "allow" },
  { name: "allow-deploys", actions: ["deploy.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval" },
  { name: "allow-exports", actions: ["data.export"], effect: "allow" },
];

/** The draft replayed: deploys to prod need approval, big exports are denied, merges are allowed, reads unchanged. */
const DRAFT = [
  { name: "allow-reads", actions: ["*.read"], effect: "allow" },
  { name: "allow-deploys", actions: ["deploy.*"], effect: "allow" },
  { name: "prod-deploys-need-approval", actions: ["deploy.*"], effect: "require_approval", when: { field: "metadata.env", op: "eq", value: "prod" } },
  { name: "allow-merges", actions: ["pr.merge"], effect: "allow" },
  { name: "allow-exports", actions: ["data.export"], effect: "allow" },
  { name: "no-big-exports", actions: ["data.export"], effect: "deny", when: { field: "dataAccessed.count", op: "gt", value: 100 } },
];

type Request = { actionType: string; metadata: Record<string, unknown>; dataAccessed: Array<{ type: string; count?: number }> };

let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;
const sent: Array<{ request: Request; agent: { id: string; name: string; labels: Record<string, string> }; status: string; denialReason?: string }> = [];

async function decide(key: string, request: Request) {
  const response = await call(app, "POST", "/v1/actions", { key, body: request });
  expect(response.statusCode).toBe(200);
  return response.json() as { status: string; denialReason?: string };
}

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "replay", policies: LIVE });
  other = await createTestOrg({ label: "replay-other", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
  const second = await createAgent({ ctx: org.ctx, input: { name: "deployer", labels: { team: "ops" } } });
  const agents = [
    { key: org.agent.apiKey, facts: { id: org.agent.id, name: org.agent.name, labels: { team: "test" } } },
    { key: second.apiKey, facts: { id: second.id, name: second.name, labels: { team: "ops" } } },
  ];
  const requests: Request[] = [];
  for (let i = 0; i < 24; i++) {
    const kind = i % 6;
    if (kind === 0) requests.push({ actionType: "repo.read", metadata: {}, dataAccessed: [] });
    if (kind === 1) requests.push({ actionType: "deploy.run", metadata: { env: i % 4 === 1 ? "prod" : "dev" }, dataAccessed: [] });
    if (kind === 2) requests.push({ actionType: "pr.merge", metadata: { repo: "api" }, dataAccessed: [] });
    if (kind === 3) requests.push({ actionType: "data.export", metadata: {}, dataAccessed: [{ type: "customers", count: i * 10 }] });
    if (kind === 4) requests.push({ actionType: "fs.wipe", metadata: {}, dataAccessed: [] });
    if (kind === 5) requests.push({ actionType: "deploy.run", metadata: { env: "prod" }, dataAccessed: [] });
  }
  for (const [i, request] of requests.entries()) {
    const agent = agents[i % 2] as (typeof agents)[number];
    const result = await decide(agent.key, request);
    sent.push({ request, agent: agent.facts, status: result.status, ...(result.denialReason ? { denialReason: result.denialReason } : {}) });
  }
  // A halted agent's denials were decided before policy: replay skips them.
  await setAgentStatus({ ctx: org.ctx, input: { agentId: second.id, status: "halted" } });
  for (let i = 0; i < 3; i++) {
    const result = await decide(second.apiKey, { actionType: "deploy.run", metadata: { env: "prod" }, dataAccessed: [] });
    expect(result.denialReason).toBe("AGENT_HALTED");
  }
  // The other org's decisions, with an action type only it uses, must never be read.
  for (let i = 0; i < 5; i++) await decide(other.agent.apiKey, { actionType: "other.secret", metadata: { env: "prod" }, dataAccessed: [] });
});
afterAll(async () => {
  await stopApp(app);
});

const simulate = (body: unknown, key = org.adminKey.apiKey) => call(app, "POST", "/v1/admin/policies/simulate", { key, body });

describe("POST /v1/admin/policies/simulate", () => {
  it("gives exactly the transitions of evaluating the same requests one by one", async () => {
    const response = await simulate({ policies: DRAFT, days: 1 });
    expect(response.statusCode).toBe(200);
    const simulation = response.json();

    // The reference: every request the agents sent, decided alone by the engine with the draft,
    // compared with the answer the API gave it (executed → allow, requested → require_approval, denied → deny).
    const set = new PolicySet(parsePolicySet({ policies: DRAFT }).map((d, i) => compilePolicy(d, { versionId: `d${i}`, version: 1 })));
    const recorded: Record<string, PolicyEffect> = { executed: "allow", requested: "require_approval", denied: "deny" };
    const expected = new Map<string, number>();
    const byType = new Map<string, number>();
    for (const { request, agent, status } of sent) {
      const from = recorded[status] as PolicyEffect;
      const to = set.evaluate({ actionType: request.actionType, agent, metadata: request.metadata, dataAccessed: request.dataAccessed }).effect;
      if (from === to) continue;
      expected.set(`${from}>${to}`, (expected.get(`${from}>${to}`) ?? 0) + 1);
      byType.set(`${from}>${to}>${request.actionType}`, (byType.get(`${from}>${to}>${request.actionType}`) ?? 0) + 1);
    }
    expect(expected.size).toBeGreaterThanOrEqual(3);
    expect(new Map(simulation.transitions.map((t: { from: string; to: string; count: number }) => [`${t.from}>${t.to}`, t.count]))).toEqual(expected);
    expect(new Map(simulation.byActionType.map((t: { from: string; to: string; actionType: string; count: number }) => [`${t.from}>${t.to}>${t.actionType}`, t.count]))).toEqual(
      byType,
    );
    expect(simulation).toMatchObject({ days: 1, evaluated: sent.length, skipped: 3, truncated: false, changed: [...expected.values()].reduce((a, b) => a + b, 0) });
    expect(new Date(simulation.to).getTime() - new Date(simulation.from).getTime()).toBe(86_400_000);
    for (const sample of simulation.samples) expect(sample.actionId).toMatch(/^act_/);
    const merged = simulation.samples.find((s: { actionType: string }) => s.actionType === "pr.merge");
    expect(merged).toMatchObject({ from: "require_approval", to: "allow", policyBefore: "review-merges", policyAfter: "allow-merges" });
  });

  it("never reads another org's decisions", async () => {
    const simulation = (await simulate({ policies: [{ name: "none", actions: ["nothing.here"], effect: "allow" }] })).json();
    expect(simulation.evaluated).toBe(sent.length);
    expect(simulation.byActionType.map((t: { actionType: string }) => t.actionType)).not.toContain("other.secret");
    const theirs = (await simulate({ policies: [{ name: "none", actions: ["nothing.here"], effect: "allow" }] }, other.adminKey.apiKey)).json();
    expect(theirs.evaluated).toBe(5);
    expect(theirs.byActionType).toEqual([{ actionType: "other.secret", from: "allow", to: "deny", count: 5 }]);
  });

  it.each([
    { name: "days 0", body: { policies: DRAFT, days: 0 }, path: "days" },
    { name: "days 31", body: { policies: DRAFT, days: 31 }, path: "days" },
    { name: "days not a number", body: { policies: DRAFT, days: "7" }, path: "days" },
    { name: "a bad policy", body: { policies: [{ name: "a", actions: ["x"], effect: "maybe" }] }, path: "policies[0].effect" },
  ])("$name → 400 naming $path, nothing written", async ({ body, path }) => {
    const before = await writesOf(org.org.id);
    const response = await simulate(body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});

const TESTS = [
  { name: "reads allowed", request: { actionType: "repo.read" }, expect: { effect: "allow", policy: "allow-reads" } },
  { name: "merges reviewed", request: { actionType: "pr.merge", agent: "ci-bot" }, expect: { effect: "require_approval" } },
];
const FAILING = [...TESTS, { name: "wipes allowed?", request: { actionType: "fs.wipe" }, expect: { effect: "allow" } }];

describe("tests that travel with the set", () => {
  it("POST /v1/admin/policies/test runs them and answers each expected and actual decision", async () => {
    const response = await call(app, "POST", "/v1/admin/policies/test", { key: org.adminKey.apiKey, body: { policies: LIVE, tests: FAILING } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      passed: 2,
      failed: 1,
      results: [
        { passed: true },
        { passed: true },
        { name: "wipes allowed?", passed: false, expected: { effect: "allow" }, actual: { effect: "deny", policy: null, reason: "NO_POLICY" } },
      ],
    });
  });

  it("POST /v1/admin/policies/test: a malformed test → 400 naming it", async () => {
    const response = await call(app, "POST", "/v1/admin/policies/test", {
      key: org.adminKey.apiKey,
      body: { policies: LIVE, tests: [{ name: "x", request: { actionType: "Bad Type" }, expect: { effect: "allow" } }] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues).toEqual([{ path: "tests[0].request.actionType", message: expect.any(String) }]);
  });

  it.each([false, true])("PUT /v1/admin/policies with a failing test (dryRun %s) → 400 at tests[i], nothing written", async (dryRun) => {
    const own = await createTestOrg({ label: "tests-fail", policies: LIVE });
    const before = await writesOf(own.org.id);
    const versions = await db().policyVersion.count({ where: { orgId: own.org.id } });
    const response = await call(app, "PUT", `/v1/admin/policies${dryRun ? "?dryRun=true" : ""}`, {
      key: own.adminKey.apiKey,
      // A set that would publish a new policy, but for its failing test.
      body: { policies: [...LIVE, { name: "extra", actions: ["x.y"], effect: "allow" }], tests: FAILING },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues).toEqual([{ path: "tests[2]", message: expect.stringContaining("wipes allowed?") }]);
    expect(await writesOf(own.org.id)).toEqual(before);
    expect(await db().policyVersion.count({ where: { orgId: own.org.id } })).toBe(versions);
    expect(await db().policyTestSet.count({ where: { orgId: own.org.id } })).toBe(0);
  });

  it("PUT stores the set's tests, GET answers them, and a set without tests removes them", async () => {
    const own = await createTestOrg({ label: "tests-keep" });
    const put = (body: unknown) => call(app, "PUT", "/v1/admin/policies", { key: own.adminKey.apiKey, body });
    expect((await put({ policies: LIVE, tests: TESTS })).statusCode).toBe(200);
    const listed = (await call(app, "GET", "/v1/admin/policies", { key: own.adminKey.apiKey })).json();
    expect(listed.tests).toEqual([
      {
        name: "reads allowed",
        request: { actionType: "repo.read", agent: "test-agent", agentLabels: {}, metadata: {}, dataAccessed: [] },
        expect: { effect: "allow", policy: "allow-reads" },
      },
      { name: "merges reviewed", request: { actionType: "pr.merge", agent: "ci-bot", agentLabels: {}, metadata: {}, dataAccessed: [] }, expect: { effect: "require_approval" } },
    ]);
    // What GET answers applies again unchanged, tests included.
    const again = (
      await put({
        policies: listed.policies.map(({ version: _v, contentHash: _h, versionId: _i, updatedAt: _a, updatedBy: _b, decisions7d: _n, ...d }: Record<string, unknown>) => d),
        tests: listed.tests,
      })
    ).json();
    expect(again).toMatchObject({ created: [], updated: [], archived: [] });
    expect((await put({ policies: LIVE })).statusCode).toBe(200);
    expect((await call(app, "GET", "/v1/admin/policies", { key: own.adminKey.apiKey })).json().tests).toEqual([]);
  });
});
