import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { db } from "@gatehouse/db";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp } from "./helpers";

/**
 * A retry with an Idempotency-Key answers a fresh secret for what the first call issued (a key is shown
 * once): only to the caller that made the first call, and only after every check that call ran.
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

const idem = (value: string) => ({ "idempotency-key": value });

async function delegate(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Created> {
  const response = await call(app, "POST", "/v1/delegations", { key, body, headers });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Created>();
}

/** The answer carries no secret, and is the refusal expected. */
function expectRefused(response: LightMyRequestResponse, expected: { status: number; code: string }, label: string): void {
  expect(response.statusCode, `${label}: ${response.body}`).toBe(expected.status);
  expect(response.json(), label).toMatchObject({ error: { code: expected.code } });
  expect(response.body, label).not.toMatch(/gh_agent_|gh_admin_/);
}

const works = async (key: string) => (await call(app, "GET", "/v1/whoami", { key })).statusCode === 200;

describe("a delegation's retry runs every check its first call ran: refused like a first call", () => {
  interface Setup {
    org: TestOrg;
    /** The caller: a delegate of the root, delegating in turn. */
    caller: Created;
    /** What the caller's first call made, with the Idempotency-Key below. */
    first: Created;
    body: Record<string, unknown>;
  }
  const KEY = "dlg-first-call-0001";

  async function setup(label: string, callerTtl = 600): Promise<Setup> {
    const org = await createTestOrg({ label, policies: ALLOW_ALL_PR });
    const caller = await delegate(org.agent.apiKey, { name: "caller", capabilities: ["pr.*"], ttlSeconds: callerTtl });
    const body = { name: "made", capabilities: ["pr.open"], ttlSeconds: Math.min(300, callerTtl - 1) };
    const first = await delegate(caller.apiKey, body, idem(KEY));
    return { org, caller, first, body };
  }

  const admin = (s: Setup, method: "POST" | "DELETE", path: string, body?: unknown) =>
    call(app, method, path, { key: s.org.adminKey.apiKey, ...(body === undefined ? {} : { body }) }).then((r) => expect(r.statusCode, r.body).toBe(200));

  const CHECKS: Array<{
    check: string;
    ttl?: number;
    arrange: (s: Setup) => Promise<void>;
    retryBody?: (s: Setup) => Record<string, unknown>;
    refusal: { status: number; code: string };
  }> = [
    {
      check: "the caller is halted",
      arrange: (s) => admin(s, "POST", `/v1/admin/agents/${s.caller.delegation.childAgentId}/halt`, {}),
      refusal: { status: 403, code: "AGENT_HALTED" },
    },
    { check: "the root above it is halted", arrange: (s) => admin(s, "POST", `/v1/admin/agents/${s.org.agent.id}/halt`, {}), refusal: { status: 403, code: "AGENT_HALTED" } },
    {
      check: "the caller's delegation is revoked",
      arrange: (s) => admin(s, "DELETE", `/v1/delegations/${s.caller.delegation.id}`),
      refusal: { status: 401, code: "DELEGATION_REVOKED" },
    },
    {
      check: "the caller's delegation has expired",
      ttl: 3,
      arrange: async (s) => {
        const wait = Date.parse(s.caller.delegation.expiresAt) - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      },
      refusal: { status: 401, code: "DELEGATION_EXPIRED" },
    },
    {
      check: "a capability outside the caller's",
      arrange: async () => {},
      retryBody: (s) => ({ ...s.body, capabilities: ["deploy.*"] }),
      refusal: { status: 403, code: "DELEGATION_SCOPE" },
    },
  ];

  for (const { check, ttl, arrange, retryBody, refusal } of CHECKS) {
    it(check, async () => {
      const s = await setup("reissue-dlg", ttl);
      const secretOf = async () => (await db().apiKey.findFirstOrThrow({ where: { agentId: s.first.delegation.childAgentId }, omit: { keyHash: false } })).keyHash;
      const before = await secretOf();
      await arrange(s);
      const body = retryBody ? retryBody(s) : s.body;
      const firstCall = await call(app, "POST", "/v1/delegations", { key: s.caller.apiKey, body, headers: idem("dlg-another-call-0002") });
      expectRefused(firstCall, refusal, `${check}: a first call`);
      const retry = await call(app, "POST", "/v1/delegations", { key: s.caller.apiKey, body, headers: idem(KEY) });
      expectRefused(retry, refusal, `${check}: the retry`);
      // Nothing was reissued: the delegate's secret is the first one still.
      expect(await secretOf()).toBe(before);
      expect(await db().auditEntry.count({ where: { orgId: s.org.org.id, type: "key.reissued" } })).toBe(0);
    });
  }

  it("the delegate the first call made was halted since: no fresh secret for it (403 AGENT_HALTED)", async () => {
    const s = await setup("reissue-dlg-halted");
    await admin(s, "POST", `/v1/admin/agents/${s.first.delegation.childAgentId}/halt`, {});
    expectRefused(await call(app, "POST", "/v1/delegations", { key: s.caller.apiKey, body: s.body, headers: idem(KEY) }), { status: 403, code: "AGENT_HALTED" }, "retry");
  });

  it("the delegation the first call made was revoked since, or has expired: 409, no secret", async () => {
    const s = await setup("reissue-dlg-gone");
    await call(app, "DELETE", `/v1/delegations/${s.first.delegation.id}`, { key: s.caller.apiKey });
    expectRefused(await call(app, "POST", "/v1/delegations", { key: s.caller.apiKey, body: s.body, headers: idem(KEY) }), { status: 409, code: "CONFLICT" }, "revoked");
    const t = await setup("reissue-dlg-expired");
    const short = { ...t.body, name: "short", ttlSeconds: 1 };
    const made = await delegate(t.caller.apiKey, short, idem("dlg-short-0003"));
    await new Promise((r) => setTimeout(r, Date.parse(made.delegation.expiresAt) - Date.now() + 10));
    expectRefused(await call(app, "POST", "/v1/delegations", { key: t.caller.apiKey, body: short, headers: idem("dlg-short-0003") }), { status: 409, code: "CONFLICT" }, "expired");
  });

  it("the same caller, nothing changed: the same delegation, a fresh secret; the first secret stops", async () => {
    const s = await setup("reissue-dlg-ok");
    const again = await delegate(s.caller.apiKey, s.body, idem(KEY));
    expect(again.delegation.id).toBe(s.first.delegation.id);
    expect(await works(again.apiKey)).toBe(true);
    expect(await works(s.first.apiKey)).toBe(false);
  });
});

