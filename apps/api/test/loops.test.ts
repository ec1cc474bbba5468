import { db } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin, type GatehouseEvent } from "../../../packages/sdk/src/index.ts";
import { listeningApp } from "./helpers";

// Loop detection (docs/loops.md), run as users run it: a scripted agent on the SDK against a listening
// API, on the org defaults (20 identical calls within 60 s) unless a test says otherwise.
const server = listeningApp();

const TOOLS = [{ name: "tools", actions: ["tool.*"], effect: "allow" }];

function clients(org: TestOrg, agentKey = org.agent.apiKey) {
  return {
    agent: new Gatehouse({ apiKey: agentKey, baseUrl: server.url, maxRetries: 0 }),
    admin: new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 }),
  };
}

/** Calls `tool.search` with `args(i)` `times` times in order; the answers' status or denial reason. */
async function loopOn(agent: Gatehouse, times: number, args: (i: number) => Record<string, unknown>, actionType = (_i: number) => "tool.search"): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < times; i++) {
    const result = await agent.execute(actionType(i), { metadata: args(i) });
    out.push(result.status === "denied" ? (result.denialReason ?? "denied") : result.status);
  }
  return out;
}

const times = (n: number, what: string) => Array.from({ length: n }, () => what);

async function entriesOf(orgId: string, type: string): Promise<Array<{ actor: string; data: Record<string, unknown> }>> {
  const rows = await db().auditEntry.findMany({ where: { orgId, type }, orderBy: { seq: "asc" }, select: { canonical: true } });
  return rows.map((r) => {
    const parsed = JSON.parse(r.canonical) as { actor: { id: string }; data: Record<string, unknown> };
    return { actor: parsed.actor.id, data: parsed.data };
  });
}

