import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

/**
 * Revocation that revokes (docs/adr/0013): every way a delegate's authority ends × every depth ×
 * every verb a delegate has. The very next call after the ending is refused, with the code saying why.
 */

let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

interface Created {
  delegation: { id: string; childAgentId: string; expiresAt: string };
  apiKey: string;
}

interface Tree {
  org: TestOrg;
  child: Created & { keyId: string };
  grandchild: Created & { keyId: string };
}

type Send = (method: "GET" | "POST" | "DELETE", path: string, key: string, body?: unknown) => Promise<{ status: number; json: () => unknown }>;

const viaApp: Send = async (method, path, key, body) => {
  const response = await call(app, method, path, { key, ...(body === undefined ? {} : { body }) });
  return { status: response.statusCode, json: () => response.json() };
};

function viaProcess(api: ApiProcess): Send {
  return async (method, path, key, body) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: () => JSON.parse(text) as unknown };
  };
}

async function delegateVia(send: Send, key: string, name: string, ttlSeconds: number): Promise<Created & { keyId: string }> {
  const response = await send("POST", "/v1/delegations", key, { name, capabilities: ["pr.*"], ttlSeconds });
  expect(response.status, JSON.stringify(response.json())).toBe(201);
  const created = response.json() as Created;
  const who = (await send("GET", "/v1/whoami", created.apiKey)).json() as { key: { id: string } };
  return { ...created, keyId: who.key.id };
}

/** An org with root → child → grandchild (every delegate `pr.*`). */
async function tree(send: Send, label: string, ttl: { child: number; grandchild: number } = { child: 600, grandchild: 500 }): Promise<Tree> {
  const org = await createTestOrg({ label, policies: ALLOW_ALL_PR });
  const child = await delegateVia(send, org.agent.apiKey, "child", ttl.child);
  const grandchild = await delegateVia(send, child.apiKey, "grandchild", ttl.grandchild);
  return { org, child, grandchild };
}

type Depth = "child" | "grandchild";
type Ending =
  | "revoke the parent's key"
  | "revoke the root's key"
  | "revoke its own key"
  | "halt the parent"
  | "halt the root"
  | "revoke its delegation"
  | "revoke an ancestor delegation"
  | "expire";

/** What the delegate's calls answer once its authority ended. */
type Refusal = { status: 401; code: "DELEGATION_REVOKED" | "DELEGATION_EXPIRED" } | { status: 403; code: "AGENT_HALTED" };

const REFUSAL: Record<Ending, Refusal> = {
  "revoke the parent's key": { status: 401, code: "DELEGATION_REVOKED" },
  "revoke the root's key": { status: 401, code: "DELEGATION_REVOKED" },
  "revoke its own key": { status: 401, code: "DELEGATION_REVOKED" },
  "halt the parent": { status: 403, code: "AGENT_HALTED" },
  "halt the root": { status: 403, code: "AGENT_HALTED" },
  "revoke its delegation": { status: 401, code: "DELEGATION_REVOKED" },
  "revoke an ancestor delegation": { status: 401, code: "DELEGATION_REVOKED" },
  expire: { status: 401, code: "DELEGATION_EXPIRED" },
};

