import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, ConflictError, NotFoundError, PermissionDeniedError } from "../src/errors.ts";
import type { AdminKey, Agent, ApiKey, CreatedAgent, IssuedAdminKey, IssuedAgentKey, RevokedKey } from "../src/types.ts";
import { ADMIN_KEY, adminClient, apiError, json, rejection } from "./helpers.ts";

const agent: Agent = {
  id: "agt_1",
  name: "deploy-bot",
  description: null,
  labels: { team: "infra" },
  status: "active",
  haltedAt: null,
  haltedReason: null,
  haltedBy: null,
  cbState: "closed",
  presence: "live",
  lastSeenAt: "2026-11-22T10:05:00.000Z",
  createdAt: "2026-11-22T10:00:00.000Z",
};
const created: CreatedAgent = { id: "agt_1", name: "deploy-bot", description: null, labels: { team: "infra" }, status: "active", apiKey: "gh_agent_secret", keyId: "key_1" };
const apiKey: ApiKey = {
  id: "key_1",
  name: "default",
  prefix: "gh_agent_abcdefgh",
  lastFour: "wxyz",
  createdAt: "2026-11-22T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: null,
  revokedAt: null,
};
const issuedAgentKey: IssuedAgentKey = { id: "key_2", agentId: "agt_1", apiKey: "gh_agent_secret2", prefix: "gh_agent_ijklmnop", expiresAt: "2026-12-22T10:00:00.000Z" };
const adminKey: AdminKey = {
  ...apiKey,
  id: "key_3",
  name: "laptop",
  prefix: "gh_admin_abcdefgh",
  member: { id: "mem_1", name: "Ada", email: "ada@example.test", role: "admin" },
  mine: true,
};
const issuedAdminKey: IssuedAdminKey = { id: "key_4", apiKey: "gh_admin_secret", prefix: "gh_admin_qrstuvwx", expiresAt: null };
const UUID = /^[0-9a-f-]{36}$/;

describe("admin.agents", () => {
  it("list() GETs /v1/admin/agents with the admin key and answers the agents array", async () => {
    const { admin, calls } = adminClient([json(200, { agents: [agent] })]);
    const agents = await admin.agents.list();
    expectTypeOf(agents).toEqualTypeOf<Agent[]>();
    expect(agents).toEqual([agent]);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["GET", "http://localhost:4000/v1/admin/agents", `Bearer ${ADMIN_KEY}`]);
  });

  it("create() POSTs { name, description, labels } with an Idempotency-Key kept across retries", async () => {
    const { admin, calls } = adminClient([apiError(503, "UNAVAILABLE"), json(201, created)]);
    const result = await admin.agents.create({ name: "deploy-bot", description: "ships", labels: { team: "infra" } });
    expectTypeOf(result).toEqualTypeOf<CreatedAgent>();
    expect(result).toEqual(created);
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["POST", "http://localhost:4000/v1/admin/agents", { name: "deploy-bot", description: "ships", labels: { team: "infra" } }],
      ["POST", "http://localhost:4000/v1/admin/agents", { name: "deploy-bot", description: "ships", labels: { team: "infra" } }],
    ]);
    const keys = calls.map((c) => c.headers.get("idempotency-key"));
    expect(keys[0]).toMatch(UUID);
    expect(keys[1]).toBe(keys[0]);
  });

  it("create() sends only the name when that is all, a new Idempotency-Key per call; a taken name is a ConflictError, a bad one a BadRequestError", async () => {
    const { admin, calls } = adminClient([json(201, created), apiError(409, "CONFLICT"), apiError(400, "VALIDATION")]);
    await admin.agents.create({ name: "deploy-bot" });
    expect(calls[0]?.body).toEqual({ name: "deploy-bot" });
    expect(await rejection(admin.agents.create({ name: "deploy-bot" }))).toBeInstanceOf(ConflictError);
    expect(await rejection(admin.agents.create({ name: "no spaces" }))).toBeInstanceOf(BadRequestError);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers.get("idempotency-key"))).size).toBe(3);
  });

  it("halt() and resume() POST { reason } to the agent (the id escaped), {} without one", async () => {
    const { admin, calls } = adminClient([json(200, { ...agent, status: "halted", haltedReason: "runaway" }), json(200, agent), apiError(404, "NOT_FOUND")]);
    const halted = await admin.agents.halt("agt_1", { reason: "runaway" });
    expectTypeOf(halted).toEqualTypeOf<Agent>();
    expect(halted).toMatchObject({ status: "halted", haltedReason: "runaway" });
    expect(await admin.agents.resume("agt_1")).toMatchObject({ status: "active" });
    expect(await rejection(admin.agents.halt("agt/../x", { reason: "x" }))).toBeInstanceOf(NotFoundError);
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["POST", "http://localhost:4000/v1/admin/agents/agt_1/halt", { reason: "runaway" }],
      ["POST", "http://localhost:4000/v1/admin/agents/agt_1/resume", {}],
      ["POST", "http://localhost:4000/v1/admin/agents/agt%2F..%2Fx/halt", { reason: "x" }],
    ]);
  });

  it("keys.list() answers the agent's keys; keys.issue() POSTs { name, expiresInDays } with an Idempotency-Key", async () => {
    const { admin, calls } = adminClient([json(200, { keys: [apiKey] }), json(201, issuedAgentKey), json(201, issuedAgentKey)]);
    const keys = await admin.agents.keys.list("agt_1");
    expectTypeOf(keys).toEqualTypeOf<ApiKey[]>();
    expect(keys).toEqual([apiKey]);
    const issued = await admin.agents.keys.issue("agt_1", { name: "rotation", expiresInDays: 30 });
    expectTypeOf(issued).toEqualTypeOf<IssuedAgentKey>();
    expect(issued).toEqual(issuedAgentKey);
    await admin.agents.keys.issue("agt_1");
    expect(calls.map((c) => [c.init.method, c.url, c.body ?? null])).toEqual([
      ["GET", "http://localhost:4000/v1/admin/agents/agt_1/keys", null],
      ["POST", "http://localhost:4000/v1/admin/agents/agt_1/keys", { name: "rotation", expiresInDays: 30 }],
      ["POST", "http://localhost:4000/v1/admin/agents/agt_1/keys", {}],
    ]);
    expect(calls[1]?.headers.get("idempotency-key")).toMatch(UUID);
    expect(calls[2]?.headers.get("idempotency-key")).not.toBe(calls[1]?.headers.get("idempotency-key"));
  });
});

