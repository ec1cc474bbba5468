import { db, detectAnomalies, rollUpDecisions } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";

let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await stopApp(app);
});

interface Received {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** Opens `GET /v1/events` and collects parsed frames until `until` holds (or the time runs out). */
async function collect(
  key: string,
  until: (events: Received[]) => boolean,
  options: { lastEventId?: string; query?: string; during?: () => Promise<void> } = {},
): Promise<Received[]> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: "text/event-stream" };
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  const response = await fetch(`${baseUrl}/v1/events${options.query ?? ""}`, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Received[] = [];
  let buffer = "";
  const timer = setTimeout(() => controller.abort(), 8_000);
  const during = options.during?.();
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split("\n")
            .filter((l) => !l.startsWith(":") && l.includes(":"))
            .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
        );
        if (fields.event && fields.data) events.push({ id: fields.id ?? "", event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
    await during;
  }
  return events;
}

const policies = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval" },
  { name: "no-deletes", actions: ["*.delete"], effect: "deny" },
];

describe("GET /v1/events", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ label: "events", policies });
  });

  it("streams decisions and the approval's lifecycle to an admin key, in log order", async () => {
    const approver = await addTestMember(org, "approver");
    let approvalId = "";
    const events = await collect(org.adminKey.apiKey, (e) => e.some((x) => x.event === "approval.decided"), {
      during: async () => {
        await new Promise((r) => setTimeout(r, 100));
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open" } });
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "repo.delete" } });
        approvalId = (await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge" } })).json().approvalId;
        await call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key: approver.apiKey, body: { decision: "approve", reason: "ship it" } });
      },
    });
    expect(events.map((e) => e.event)).toEqual(["action.executed", "action.denied", "approval.requested", "approval.voted", "approval.decided"]);
    expect(events[2]?.data).toMatchObject({ approvalId, actionType: "pr.merge", agentId: org.agent.id, policyName: "review-merges" });
    expect(events[4]?.data).toMatchObject({ approvalId, status: "approved", reason: "ship it", decidedBy: { id: approver.membershipId } });
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it("resumes after Last-Event-ID with exactly what followed it", async () => {
    const first = await collect(org.adminKey.apiKey, (e) => e.length >= 1, {
      during: async () => {
        await new Promise((r) => setTimeout(r, 100));
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { n: 1 } } });
      },
    });
    const lastEventId = first[0]?.id as string;
    // While disconnected: two more decisions.
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open", metadata: { n: 2 } } });
    await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.close", metadata: { n: 3 } } });
    const resumed = await collect(org.adminKey.apiKey, (e) => e.length >= 2, { lastEventId });
    expect(resumed.map((e) => e.data.actionType)).toEqual(["pr.open", "pr.close"]);
    expect(Number(resumed[0]?.id)).toBeGreaterThan(Number(lastEventId));
  });

  it("an agent key hears only its own agent's events", async () => {
    const sibling = (await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "sibling" } })).json();
    const events = await collect(org.agent.apiKey, (e) => e.length >= 1, {
      during: async () => {
        await new Promise((r) => setTimeout(r, 100));
        await call(app, "POST", "/v1/actions", { key: sibling.apiKey, body: { actionType: "pr.open" } });
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.close" } });
      },
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ agentId: org.agent.id, actionType: "pr.close" });
  });

  it("types and agentId are filtered on the server: only the asked types of the asked agent arrive", async () => {
    const other = (await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "filtered-out" } })).json();
    const events = await collect(org.adminKey.apiKey, (e) => e.length >= 2, {
      query: `?types=action.denied,approval.requested&agentId=${org.agent.id}`,
      during: async () => {
        await new Promise((r) => setTimeout(r, 100));
        await call(app, "POST", "/v1/actions", { key: other.apiKey, body: { actionType: "repo.delete" } });
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open" } });
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "repo.delete" } });
        await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.merge" } });
      },
    });
    expect(events.map((e) => [e.event, e.data.agentId, e.data.actionType])).toEqual([
      ["action.denied", org.agent.id, "repo.delete"],
      ["approval.requested", org.agent.id, "pr.merge"],
    ]);
    const unknownType = await fetch(`${baseUrl}/v1/events?types=action.exploded`, { headers: { authorization: `Bearer ${org.adminKey.apiKey}` } });
    expect([unknownType.status, ((await unknownType.json()) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]?.path]).toEqual([400, "types"]);
    const othersAsAgent = await fetch(`${baseUrl}/v1/events?agentId=${other.id}`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } });
    expect(othersAsAgent.status).toBe(400);
  });

  it("refuses a malformed Last-Event-ID with a 400, and no key with a 401", async () => {
    const bad = await fetch(`${baseUrl}/v1/events`, { headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "last-event-id": "yesterday" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]?.path).toBe("lastEventId");
    expect((await fetch(`${baseUrl}/v1/events`)).status).toBe(401);
  });
});