describe("an Idempotency-Key sent by anyone but the first caller answers nobody else's secret", () => {
  it("the parent replaying its delegate's key (read from the log or not) gets a delegation of its own; the delegate's delegate keeps its key", async () => {
    const org = await createTestOrg({ label: "reissue-parent", policies: ALLOW_ALL_PR });
    const child = await delegate(org.agent.apiKey, { name: "child", capabilities: ["pr.*"], ttlSeconds: 600 });
    const body = { name: "grandchild", capabilities: ["pr.open"], ttlSeconds: 300 };
    const grandchild = await delegate(child.apiKey, body, idem("child-made-this-0001"));
    // The log keeps no idempotency key to read back.
    const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "delegation.created", subjectId: grandchild.delegation.id } });
    expect(entry.canonical).not.toContain("child-made-this-0001");

    const replayed = await delegate(org.agent.apiKey, body, idem("child-made-this-0001"));
    expect(replayed.delegation.id).not.toBe(grandchild.delegation.id);
    expect(replayed.delegation.childAgentId).not.toBe(grandchild.delegation.childAgentId);
    expect(await works(grandchild.apiKey)).toBe(true);
  });

  it("another key of the same agent replaying the agent's own key gets a delegation of its own", async () => {
    const org = await createTestOrg({ label: "reissue-other-key", policies: ALLOW_ALL_PR });
    const issued = await call(app, "POST", `/v1/admin/agents/${org.agent.id}/keys`, { key: org.adminKey.apiKey, body: { name: "second" } });
    const second = issued.json<{ apiKey: string }>().apiKey;
    const body = { name: "made", capabilities: ["pr.open"], ttlSeconds: 300 };
    const first = await delegate(org.agent.apiKey, body, idem("root-made-this-0001"));
    const replayed = await delegate(second, body, idem("root-made-this-0001"));
    expect(replayed.delegation.id).not.toBe(first.delegation.id);
    expect(await works(first.apiKey)).toBe(true);
  });

  it("another admin key replaying an agent's creation gets no key of that agent (409: the name is taken)", async () => {
    const org = await createTestOrg({ label: "reissue-agent", policies: ALLOW_ALL_PR });
    const created = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "deployer" }, headers: idem("agent-made-0001") });
    expect(created.statusCode, created.body).toBe(201);
    const other = await call(app, "POST", "/v1/admin/keys", { key: org.adminKey.apiKey, body: { name: "second" } });
    expect(other.statusCode, other.body).toBe(201);
    const replay = await call(app, "POST", "/v1/admin/agents", { key: other.json<{ apiKey: string }>().apiKey, body: { name: "deployer" }, headers: idem("agent-made-0001") });
    expectRefused(replay, { status: 409, code: "CONFLICT" }, "replay");
    expect(await works(created.json<{ apiKey: string }>().apiKey)).toBe(true);
    // The first caller's retry still answers it.
    const retry = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "deployer" }, headers: idem("agent-made-0001") });
    expect(retry.json()).toMatchObject({ id: created.json<{ id: string }>().id });
  });

  it("another admin key replaying a key's issue gets a key of its own, never the first one", async () => {
    const org = await createTestOrg({ label: "reissue-key", policies: ALLOW_ALL_PR });
    const path = `/v1/admin/agents/${org.agent.id}/keys`;
    const first = await call(app, "POST", path, { key: org.adminKey.apiKey, body: { name: "rotation" }, headers: idem("key-made-0001") });
    expect(first.statusCode, first.body).toBe(201);
    const other = (await call(app, "POST", "/v1/admin/keys", { key: org.adminKey.apiKey, body: { name: "second" } })).json<{ apiKey: string }>().apiKey;
    const replay = await call(app, "POST", path, { key: other, body: { name: "rotation" }, headers: idem("key-made-0001") });
    expect(replay.statusCode, replay.body).toBe(201);
    expect(replay.json<{ id: string }>().id).not.toBe(first.json<{ id: string }>().id);
    expect(await works(first.json<{ apiKey: string }>().apiKey)).toBe(true);
  });
});

