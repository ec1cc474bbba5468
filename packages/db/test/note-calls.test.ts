import type { Ctx } from "../src/actors/context";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb, db } from "../src";
import { getAgentOverview } from "../src/agents";
import { flushCallCoverage, getCoverage, noteCalls } from "../src/posture";
import { createTestOrg, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const asAgent = (org: TestOrg, integration: { name: "openai" | "python" | "ai-sdk"; version: string } | null): Ctx => ({
  org: org.org,
  actor: { type: "agent", agentId: org.agent.id, agentName: org.agent.name, keyId: org.agent.keyId, delegationChain: [] },
  requestId: "test",
  integration,
});

const rowsOf = async (org: TestOrg) =>
  (await db().pool.query<{ kind: string; count: string }>(`SELECT kind, count FROM agent_call_coverage WHERE org_id = $1 ORDER BY kind`, [org.org.id])).rows;

describe("noteCalls / flushCallCoverage", () => {
  it("sums a process's counts in memory and writes them in one go, adding to what is stored", async () => {
    const org = await createTestOrg({ label: "note-calls" });
    for (let i = 0; i < 3; i += 1) noteCalls(asAgent(org, { name: "openai", version: "0.1.0" }), { spend: true, tool: false });
    noteCalls(asAgent(org, { name: "python", version: "0.1.0" }), { spend: true, tool: true });
    noteCalls(asAgent(org, null), { spend: false, tool: false });
    expect(await rowsOf(org)).toEqual([]);
    await flushCallCoverage();
    expect(await rowsOf(org)).toEqual([
      { kind: "model.declared", count: "1" },
      { kind: "model.wrapped", count: "3" },
      { kind: "tool.direct", count: "1" },
    ]);
    noteCalls(asAgent(org, { name: "openai", version: "0.1.0" }), { spend: true, tool: false });
    await flushCallCoverage();
    expect((await rowsOf(org)).find((r) => r.kind === "model.wrapped")?.count).toBe("4");
  });

  it("counts nothing for a member's call, and the console's overview and coverage read the same counts", async () => {
    const org = await createTestOrg({ label: "note-calls-member" });
    noteCalls(org.ctx, { spend: true, tool: true });
    noteCalls(asAgent(org, { name: "ai-sdk", version: "0.1.0" }), { spend: false, tool: true });
    const overview = await getAgentOverview({ ctx: org.ctx, input: { agentId: org.agent.id } });
    expect(overview.calls.toolCalls.adapter.count).toBe(1);
    expect(overview.calls.modelCalls.declared.count).toBe(0);
    const coverage = await getCoverage({ ctx: org.ctx });
    expect(coverage.agents[0]?.toolCalls).toEqual(overview.calls.toolCalls);
  });

  it("drops counts for a database that was closed since, without failing and without opening it again", async () => {
    const org = await createTestOrg({ label: "note-calls-closed" });
    noteCalls(asAgent(org, { name: "python", version: "0.1.0" }), { spend: true, tool: false });
    const before = db();
    await disconnectDb();
    await expect(flushCallCoverage()).resolves.toBeUndefined();
    // The flush wrote nothing through a new pool: the next db() is a fresh client, and the closed one's counts are gone.
    expect(db()).not.toBe(before);
    expect(await rowsOf(org)).toEqual([]);
  });
});