/** Ends the authority of `target` (a delegate of `t`) the way `ending` says, through `send` with the org's admin key or the root's key. */
async function end(send: Send, t: Tree, depth: Depth, ending: Ending): Promise<void> {
  const target = t[depth];
  const parent = depth === "child" ? { agentId: t.org.agent.id, keyId: t.org.agent.keyId } : { agentId: t.child.delegation.childAgentId, keyId: t.child.keyId };
  const admin = t.org.adminKey.apiKey;
  const ok = async (response: Promise<{ status: number; json: () => unknown }>) => {
    const answered = await response;
    expect(answered.status, JSON.stringify(answered.json())).toBe(200);
  };
  switch (ending) {
    case "revoke the parent's key":
      return ok(send("DELETE", `/v1/admin/keys/${parent.keyId}`, admin));
    case "revoke the root's key":
      return ok(send("DELETE", `/v1/admin/keys/${t.org.agent.keyId}`, admin));
    case "revoke its own key":
      return ok(send("DELETE", `/v1/admin/keys/${target.keyId}`, admin));
    case "halt the parent":
      return ok(send("POST", `/v1/admin/agents/${parent.agentId}/halt`, admin, { reason: "test" }));
    case "halt the root":
      return ok(send("POST", `/v1/admin/agents/${t.org.agent.id}/halt`, admin, { reason: "test" }));
    case "revoke its delegation":
      return ok(send("DELETE", `/v1/delegations/${target.delegation.id}`, t.org.agent.apiKey));
    case "revoke an ancestor delegation":
      return ok(send("DELETE", `/v1/delegations/${t.child.delegation.id}`, t.org.agent.apiKey));
    case "expire": {
      const wait = Date.parse(target.delegation.expiresAt) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return;
    }
  }
}

interface Before {
  auditEventId: string;
  approvalId: string;
}

/** What the delegate did while its authority stood: an executed action (to report on) and a pending approval (to wait on). */
async function actWhileStanding(send: Send, key: string): Promise<Before> {
  const executed = (await send("POST", "/v1/actions", key, { actionType: "pr.open" })).json() as { status: string; auditEventId: string };
  expect(executed.status).toBe("executed");
  const requested = (await send("POST", "/v1/actions", key, { actionType: "pr.merge" })).json() as { status: string; approvalId: string };
  expect(requested.status).toBe("requested");
  // Every verb has been answered once, so this process holds the key and the agents in its caches.
  expect((await send("GET", "/v1/whoami", key)).status).toBe(200);
  expect((await send("POST", "/v1/actions/check", key, { actionType: "pr.open" })).status).toBe(200);
  return { auditEventId: executed.auditEventId, approvalId: requested.approvalId };
}

const VERBS = ["execute", "canI", "gate wait", "shared gate wait", "report", "delegate", "whoami"] as const;
type Verb = (typeof VERBS)[number];

function callVerb(send: Send, verb: Verb, key: string, before: Before) {
  switch (verb) {
    case "execute":
      return send("POST", "/v1/actions", key, { actionType: "pr.open" });
    case "canI":
      return send("POST", "/v1/actions/check", key, { actionType: "pr.open" });
    case "gate wait":
      return send("GET", `/v1/approvals/${before.approvalId}/wait?timeoutMs=0`, key);
    case "shared gate wait":
      return send("POST", "/v1/approvals/wait", key, { approvalIds: [before.approvalId], timeoutMs: 0 });
    case "report":
      return send("POST", `/v1/actions/${before.auditEventId}/outcome`, key, { status: "success" });
    case "delegate":
      return send("POST", "/v1/delegations", key, { name: "further", capabilities: ["pr.open"], ttlSeconds: 1 });
    case "whoami":
      return send("GET", "/v1/whoami", key);
  }
}

/**
 * A decision (execute, canI) of a delegate under a halted agent is answered and recorded as a denial
 * (AGENT_HALTED, like a halted root agent's); every other call, and every call once the delegation is
 * revoked or expired (its key with it), is refused with the status and code of `refusal`.
 */
function expectRefused(verb: Verb, refusal: Refusal, answered: { status: number; json: () => unknown }, label: string): void {
  if ((verb === "execute" || verb === "canI") && refusal.code === "AGENT_HALTED") {
    expect(answered.status, label).toBe(200);
    expect(answered.json(), label).toMatchObject(verb === "execute" ? { status: "denied", denialReason: "AGENT_HALTED" } : { allowed: false, denialReason: "AGENT_HALTED" });
    return;
  }
  expect(answered.status, `${label}: ${JSON.stringify(answered.json())}`).toBe(refusal.status);
  expect(answered.json(), label).toMatchObject({ error: { code: refusal.code } });
}

const ENDINGS = Object.keys(REFUSAL) as Ending[];
const DEPTHS: Depth[] = ["child", "grandchild"];

