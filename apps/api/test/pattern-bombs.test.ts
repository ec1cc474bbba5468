import { rollUpDecisions } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

// Patterns that froze the old matcher (`*` became `.*` in a backtracking regular expression: an agent
// that delegated `*a*a*a*a*a*a*a*a*a*a*b` to itself and asked about a 128-character action type
// stopped the process), sent through every route that matches action, agent or capability patterns.
// Each answer must be right and come at once. SAFETY_NET_MS is a bound for a loaded, shared machine (2 s
// once failed there on a cold first request while the machine compiled something else),
// not a measurement: the old matcher needed hours or more on every row; bench/PATTERNS.md measures.
// Last, every filter by a caller's action type: never an SQL LIKE pattern.

let app: FastifyInstance;
beforeAll(async () => {
  app = await startApp();
  // Warm: the first requests of a process (connections, compiled code) are not what the net is for.
  const org = await createTestOrg({ label: "api-bomb-warm" });
  await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: { policies: [{ name: "warm", actions: ["warm.*"], effect: "allow" }] } });
  await call(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType: "warm.up" } });
  await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "warm.up" } });
});
afterAll(async () => {
  await stopApp(app);
});

const SAFETY_NET_MS = 5_000;
const A128 = "a".repeat(128);
const A100 = "a".repeat(100);
const part = "a".repeat(15);

/** [name, pattern (at most 8 stars: every schema accepts it), whether it matches 100 or 128 `a`] */
const BOMBS: Array<[string, string, boolean]> = [
  ["eight stars, one letter apart, no match", "*a*a*a*a*a*a*a*b", false],
  ["eight stars, one letter apart, a match", "*a*a*a*a*a*a*a*a", true],
  ["eight stars, long parts, no match", `*${part}*${part}*${part}*${part}*${part}*${part}*${part}*b`, false],
  ["parts that nearly match everywhere", "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab*", false],
  ["a part at every place, a match", "a*a*a*a*a*a*a*a*a", true],
];

async function timedCall(...args: Parameters<typeof call>) {
  const started = performance.now();
  const response = await call(...args);
  expect(performance.now() - started, `${args[1]} ${args[2]}`).toBeLessThan(SAFETY_NET_MS);
  return response;
}

describe.each(BOMBS)("%s", (_name, bomb, matches) => {
  it("policy actions and agents, canI and execute, delegation capabilities, capability covers, posture and replay: right, and at once", async () => {
    const org = await createTestOrg({ label: "api-bomb" });
    const admin = org.adminKey.apiKey;
    const policies = [
      { name: "bomb-actions", actions: [bomb], effect: "allow" },
      { name: "bomb-agents", actions: ["agents.probe"], agents: [bomb], effect: "allow" },
    ];
    expect((await timedCall(app, "PUT", "/v1/admin/policies", { key: admin, body: { policies } })).statusCode).toBe(200);

    // Policy actions: canI (check) and execute with a 128-character action type.
    const check = await timedCall(app, "POST", "/v1/actions/check", { key: org.agent.apiKey, body: { actionType: A128 } });
    expect(check.json()).toMatchObject(matches ? { allowed: true, policyName: "bomb-actions" } : { allowed: false, denialReason: "NO_POLICY" });
    const executed = await timedCall(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: A128 } });
    expect(executed.json()).toMatchObject(matches ? { status: "executed" } : { status: "denied", denialReason: "NO_POLICY" });

    // Policy agents: an agent named with 100 letters.
    const named = await timedCall(app, "POST", "/v1/admin/agents", { key: admin, body: { name: A100 } });
    expect(named.statusCode, named.body).toBe(201);
    const probe = await timedCall(app, "POST", "/v1/actions/check", { key: named.json<{ apiKey: string }>().apiKey, body: { actionType: "agents.probe" } });
    expect(probe.json()).toMatchObject(matches ? { allowed: true, policyName: "bomb-agents" } : { allowed: false, denialReason: "NO_POLICY" });

    // Delegation capabilities: the root agent's `*` covers the bomb; its delegate then asks about 128 characters.
    const delegated = await timedCall(app, "POST", "/v1/delegations", { key: org.agent.apiKey, body: { name: "bomb", capabilities: [bomb], ttlSeconds: 600 } });
    expect(delegated.statusCode, delegated.body).toBe(201);
    const delegate = delegated.json<{ apiKey: string }>().apiKey;
    const asked = await timedCall(app, "POST", "/v1/actions/check", { key: delegate, body: { actionType: A128 } });
    expect(asked.json()).toMatchObject(matches ? { allowed: true, policyName: "bomb-actions" } : { allowed: false, denialReason: "DELEGATION_SCOPE" });
    const acted = await timedCall(app, "POST", "/v1/actions", { key: delegate, body: { actionType: A128 } });
    expect(acted.json()).toMatchObject(matches ? { status: "executed" } : { status: "denied", denialReason: "DELEGATION_SCOPE" });

    // Capability covers: the delegate delegates a 128-character capability, and one ending in a star no bomb covers.
    const narrower = await timedCall(app, "POST", "/v1/delegations", { key: delegate, body: { name: "narrower", capabilities: [A128], ttlSeconds: 60 } });
    expect(narrower.statusCode, narrower.body).toBe(matches ? 201 : 403);
    const wider = await timedCall(app, "POST", "/v1/delegations", { key: delegate, body: { name: "wider", capabilities: [`${A100}*`], ttlSeconds: 60 } });
    expect(wider.statusCode, wider.body).toBe(403);
    expect(wider.json()).toMatchObject({ error: { code: "DELEGATION_SCOPE", details: { issues: [{ path: "capabilities[0]" }] } } });

    // Posture's enforced-pattern check and replay match the bomb against the recorded 128-character action type.
    while ((await rollUpDecisions()) > 0);
    const posture = await timedCall(app, "GET", "/v1/posture", { key: admin });
    expect(posture.statusCode).toBe(200);
    const coverage = posture.json<{ components: { policyCoverage: { findings: Array<{ id: string; message: string }> } } }>().components.policyCoverage.findings;
    const uncovered = coverage.find((f) => f.id === "coverage.uncovered_action_types");
    expect(uncovered?.message.includes(A128) ?? false).toBe(!matches);
    const replay = await timedCall(app, "POST", "/v1/admin/policies/simulate", { key: admin, body: { policies, days: 1 } });
    expect(replay.statusCode, replay.body).toBe(200);
  });
});

