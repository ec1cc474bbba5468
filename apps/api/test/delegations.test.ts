import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp, writesOf } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

let app: FastifyInstance;
let org: TestOrg;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "api-dlg", policies: ALLOW_ALL_PR });
});
afterAll(async () => {
  await stopApp(app);
});

interface Created {
  delegation: { id: string; childAgentId: string; parentAgentId: string; rootAgentId: string; depth: number; expiresAt: string };
  apiKey: string;
}

async function delegate(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Created> {
  const response = await call(app, "POST", "/v1/delegations", { key, body, headers });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Created>();
}

describe("/v1/delegations", () => {
  it("delegates, narrows, and refuses a wider capability or a longer life with 403 DELEGATION_SCOPE naming the field", async () => {
    const child = await delegate(org.agent.apiKey, { name: "reader", capabilities: ["pr.*"], ttlSeconds: 600 });
    expect(child.delegation).toMatchObject({ parentAgentId: org.agent.id, rootAgentId: org.agent.id, depth: 1 });
    const grandchild = await delegate(child.apiKey, { name: "opener", capabilities: ["pr.open"], ttlSeconds: 300 });
    expect(grandchild.delegation.depth).toBe(2);

    const before = await writesOf(org.org.id);
    const wide = await call(app, "POST", "/v1/delegations", { key: child.apiKey, body: { name: "wide", capabilities: ["deploy.*"], ttlSeconds: 60 } });
    expect(wide.statusCode).toBe(403);
    expect(wide.json()).toMatchObject({ error: { code: "DELEGATION_SCOPE", details: { issues: [{ path: "capabilities[0]" }] } } });
    const long = await call(app, "POST", "/v1/delegations", { key: child.apiKey, body: { name: "long", capabilities: ["pr.open"], ttlSeconds: 86_400 } });
    expect(long.statusCode).toBe(403);
    expect(long.json()).toMatchObject({ error: { code: "DELEGATION_SCOPE", details: { issues: [{ path: "ttlSeconds" }] } } });
    const bad = await call(app, "POST", "/v1/delegations", { key: child.apiKey, body: { name: "bad", capabilities: ["pr.open"], ttlSeconds: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: "VALIDATION", details: { issues: [{ path: "ttlSeconds" }] } } });
    expect(await writesOf(org.org.id)).toEqual(before);

    // Calls by the grandchild: in scope executed (by the root's policy), outside recorded as DELEGATION_SCOPE.
    const open = await call(app, "POST", "/v1/actions", { key: grandchild.apiKey, body: { actionType: "pr.open" } });
    expect(open.json()).toMatchObject({ status: "executed", policyName: "allow-pr" });
    const merge = await call(app, "POST", "/v1/actions", { key: grandchild.apiKey, body: { actionType: "pr.merge" } });
    expect(merge.json()).toMatchObject({ status: "denied", denialReason: "DELEGATION_SCOPE" });
    const who = await call(app, "GET", "/v1/whoami", { key: grandchild.apiKey });
    expect(who.json().delegation.chain.map((l: { agentId: string }) => l.agentId)).toEqual([org.agent.id, child.delegation.childAgentId, grandchild.delegation.childAgentId]);
  });

  it("an Idempotency-Key retry answers the same delegation with a fresh key; the first stops working", async () => {
    const headers = { "idempotency-key": "dlg-retry-0001" };
    const first = await delegate(org.agent.apiKey, { name: "retry", capabilities: ["pr.open"], ttlSeconds: 60 }, headers);
    const second = await delegate(org.agent.apiKey, { name: "retry", capabilities: ["pr.open"], ttlSeconds: 60 }, headers);
    expect(second.delegation.id).toBe(first.delegation.id);
    expect(second.apiKey).not.toBe(first.apiKey);
    expect((await call(app, "GET", "/v1/whoami", { key: first.apiKey })).statusCode).toBe(401);
    expect((await call(app, "GET", "/v1/whoami", { key: second.apiKey })).statusCode).toBe(200);
  });

  it("a sibling's or another org's delegation is a 404 and nothing is written; a revoked delegate's key is refused", async () => {
    const a = await delegate(org.agent.apiKey, { name: "a", capabilities: ["pr.*"], ttlSeconds: 600 });
    const sibling = await delegate(org.agent.apiKey, { name: "sibling", capabilities: ["pr.*"], ttlSeconds: 600 });
    const other = await createTestOrg({ label: "api-dlg-other", policies: ALLOW_ALL_PR });
    const before = await writesOf(org.org.id);
    for (const key of [sibling.apiKey, other.agent.apiKey, other.adminKey.apiKey]) {
      for (const method of ["GET", "DELETE"] as const) {
        const response = await call(app, method, `/v1/delegations/${a.delegation.id}`, { key });
        expect(response.statusCode, `${method} ${response.body}`).toBe(key === other.adminKey.apiKey && method === "GET" ? 403 : 404);
      }
    }
    expect(await writesOf(org.org.id)).toEqual(before);
    expect((await call(app, "POST", "/v1/delegations", { key: org.adminKey.apiKey, body: { name: "x", capabilities: ["pr.*"], ttlSeconds: 60 } })).statusCode).toBe(403);
    expect((await call(app, "GET", "/v1/delegations")).statusCode).toBe(401);

    const revoked = await call(app, "DELETE", `/v1/delegations/${a.delegation.id}`, { key: org.agent.apiKey });
    expect(revoked.json()).toEqual({ revoked: [a.delegation.id] });
    expect((await call(app, "POST", "/v1/actions", { key: a.apiKey, body: { actionType: "pr.open" } })).statusCode).toBe(401);
    const tree = await call(app, "GET", `/v1/admin/delegations?agentId=${org.agent.id}`, { key: org.adminKey.apiKey });
    expect(tree.json().delegations.find((d: { id: string }) => d.id === a.delegation.id).revokedAt).not.toBeNull();
  });
});

describe("two API processes", () => {
  let p: ApiProcess;
  let q: ApiProcess;
  beforeAll(async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    [p, q] = await Promise.all([spawnApi(env), spawnApi(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([p?.stop(), q?.stop()]);
  });

  it("revoking through one refuses the grandchild through the other at its next call (cascade)", async () => {
    const own = await createTestOrg({ label: "api-dlg-two", policies: ALLOW_ALL_PR });
    const post = (api: ApiProcess, path: string, key: string, body: unknown) =>
      fetch(`${api.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const create = async (key: string, name: string, ttlSeconds: number) =>
      (await (await post(p, "/v1/delegations", key, { name, capabilities: ["pr.*"], ttlSeconds })).json()) as Created;
    const a = await create(own.agent.apiKey, "a", 600);
    const b = await create(a.apiKey, "b", 500);
    const c = await create(b.apiKey, "c", 400);
    const decide = async () => (await post(q, "/v1/actions", c.apiKey, { actionType: "pr.open" })).status;
    expect(await decide()).toBe(200); // Q holds the grandchild's key in its cache
    const revoked = await fetch(`${p.url}/v1/delegations/${a.delegation.id}`, { method: "DELETE", headers: { authorization: `Bearer ${own.agent.apiKey}` } });
    expect(await revoked.json()).toEqual({ revoked: [a.delegation.id, b.delegation.id, c.delegation.id] });
    const started = Date.now();
    let status = 200;
    while (Date.now() - started < 1_000) {
      status = await decide();
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(401);
  });
});
