/**
 * GET /v1/coverage (docs/agents.md, Coverage): per agent, the integrations seen, model calls through a
 * model-client wrapper against spend declared by hand, tool calls through an adapter against by hand;
 * only the org's own agents, for members only; and posture's finding for agents that bypass the wrappers.
 */
import { createAgent, db } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

let app: FastifyInstance;

const POLICIES = [{ name: "everything", actions: ["*"], effect: "allow" }];
const SPEND = { spend: { model: "gpt-4o-mini", inputTokens: 10, maxOutputTokens: 5 } };
const TOOL = { tool: { name: "read", arguments: { path: "/etc/hosts" } } };
const WRAPPER = { "x-gatehouse-integration": "openai/0.1.0" };
const ADAPTER = { "x-gatehouse-integration": "ai-sdk/0.1.0" };
const PYTHON = { "x-gatehouse-sdk": "python/0.1.0" };

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const execute = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => call(app, "POST", "/v1/actions", { key, body, headers });

async function coverageOf(org: TestOrg, key = org.adminKey.apiKey) {
  const answer = await call(app, "GET", "/v1/coverage", { key });
  expect(answer.statusCode, answer.body).toBe(200);
  return answer.json() as {
    windowDays: number;
    since: string;
    agents: Array<{
      agentId: string;
      agentName: string;
      integrations: Array<{ name: string; role: string; version: string | null; lastSeenAt: string }>;
      modelCalls: { wrapped: { count: number; lastSeenAt: string | null }; declared: { count: number; lastSeenAt: string | null } };
      toolCalls: { adapter: { count: number; lastSeenAt: string | null }; direct: { count: number; lastSeenAt: string | null } };
      bypassesWrappers: boolean;
    }>;
  };
}