describe("a pattern with more than 8 '*' is refused with a 400 naming the field", () => {
  const nine = `*${"a*".repeat(8)}b`;
  it.each([
    ["PUT /v1/admin/policies: actions", "PUT", "/v1/admin/policies", { policies: [{ name: "p", actions: ["pr.open", nine], effect: "allow" }] }, "policies[0].actions[1]"],
    ["PUT /v1/admin/policies: agents", "PUT", "/v1/admin/policies", { policies: [{ name: "p", actions: ["pr.open"], agents: [nine], effect: "allow" }] }, "policies[0].agents[0]"],
    ["POST /v1/admin/policies/test", "POST", "/v1/admin/policies/test", { policies: [{ name: "p", actions: [nine], effect: "allow" }] }, "policies[0].actions[0]"],
    ["POST /v1/admin/policies/simulate", "POST", "/v1/admin/policies/simulate", { policies: [{ name: "p", actions: [nine], effect: "allow" }] }, "policies[0].actions[0]"],
    ["POST /v1/delegations", "POST", "/v1/delegations", { name: "bomb", capabilities: ["pr.open", nine], ttlSeconds: 60 }, "capabilities[1]"],
  ] as const)("%s", async (_name, method, path, body, field) => {
    const org = await createTestOrg({ label: "api-stars" });
    const key = path === "/v1/delegations" ? org.agent.apiKey : org.adminKey.apiKey;
    const response = await call(app, method, path, { key, body });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: "VALIDATION", details: { issues: [{ path: field, message: "holds at most 8 '*'" }] } } });
  });
});

// Every filter by action type, each read with a caller's text: the audit list (the API's and the
// console's, one service) and the approval queue (the API's admin list and the console's, one
// service). Each row's text must match itself only.
const ACTION_TYPE_FILTERS: Array<{ name: string; path: (actionType: string) => string; types: (body: unknown) => Array<string | undefined> }> = [
  {
    name: "GET /v1/audit",
    path: (t) => `/v1/audit?limit=100&actionType=${encodeURIComponent(t)}`,
    types: (body) => (body as { events: Array<{ data: { actionType?: string } }> }).events.map((e) => e.data.actionType),
  },
  {
    name: "GET /v1/admin/approvals",
    path: (t) => `/v1/admin/approvals?status=all&limit=100&actionType=${encodeURIComponent(t)}`,
    types: (body) => (body as { approvals: Array<{ actionType: string }> }).approvals.map((a) => a.actionType),
  },
];

describe.each(ACTION_TYPE_FILTERS)("$name?actionType= is the action type itself, never a LIKE pattern", (filter) => {
  it.each([
    ["an action type with `_`", "pr_open", ["pr_open"]],
    ["`_` for each letter", "_______", []],
    ["`%` alone", "%", []],
    ["a prefix and `%`", "pr%", []],
    ["a backslash", "pr\\_open", []],
    ["a LIKE bomb", "%a%a%a%a%a%a%a%a%a%b", []],
  ])("%s: %s", async (_name, actionType, expected) => {
    const org = await createTestOrg({ label: "api-like", policies: [{ name: "all", actions: ["*"], effect: "require_approval" }] });
    for (const type of ["pr_open", "prxopen", "pr.open"]) {
      expect((await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: type } })).json()).toMatchObject({ status: "requested" });
    }
    const response = await timedCall(app, "GET", filter.path(actionType), { key: org.adminKey.apiKey });
    expect(response.statusCode, response.body).toBe(200);
    expect([...new Set(filter.types(response.json()))]).toEqual(expected);
  });
});