describe("enforcement.triggered and anomaly.detected", () => {
  const ENFORCEMENT = "?types=enforcement.triggered,anomaly.detected";

  it("a breaker opened by real denials is an enforcement.triggered event (kind circuit_opened, its reason); a member's halt is none", async () => {
    const org = await createTestOrg({ label: "breaker-events", policies });
    const set = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { circuitBreaker: { failureThreshold: 3, windowSeconds: 60 } } });
    expect(set.statusCode).toBe(200);
    const events = await collect(org.adminKey.apiKey, (e) => e.length >= 1, {
      query: ENFORCEMENT,
      during: async () => {
        await new Promise((r) => setTimeout(r, 100));
        // A member halts and resumes the agent first: no enforcement event for that.
        await call(app, "POST", `/v1/admin/agents/${org.agent.id}/halt`, { key: org.adminKey.apiKey, body: { reason: "by hand" } });
        await call(app, "POST", `/v1/admin/agents/${org.agent.id}/resume`, { key: org.adminKey.apiKey, body: {} });
        for (let i = 0; i < 3; i += 1) await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "repo.delete", metadata: { i } } });
      },
    });
    expect(events.map((e) => [e.event, e.data.kind, e.data.agentId])).toEqual([["enforcement.triggered", "circuit_opened", org.agent.id]]);
    expect(events[0]?.data.reason).toEqual(expect.stringContaining("3"));
    expect((await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: "pr.open" } })).json().denialReason).toBe("CIRCUIT_OPEN");
  });

  it("real decisions bucketed into rollups past the rule's multiple are anomaly.detected events; with anomaly.haltAgent on, the agent is halted (enforcement.triggered)", async () => {
    const org = await createTestOrg({ label: "anomaly-events", policies });
    // The breaker would stop the burst first; this test is about the anomaly rule.
    const set = await call(app, "PATCH", "/v1/admin/settings", { key: org.adminKey.apiKey, body: { circuitBreaker: { failureThreshold: 10_000 }, anomaly: { haltAgent: true } } });
    expect(set.json().anomaly).toEqual({ haltAgent: true });
    // A burst: 60 calls, 40 of them denied.
    for (let i = 0; i < 60; i += 1) {
      await call(app, "POST", "/v1/actions", { key: org.agent.apiKey, body: { actionType: i % 3 === 0 ? "pr.open" : "repo.delete", metadata: { i } } });
    }
    const burstEnded = Date.now();
    await rollUpDecisions();
    // `now` just after the burst's last minute: the burst is the recent window. Its trailing hour had
    // 24 calls, none denied (counted ten minutes before the window, as the rollup job counts).
    const now = Math.floor(burstEnded / 60_000) * 60_000 + 61_000;
    const baselineMinute = new Date(Math.floor(now / 60_000) * 60_000 - 15 * 60_000).toISOString();
    await db().pool.query(`INSERT INTO decision_rollups (org_id, period, bucket, agent_id, action_type, executed) VALUES ($1, 'minute', $2, $3, 'pr.open', 24)`, [
      org.org.id,
      baselineMinute,
      org.agent.id,
    ]);

    const events = await collect(org.adminKey.apiKey, (e) => e.length >= 3, {
      query: ENFORCEMENT,
      during: async () => {
        await new Promise((r) => setTimeout(r, 100));
        await detectAnomalies({ now });
      },
    });
    expect(events.map((e) => [e.event, e.data.kind])).toEqual([
      ["anomaly.detected", "call_rate"],
      ["anomaly.detected", "denial_rate"],
      ["enforcement.triggered", "agent_halted"],
    ]);
    expect(events[0]?.data).toMatchObject({ agentId: org.agent.id, recent: 60, baseline: 2, multiple: 30, threshold: 5, windowMinutes: 5 });
    expect(events[1]?.data).toMatchObject({ agentId: org.agent.id, recent: 0.667, baseline: 0, multiple: null, threshold: 3, windowMinutes: 5 });
    expect(events[2]?.data).toMatchObject({ agentId: org.agent.id, reason: expect.stringContaining("anomaly") });
    expect((await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } })).status).toBe("halted");
    const halted = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "agent.halted" } });
    expect([halted.actorType, halted.actorId]).toEqual(["system", "anomaly-detector"]);

    // Not reported again for the same agent and kind within 30 minutes.
    await detectAnomalies({ now: now + 60_000 });
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "agent.anomaly_detected" } })).toBe(2);
  });

  it("without anomaly.haltAgent the agent keeps running; a closed org is skipped", async () => {
    const org = await createTestOrg({ label: "anomaly-nohalt", policies });
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const minute = (back: number) => new Date(now - back * 60_000).toISOString();
    await db().pool.query(
      `INSERT INTO decision_rollups (org_id, period, bucket, agent_id, action_type, executed, denied) VALUES
         ($1, 'minute', $2, $4, 'pr.open', 24, 0), ($1, 'minute', $3, $4, 'pr.open', 100, 0)`,
      [org.org.id, minute(20), minute(2), org.agent.id],
    );
    await detectAnomalies({ now });
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: { in: ["agent.anomaly_detected", "agent.halted"] } } });
    expect(entries.map((e) => e.type)).toEqual(["agent.anomaly_detected"]);
    expect((await db().agent.findUniqueOrThrow({ where: { id: org.agent.id } })).status).toBe("active");

    const closed = await createTestOrg({ label: "anomaly-closed", policies });
    await db().pool.query(
      `INSERT INTO decision_rollups (org_id, period, bucket, agent_id, action_type, executed, denied) VALUES
         ($1, 'minute', $2, $4, 'pr.open', 24, 0), ($1, 'minute', $3, $4, 'pr.open', 100, 0)`,
      [closed.org.id, minute(20), minute(2), closed.agent.id],
    );
    await db().org.update({ where: { id: closed.org.id }, data: { closedAt: new Date() } });
    await detectAnomalies({ now });
    expect(await db().auditEntry.count({ where: { orgId: closed.org.id, type: "agent.anomaly_detected" } })).toBe(0);
  });
});