describe("GET /v1/coverage", () => {
  it("counts each agent's model calls through a wrapper against spend declared by hand, and tool calls through an adapter against by hand", async () => {
    const org = await createTestOrg({ label: "coverage", policies: POLICIES });
    const quiet = await createAgent({ ctx: org.ctx, input: { name: "quiet-agent" } });
    const key = org.agent.apiKey;
    for (let i = 0; i < 3; i += 1) expect((await execute(key, { actionType: "llm.openai.gpt-4o-mini", ...SPEND }, WRAPPER)).statusCode).toBe(200);
    // Spend declared by hand: through the Python SDK, and with a header naming no known integration.
    expect((await execute(key, { actionType: "llm.openai.gpt-4o-mini", ...SPEND }, PYTHON)).statusCode).toBe(200);
    expect((await execute(key, { actionType: "llm.openai.gpt-4o-mini", ...SPEND }, { "x-gatehouse-integration": "my-wrapper/1.0" })).statusCode).toBe(200);
    expect((await execute(key, { actionType: "tool.read", ...TOOL }, ADAPTER)).statusCode).toBe(200);
    expect((await execute(key, { actionType: "tool.read", ...TOOL, metadata: { n: 2 } }, PYTHON)).statusCode).toBe(200);
    // A decision that is neither a model nor a tool call counts as neither; a repeated eventId counts once.
    expect((await execute(key, { actionType: "pr.open" }, PYTHON)).statusCode).toBe(200);
    expect((await execute(key, { actionType: "tool.read", ...TOOL, eventId: "once" }, ADAPTER)).statusCode).toBe(200);
    expect((await execute(key, { actionType: "tool.read", ...TOOL, eventId: "once" }, ADAPTER)).statusCode).toBe(200);

    const coverage = await coverageOf(org);
    expect(coverage.windowDays).toBe(30);
    expect(Date.now() - Date.parse(coverage.since)).toBeGreaterThan(29 * 86_400_000);
    expect(coverage.agents.map((a) => a.agentName)).toEqual(["quiet-agent", "test-agent"]);
    const [none, busy] = coverage.agents;
    expect(none).toMatchObject({
      agentId: quiet.id,
      integrations: [],
      modelCalls: { wrapped: { count: 0, lastSeenAt: null }, declared: { count: 0, lastSeenAt: null } },
      toolCalls: { adapter: { count: 0, lastSeenAt: null }, direct: { count: 0, lastSeenAt: null } },
      bypassesWrappers: false,
    });
    expect(busy?.agentId).toBe(org.agent.id);
    expect(busy?.modelCalls.wrapped.count).toBe(3);
    expect(busy?.modelCalls.declared.count).toBe(2);
    expect(busy?.toolCalls.adapter.count).toBe(2);
    expect(busy?.toolCalls.direct.count).toBe(1);
    expect(busy?.bypassesWrappers).toBe(true);
    expect(Date.parse(busy?.modelCalls.wrapped.lastSeenAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(busy?.integrations.map((i) => [i.name, i.role, i.version]).sort()).toEqual([
      ["ai-sdk", "adapter", "0.1.0"],
      ["openai", "model-wrapper", "0.1.0"],
      ["python", "client", "0.1.0"],
    ]);
  });

  it("an agent whose model calls all come through a wrapper does not bypass them, and posture names only the one that does", async () => {
    const org = await createTestOrg({ label: "coverage-posture", policies: POLICIES });
    const wrapped = await createAgent({ ctx: org.ctx, input: { name: "wrapped-agent" } });
    expect((await execute(wrapped.apiKey, { actionType: "llm.openai.gpt-4o-mini", ...SPEND }, WRAPPER)).statusCode).toBe(200);
    const before = (await call(app, "GET", "/v1/posture", { key: org.adminKey.apiKey })).json();
    expect(before.components.policyCoverage.findings.map((f: { id: string }) => f.id)).not.toContain("coverage.unwrapped_model_calls");

    expect((await execute(org.agent.apiKey, { actionType: "llm.openai.gpt-4o-mini", ...SPEND }, PYTHON)).statusCode).toBe(200);
    const coverage = await coverageOf(org);
    expect(coverage.agents.map((a) => [a.agentName, a.bypassesWrappers])).toEqual([
      ["test-agent", true],
      ["wrapped-agent", false],
    ]);
    const after = (await call(app, "GET", "/v1/posture", { key: org.adminKey.apiKey })).json();
    const finding = after.components.policyCoverage.findings.find((f: { id: string }) => f.id === "coverage.unwrapped_model_calls");
    expect(finding?.message).toContain("test-agent");
    expect(finding?.message).not.toContain("wrapped-agent");
  });

  it("shows only the org's own agents and counts only their calls; another org's calls change nothing", async () => {
    const mine = await createTestOrg({ label: "coverage-mine", policies: POLICIES });
    const theirs = await createTestOrg({ label: "coverage-theirs", policies: POLICIES });
    expect((await execute(theirs.agent.apiKey, { actionType: "llm.openai.gpt-4o-mini", ...SPEND }, PYTHON)).statusCode).toBe(200);
    const coverage = await coverageOf(mine);
    expect(coverage.agents.map((a) => a.agentId)).toEqual([mine.agent.id]);
    expect(coverage.agents[0]?.modelCalls.declared.count).toBe(0);
    expect(JSON.stringify(coverage)).not.toContain(theirs.agent.id);
    expect((await coverageOf(theirs)).agents[0]?.modelCalls.declared.count).toBe(1);
  });

  it("refuses an agent's key (403) and answers every member role", async () => {
    const org = await createTestOrg({ label: "coverage-roles", policies: POLICIES });
    const refused = await call(app, "GET", "/v1/coverage", { key: org.agent.apiKey });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("FORBIDDEN");
    for (const role of ["admin", "approver", "auditor", "viewer"] as const) {
      const member = await addTestMember(org, role);
      expect((await coverageOf(org, member.apiKey)).agents).toHaveLength(1);
    }
    expect((await call(app, "GET", "/v1/coverage")).statusCode).toBe(401);
  });

  it("counts calls of past days in the window and none before it", async () => {
    const org = await createTestOrg({ label: "coverage-window", policies: POLICIES });
    const day = (daysAgo: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - daysAgo * 86_400_000);
    await db().pool.query(
      `INSERT INTO agent_call_coverage (org_id, agent_id, day, kind, count, last_seen_at) VALUES ($1, $2, $3, 'model.declared', 7, $3), ($1, $2, $4, 'model.declared', 100, $4)`,
      [org.org.id, org.agent.id, day(29), day(30)],
    );
    const [agent] = (await coverageOf(org)).agents;
    expect(agent?.modelCalls.declared).toEqual({ count: 7, lastSeenAt: day(29).toISOString() });
  });
});