describe("every way authority ends × every depth × every delegate verb: refused at the next call", () => {
  for (const ending of ENDINGS) {
    for (const depth of DEPTHS) {
      it(`${ending} → the ${depth}`, async () => {
        const short = ending === "expire" ? { child: 3, grandchild: 2 } : undefined;
        const t = await tree(viaApp, `rvk-${depth}`, short);
        const key = t[depth].apiKey;
        const before = await actWhileStanding(viaApp, key);
        await end(viaApp, t, depth, ending);
        for (const verb of VERBS) expectRefused(verb, REFUSAL[ending], await callVerb(viaApp, verb, key, before), `${ending} / ${depth} / ${verb}`);
      });
    }
  }

  it("revoking a key revokes only the delegations made with it: another key's delegates keep acting", async () => {
    const t = await tree(viaApp, "rvk-other-key");
    const issued = await call(app, "POST", `/v1/admin/agents/${t.org.agent.id}/keys`, { key: t.org.adminKey.apiKey, body: { name: "second" } });
    expect(issued.statusCode, issued.body).toBe(201);
    const second = issued.json<{ apiKey: string }>().apiKey;
    const other = await delegateVia(viaApp, second, "other", 600);
    await end(viaApp, t, "child", "revoke the parent's key");
    expect((await call(app, "POST", "/v1/actions", { key: other.apiKey, body: { actionType: "pr.open" } })).json()).toMatchObject({ status: "executed" });
    expect((await call(app, "GET", `/v1/delegations/${t.grandchild.delegation.id}`, { key: second })).json()).toMatchObject({ revokedAt: expect.any(String) });
  });

  it("resuming a halted parent restores its delegates; a revoke is for good", async () => {
    const t = await tree(viaApp, "rvk-resume");
    await end(viaApp, t, "grandchild", "halt the parent");
    expect((await call(app, "GET", "/v1/whoami", { key: t.grandchild.apiKey })).statusCode).toBe(403);
    const resumed = await call(app, "POST", `/v1/admin/agents/${t.child.delegation.childAgentId}/resume`, { key: t.org.adminKey.apiKey, body: {} });
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect((await call(app, "GET", "/v1/whoami", { key: t.grandchild.apiKey })).statusCode).toBe(200);

    await end(viaApp, t, "grandchild", "revoke its delegation");
    const again = await call(app, "POST", `/v1/admin/agents/${t.grandchild.delegation.childAgentId}/resume`, { key: t.org.adminKey.apiKey, body: {} });
    expect(again.statusCode, again.body).toBe(200);
    expect((await call(app, "GET", "/v1/whoami", { key: t.grandchild.apiKey })).json()).toMatchObject({ error: { code: "DELEGATION_REVOKED" } });
  });
});

describe("two API processes over one database and Redis", () => {
  let p: ApiProcess;
  let q: ApiProcess;
  beforeAll(async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    [p, q] = await Promise.all([spawnApi(env), spawnApi(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([p?.stop(), q?.stop()]);
  });

  // Below both caches' own bounds (the key cache's 2 s, the agent snapshot's 1 s): only the signal can explain a refusal this soon.
  const SOON_MS = 600;

  for (const ending of ["revoke the parent's key", "revoke the root's key", "halt the parent", "halt the root", "revoke an ancestor delegation"] as const) {
    it(`${ending} through one: the grandchild is refused through the other at once, on every verb`, async () => {
      const onP = viaProcess(p);
      const onQ = viaProcess(q);
      const t = await tree(onP, "rvk-two");
      const key = t.grandchild.apiKey;
      const before = await actWhileStanding(onQ, key);
      await end(onP, t, "grandchild", ending);
      const ended = Date.now();
      const refusal = REFUSAL[ending];
      await expect.poll(async () => (await onQ("GET", "/v1/whoami", key)).status, { timeout: SOON_MS, interval: 10 }).toBe(refusal.status);
      expect(Date.now() - ended).toBeLessThan(SOON_MS);
      for (const verb of VERBS) expectRefused(verb, refusal, await callVerb(onQ, verb, key, before), `${ending} / ${verb} on the other process`);
    });
  }
});