describe("admin.keys", () => {
  it("list() GETs /v1/admin/keys and answers the keys array", async () => {
    const { admin, calls } = adminClient([json(200, { keys: [adminKey] })]);
    const keys = await admin.keys.list();
    expectTypeOf(keys).toEqualTypeOf<AdminKey[]>();
    expect(keys).toEqual([adminKey]);
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["GET", "http://localhost:4000/v1/admin/keys"]);
  });

  it("issue() POSTs { name, expiresInDays } with an Idempotency-Key kept across retries", async () => {
    const { admin, calls } = adminClient([apiError(502, "UNAVAILABLE"), json(201, issuedAdminKey)]);
    const issued = await admin.keys.issue({ name: "laptop", expiresInDays: 90 });
    expectTypeOf(issued).toEqualTypeOf<IssuedAdminKey>();
    expect(issued).toEqual(issuedAdminKey);
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["POST", "http://localhost:4000/v1/admin/keys", { name: "laptop", expiresInDays: 90 }],
      ["POST", "http://localhost:4000/v1/admin/keys", { name: "laptop", expiresInDays: 90 }],
    ]);
    expect(calls[0]?.headers.get("idempotency-key")).toMatch(UUID);
    expect(calls[1]?.headers.get("idempotency-key")).toBe(calls[0]?.headers.get("idempotency-key"));
  });

  it("issue() without arguments POSTs {}; without keys.manage it is a PermissionDeniedError, not retried", async () => {
    const { admin, calls } = adminClient([json(201, issuedAdminKey), apiError(403, "FORBIDDEN")]);
    await admin.keys.issue();
    expect(calls[0]?.body).toEqual({});
    expect(await rejection(admin.keys.issue({ name: "x" }))).toBeInstanceOf(PermissionDeniedError);
    expect(calls).toHaveLength(2);
  });

  it("revoke() DELETEs the key (the id escaped); an owner's key from an admin is a PermissionDeniedError", async () => {
    const revoked: RevokedKey = { id: "key_3", revokedAt: "2026-11-22T11:00:00.000Z" };
    const { admin, calls } = adminClient([json(200, revoked), apiError(403, "FORBIDDEN")]);
    expect(await admin.keys.revoke("key_3")).toEqual(revoked);
    expect(await rejection(admin.keys.revoke("key 4"))).toBeInstanceOf(PermissionDeniedError);
    expect(calls.map((c) => [c.init.method, c.url, c.init.body])).toEqual([
      ["DELETE", "http://localhost:4000/v1/admin/keys/key_3", undefined],
      ["DELETE", "http://localhost:4000/v1/admin/keys/key%204", undefined],
    ]);
  });
});
