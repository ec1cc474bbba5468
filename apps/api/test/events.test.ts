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