/** The events an agent key's stream holds from the start, read until `until` matches one. */
async function eventsUntil(agent: Gatehouse, until: (event: GatehouseEvent) => boolean): Promise<GatehouseEvent[]> {
  const seen: GatehouseEvent[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5_000);
  try {
    for await (const event of agent.subscribe({ lastEventId: "0", signal: controller.signal })) {
      seen.push(event);
      if (until(event)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

describe("a scripted agent looping on one tool with the same arguments", () => {
  it("is refused LOOP_DETECTED at the 21st call by default, and keeps being refused; it is recorded once, and streams as loop.detected", async () => {
    const org = await createTestOrg({ label: "loop-default", policies: TOOLS });
    const { agent, admin } = clients(org);
    const answers = await loopOn(agent, 24, () => ({ query: "status of #4512" }));
    expect(answers).toEqual([...times(20, "executed"), ...times(4, "LOOP_DETECTED")]);

    const refused = await agent.execute("tool.search", { metadata: { query: "status of #4512" } });
    expect(refused).toMatchObject({ status: "denied", denialReason: "LOOP_DETECTED" });
    expect(refused.message).toMatch(/repeats the same call/);

    const loops = await entriesOf(org.org.id, "agent.loop_detected");
    expect(loops).toEqual([
      {
        actor: "loop-detector",
        data: { agentName: "test-agent", kind: "repeat", actionType: "tool.search", count: 21, maxRepeats: 20, windowSeconds: 60, source: "org", halted: false },
      },
    ]);
    // The default does not halt: the agent stays active, and other calls go through.
    expect((await admin.agents.list()).find((a) => a.id === org.agent.id)?.status).toBe("active");
    expect(await loopOn(agent, 1, () => ({ query: "something else" }))).toEqual(["executed"]);

    const events = await eventsUntil(agent, (e) => e.type === "loop.detected");
    expect(events.filter((e) => e.type === "loop.detected")).toHaveLength(1);
    expect(events.at(-1)?.data).toMatchObject({
      type: "loop.detected",
      kind: "repeat",
      actionType: "tool.search",
      source: "org",
      halted: false,
      count: 21,
      maxRepeats: 20,
      windowSeconds: 60,
      agentId: org.agent.id,
      reason: "loop: tool.search with the same arguments 21 times within 60 s (limit 20)",
    });
  });

  it("with loops.haltAgent on, is halted by the system at the call that went over, and every call after is AGENT_HALTED", async () => {
    const org = await createTestOrg({ label: "loop-halt", policies: TOOLS });
    const { agent, admin } = clients(org);
    await admin.settings.update({ loops: { maxRepeats: 5, haltAgent: true } });
    const answers = await loopOn(agent, 8, () => ({ query: "same" }));
    expect(answers).toEqual([...times(5, "executed"), "LOOP_DETECTED", "AGENT_HALTED", "AGENT_HALTED"]);
    // Halted: even a different call is refused until a member resumes it.
    expect(await loopOn(agent, 1, () => ({ query: "different" }))).toEqual(["AGENT_HALTED"]);
    const halts = await entriesOf(org.org.id, "agent.halted");
    expect(halts).toEqual([{ actor: "loop-detector", data: { name: "test-agent", reason: "loop: tool.search with the same arguments 6 times within 60 s (limit 5)" } }]);

    const events = await eventsUntil(agent, (e) => e.type === "enforcement.triggered" && e.data.kind === "agent_halted");
    expect(events.filter((e) => e.type === "loop.detected" || e.type === "enforcement.triggered").map((e) => [e.type, e.data.kind])).toEqual([
      ["loop.detected", "repeat"],
      ["enforcement.triggered", "agent_halted"],
    ]);

    await admin.agents.resume(org.agent.id);
    // Resumed, the same call is still over its window's limit; a different one goes through.
    expect(await loopOn(agent, 1, () => ({ query: "different" }))).toEqual(["executed"]);
  });
});

describe("what is not a loop", () => {
  it("an agent calling the same tool with different arguments is never refused", async () => {
    const org = await createTestOrg({ label: "loop-varied", policies: TOOLS });
    const { agent } = clients(org);
    expect(await loopOn(agent, 30, (i) => ({ query: `page ${i}` }))).toEqual(times(30, "executed"));
  });

  it("another agent, and another org's agent, making the very same call are not held by this agent's count", async () => {
    const org = await createTestOrg({ label: "loop-iso", policies: TOOLS });
    const other = await createTestOrg({ label: "loop-iso-other", policies: TOOLS });
    const { agent, admin } = clients(org);
    const second = await admin.agents.create({ name: "second-agent" });
    await admin.settings.update({ loops: { maxRepeats: 3 } });
    expect(await loopOn(agent, 4, () => ({ q: 1 }))).toEqual([...times(3, "executed"), "LOOP_DETECTED"]);
    expect(await loopOn(new Gatehouse({ apiKey: second.apiKey, baseUrl: server.url }), 3, () => ({ q: 1 }))).toEqual(times(3, "executed"));
    expect(await loopOn(clients(other).agent, 20, () => ({ q: 1 }))).toEqual(times(20, "executed"));
  });

  it("a retry of one call (the same eventId) counts once", async () => {
    const org = await createTestOrg({ label: "loop-retry", policies: TOOLS });
    const { agent, admin } = clients(org);
    await admin.settings.update({ loops: { maxRepeats: 2 } });
    for (let i = 0; i < 5; i++) expect(await agent.execute("tool.search", { metadata: { q: 1 }, eventId: "evt-the-same" })).toMatchObject({ status: "executed" });
    expect(await loopOn(agent, 2, () => ({ q: 1 }))).toEqual(["executed", "LOOP_DETECTED"]);
  });

  it("canI only looks: it answers what the next call would get and counts nothing", async () => {
    const org = await createTestOrg({ label: "loop-cani", policies: TOOLS });
    const { agent, admin } = clients(org);
    await admin.settings.update({ loops: { maxRepeats: 2 } });
    for (let i = 0; i < 10; i++) expect(await agent.canI("tool.search", { metadata: { q: 1 } })).toMatchObject({ allowed: true });
    expect(await loopOn(agent, 2, () => ({ q: 1 }))).toEqual(["executed", "executed"]);
    expect(await agent.canI("tool.search", { metadata: { q: 1 } })).toMatchObject({ allowed: false, denialReason: "LOOP_DETECTED" });
  });

  it("with loop detection turned off for the org, nothing is refused for repeating", async () => {
    const org = await createTestOrg({ label: "loop-off", policies: TOOLS });
    const { agent, admin } = clients(org);
    await admin.settings.update({ loops: { enabled: false } });
    expect(await loopOn(agent, 25, () => ({ q: 1 }))).toEqual(times(25, "executed"));
  });
});

describe("ping-pong", () => {
  it("two calls alternating more than the limit are refused, though neither repeated that often", async () => {
    const org = await createTestOrg({ label: "loop-pingpong", policies: TOOLS });
    const { agent, admin } = clients(org);
    await admin.settings.update({ loops: { maxRepeats: 4 } });
    // read, write, read, write, …: each is called at most 3 times when the 5th alternation comes.
    const answers = await loopOn(
      agent,
      6,
      () => ({ path: "src/index.ts" }),
      (i) => (i % 2 === 0 ? "tool.read_file" : "tool.write_file"),
    );
    expect(answers).toEqual([...times(5, "executed"), "LOOP_DETECTED"]);
    const [loop] = await entriesOf(org.org.id, "agent.loop_detected");
    expect(loop?.data).toMatchObject({ kind: "ping_pong", count: 5, maxRepeats: 4, actionType: "tool.write_file" });
  });
});

describe("policies tune it for the calls they match", () => {
  it("a policy's limit holds for its actions (the strictest wins), `false` lifts it, other actions keep the org's", async () => {
    const org = await createTestOrg({
      label: "loop-policy",
      policies: [
        { name: "tools", actions: ["tool.*"], effect: "allow" },
        { name: "ci-polling", actions: ["tool.ci_status"], effect: "allow", loop: false },
        { name: "payments", actions: ["tool.pay"], effect: "allow", loop: { maxRepeats: 2, windowSeconds: 300 } },
        { name: "payments-audit", actions: ["tool.pay"], effect: "allow", loop: { maxRepeats: 50 } },
      ],
    });
    const { agent } = clients(org);
    expect(
      await loopOn(
        agent,
        30,
        () => ({ build: 7 }),
        () => "tool.ci_status",
      ),
    ).toEqual(times(30, "executed"));
    expect(
      await loopOn(
        agent,
        3,
        () => ({ amount: 5 }),
        () => "tool.pay",
      ),
    ).toEqual(["executed", "executed", "LOOP_DETECTED"]);
    const [loop] = await entriesOf(org.org.id, "agent.loop_detected");
    expect(loop?.data).toMatchObject({ kind: "repeat", maxRepeats: 2, windowSeconds: 300, source: "payments" });
    expect(await loopOn(agent, 21, () => ({ q: 1 }))).toEqual([...times(20, "executed"), "LOOP_DETECTED"]);
  });

  it("a policy whose loop is not a limit is refused with the field named, and nothing is published", async () => {
    const org = await createTestOrg({ label: "loop-bad-policy", policies: TOOLS });
    const { admin } = clients(org);
    const before = await admin.policies.list();
    for (const loop of [true, { maxRepeats: 0 }, { maxRepeats: 5, windowSeconds: 0 }, { maxRepeats: 5, extra: 1 }, "off"]) {
      const response = await fetch(`${server.url}/v1/admin/policies`, {
        method: "PUT",
        headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ policies: [{ name: "p", actions: ["tool.*"], effect: "allow", loop }] }),
      });
      expect(response.status, JSON.stringify(loop)).toBe(400);
      expect(await response.text()).toContain("policies[0].loop");
    }
    expect(await admin.policies.list()).toEqual(before);
  });
});

describe("the org's loop settings", () => {
  it.each([
    [{ maxRepeats: 0 }, "loops.maxRepeats"],
    [{ maxRepeats: 100_001 }, "loops.maxRepeats"],
    [{ windowSeconds: 0 }, "loops.windowSeconds"],
    [{ windowSeconds: 3_601 }, "loops.windowSeconds"],
    [{ windowSeconds: "60" }, "loops.windowSeconds"],
    [{ enabled: 1 }, "loops.enabled"],
    [{ haltAgent: null }, "loops.haltAgent"],
    [{ unknown: true }, "loops"],
  ])("refuse %j with a 400 naming %s, and change nothing", async (loops, field) => {
    const org = await createTestOrg({ label: "loop-settings" });
    const { admin } = clients(org);
    const before = await admin.settings.get();
    const error = await admin.settings.update({ loops } as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    expect(JSON.stringify((error as { details?: unknown }).details)).toContain(field);
    expect(await admin.settings.get()).toEqual(before);
    expect(before.loops).toEqual({ enabled: true, maxRepeats: 20, windowSeconds: 60, haltAgent: false });
  });

  it("loosening them waits for a second admin under the two-admin rule; tightening applies at once", async () => {
    const org = await createTestOrg({ label: "loop-two-admin" });
    const { admin } = clients(org);
    await admin.settings.update({ policies: { requireSecondApproval: true } });
    expect(await admin.settings.update({ loops: { maxRepeats: 5, haltAgent: true } })).toMatchObject({ loops: { maxRepeats: 5, haltAgent: true } });
    for (const loops of [{ enabled: false }, { maxRepeats: 6 }, { windowSeconds: 30 }, { haltAgent: false }]) {
      expect(await admin.settings.update({ loops })).toMatchObject({ status: "pending_approval", weakened: [expect.objectContaining({ path: `loops.${Object.keys(loops)[0]}` })] });
    }
    expect((await admin.settings.get()).loops).toEqual({ enabled: true, maxRepeats: 5, windowSeconds: 60, haltAgent: true });
  });
});
