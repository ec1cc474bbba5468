import { DEFAULT_HEARTBEAT_SECONDS, MISSED_BEATS } from "@gatehouse/core";
import { db, detectUnresponsiveAgents } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin, type GatehouseEvent } from "../../../packages/sdk/src/index.ts";
import { ALLOW_ALL_PR, listeningApp, writesOf } from "./helpers";

// Presence (docs/agents.md, Presence): heartbeats and calls make an agent live; an open session that
// misses its beats is marked unresponsive once by the worker's sweep (an injected clock), recorded and
// streamed with its runs in flight; a closed session goes idle; a halt names who halted. And the
// attacker's table: hostile heartbeats are 400s that change nothing, a member's key is refused.
const server = listeningApp();

const beat = (org: TestOrg, body: unknown, key = org.agent.apiKey) =>
  fetch(`${server.url}/v1/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });

async function presenceOf(org: TestOrg, agentId = org.agent.id) {
  const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
  return (await admin.agents.list()).find((a) => a.id === agentId);
}

/** Moves the agent's last sighting into the past, as if that much time had gone by since. */
async function seenAgo(agentId: string, ms: number): Promise<void> {
  await db().agent.update({ where: { id: agentId }, data: { lastSeenAt: new Date(Date.now() - ms) } });
}

describe("presence", () => {
  it("a heartbeat opens a session and makes the agent live; three missed beats make it unresponsive once, recorded and streamed with its run", async () => {
    const org = await createTestOrg({ label: "presence", policies: ALLOW_ALL_PR });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, heartbeat: false });
    expect((await presenceOf(org))?.presence).toBe("idle");
    const answer = await agent.heartbeat({ intervalSeconds: 10 });
    expect(answer).toMatchObject({ agentId: org.agent.id, presence: "live", session: "open", nextHeartbeatSeconds: 10 });
    expect((await presenceOf(org))?.presence).toBe("live");
    const { run } = await agent.execute("pr.open", { runId: "mid-run" });

    // 31 s without a beat (the sweep runs at "now"): unresponsive, once.
    await seenAgo(org.agent.id, 31_000);
    expect((await presenceOf(org))?.presence).toBe("unresponsive");
    expect(await detectUnresponsiveAgents()).toBeGreaterThanOrEqual(1);
    expect(await detectUnresponsiveAgents()).toBe(0);
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "agent.unresponsive" } });
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]?.canonical ?? "{}").data).toMatchObject({ agentName: "test-agent", heartbeatSeconds: 10, runs: [run?.id] });

    // The event, as the console and an admin's subscribe() hear it.
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5_000);
    let heard: GatehouseEvent | undefined;
    for await (const event of admin.subscribe({ lastEventId: "0", types: ["agent.unresponsive"], signal: controller.signal })) {
      heard = event;
      break;
    }
    clearTimeout(timer);
    expect(heard?.data).toMatchObject({ type: "agent.unresponsive", agentId: org.agent.id, runs: [run?.id] });

    // It comes back: live again, and the sweep may mark it again later (the mark cleared).
    await agent.heartbeat({ intervalSeconds: 10 });
    expect((await presenceOf(org))?.presence).toBe("live");
    expect((await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } })).unresponsiveSince).toBeNull();
  });

  it("a closed session goes idle, not unresponsive; a call with the key counts as a beat", async () => {
    const org = await createTestOrg({ label: "presence-idle", policies: ALLOW_ALL_PR });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, heartbeat: false });
    await agent.heartbeat();
    expect((await agent.heartbeat({ state: "stopped" })).session).toBe("closed");
    await seenAgo(org.agent.id, (MISSED_BEATS * DEFAULT_HEARTBEAT_SECONDS + 1) * 1000);
    expect((await presenceOf(org))?.presence).toBe("idle");
    const before = await db().auditEntry.count({ where: { orgId: org.org.id, type: "agent.unresponsive" } });
    await detectUnresponsiveAgents();
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "agent.unresponsive" } })).toBe(before);
  });

  it("any call with the agent's key is a sign of life (canI here, which records nothing else)", async () => {
    const org = await createTestOrg({ label: "presence-call", policies: ALLOW_ALL_PR });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, heartbeat: false });
    expect((await presenceOf(org))?.presence).toBe("idle");
    await agent.canI("pr.open");
    await expect.poll(async () => (await presenceOf(org))?.presence).toBe("live");
  });

  it("the SDK beats by itself while a client is in use, and close() closes the session (idle next, not unresponsive)", async () => {
    const org = await createTestOrg({ label: "presence-sdk", policies: ALLOW_ALL_PR });
    // The SDK's own timer, made fast: each beat 50 ms after the last instead of 30 s.
    const agent = new Gatehouse(
      { apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 },
      {
        setTimer: (fn) => {
          const timer = setTimeout(fn, 50);
          return () => clearTimeout(timer);
        },
      },
    );
    await agent.execute("pr.open");
    await expect.poll(async () => (await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } })).heartbeatOpen).toBe(true);
    await agent.close();
    expect((await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } })).heartbeatOpen).toBe(false);
  });

  it("a halted agent reads halted, naming the member who halted it, or the system", async () => {
    const org = await createTestOrg({ label: "presence-halt", policies: ALLOW_ALL_PR });
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    expect(await admin.agents.halt(org.agent.id, { reason: "runaway" })).toMatchObject({ presence: "halted", haltedBy: { type: "member", email: org.owner.email } });
    await admin.agents.resume(org.agent.id);
    expect((await presenceOf(org))?.haltedBy).toBeNull();
    // Through the settings service, as an admin would: every process's cached settings are dropped at once.
    await admin.settings.update({ loops: { maxRepeats: 1, haltAgent: true } });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0, heartbeat: false });
    for (let i = 0; i < 3; i += 1) await agent.execute("pr.open", { metadata: { same: true } });
    await expect.poll(async () => (await presenceOf(org))?.haltedBy).toEqual({ type: "system", name: "loop-detector" });
  });
});

describe("what an attacker tries", () => {
  const hostile: Array<[string, unknown, string]> = [
    ["an interval of 0", { intervalSeconds: 0 }, "intervalSeconds"],
    ["an interval under 5 s", { intervalSeconds: 4 }, "intervalSeconds"],
    ["an interval over an hour", { intervalSeconds: 3_601 }, "intervalSeconds"],
    ["an interval that is not whole", { intervalSeconds: 1.5 }, "intervalSeconds"],
    ["an interval as text", { intervalSeconds: "30" }, "intervalSeconds"],
    ["an interval that is huge", { intervalSeconds: 1e308 }, "intervalSeconds"],
    ["an unknown state", { state: "paused" }, "state"],
    ["an extra field (naming another agent)", { agentId: "agt_0123456789abcdefABCDEF" }, ""],
    ["an array", [1, 2], ""],
  ];
  it.each(hostile)("a heartbeat with %s is a 400 naming the field, and leaves the session as it was", async (_label, body, field) => {
    const org = await createTestOrg({ label: "presence-hostile", policies: ALLOW_ALL_PR });
    const before = await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } });
    const writes = await writesOf(org.org.id);
    const answer = await beat(org, body);
    expect(answer.status).toBe(400);
    const issues = ((await answer.json()) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues;
    expect(issues.map((i) => i.path)).toContain(field);
    // (The call itself, made with the agent's key, is a sign of life: only its last sighting may move.)
    const after = await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } });
    expect([after.heartbeatOpen, after.heartbeatSeconds]).toEqual([before.heartbeatOpen, before.heartbeatSeconds]);
    expect(await writesOf(org.org.id)).toEqual(writes);
  });

  it("a member's admin key cannot beat for an agent (403), and a beat touches only the caller's own agent", async () => {
    const org = await createTestOrg({ label: "presence-keys", policies: ALLOW_ALL_PR });
    const other = await createTestOrg({ label: "presence-keys-other", policies: ALLOW_ALL_PR });
    expect((await beat(org, {}, org.adminKey.apiKey)).status).toBe(403);
    expect((await beat(org, { intervalSeconds: 60 })).status).toBe(200);
    const theirs = await db().agent.findUniqueOrThrow({ where: { id: other.agent.id } });
    expect([theirs.heartbeatOpen, theirs.heartbeatSeconds]).toEqual([false, null]);
  });
});