describe("an agent's key retry runs the first call's checks", () => {
  it("a halted agent's key is not reissued (403 AGENT_HALTED); a delegate gets no key from the admin routes at all (403)", async () => {
    const org = await createTestOrg({ label: "reissue-halted", policies: ALLOW_ALL_PR });
    const path = `/v1/admin/agents/${org.agent.id}/keys`;
    const first = await call(app, "POST", path, { key: org.adminKey.apiKey, body: { name: "rotation" }, headers: idem("key-halted-0001") });
    expect(first.statusCode, first.body).toBe(201);
    expect((await call(app, "POST", `/v1/admin/agents/${org.agent.id}/halt`, { key: org.adminKey.apiKey, body: {} })).statusCode).toBe(200);
    expectRefused(
      await call(app, "POST", path, { key: org.adminKey.apiKey, body: { name: "rotation" }, headers: idem("key-halted-0001") }),
      { status: 403, code: "AGENT_HALTED" },
      "retry",
    );
    const created = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "halted-soon" }, headers: idem("agent-halted-0001") });
    const agentId = created.json<{ id: string }>().id;
    expect((await call(app, "POST", `/v1/admin/agents/${agentId}/halt`, { key: org.adminKey.apiKey, body: {} })).statusCode).toBe(200);
    const retry = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "halted-soon" }, headers: idem("agent-halted-0001") });
    expectRefused(retry, { status: 403, code: "AGENT_HALTED" }, "agent retry");

    const other = await createTestOrg({ label: "reissue-delegate", policies: ALLOW_ALL_PR });
    const child = await delegate(other.agent.apiKey, { name: "child", capabilities: ["pr.*"], ttlSeconds: 60 });
    for (const headers of [{}, idem("delegate-key-0001")]) {
      const response = await call(app, "POST", `/v1/admin/agents/${child.delegation.childAgentId}/keys`, { key: other.adminKey.apiKey, body: { name: "forever" }, headers });
      expectRefused(response, { status: 403, code: "FORBIDDEN" }, "a delegate's extra key");
    }
  });
});
