import { newId } from "@gatehouse/core";
import { db, issueAdminKey } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp, writesOf } from "./helpers";

let app: FastifyInstance;
let org: TestOrg;
let other: TestOrg;
let viewerKey: string;

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "admin" });
  other = await createTestOrg({ label: "other" });
  const user = await db().user.create({ data: { id: newId("user"), email: `viewer-${org.org.slug}@example.test`, name: "Viewer" } });
  const membership = await db().membership.create({ data: { id: newId("membership"), orgId: org.org.id, userId: user.id, role: "viewer" } });
  viewerKey = (await issueAdminKey({ ctx: org.ctx, input: { membershipId: membership.id } })).apiKey;
});
afterAll(async () => {
  await stopApp(app);
});

describe("admin routes: who may call", () => {
  const routes = [
    { method: "GET" as const, url: "/v1/admin/policies" },
    { method: "PUT" as const, url: "/v1/admin/policies", body: { policies: [] } },
    { method: "POST" as const, url: "/v1/admin/agents", body: { name: "x" } },
  ];
  it.each(routes)("$method $url without a key → 401", async ({ method, url, body }) => {
    expect((await call(app, method, url, { body })).statusCode).toBe(401);
  });
  it.each(routes)("$method $url with an agent key → 403", async ({ method, url, body }) => {
    expect((await call(app, method, url, { key: org.agent.apiKey, body })).statusCode).toBe(403);
  });
  it.each(routes.filter((r) => r.method !== "GET"))("$method $url as a viewer → 403, nothing written", async ({ method, url, body }) => {
    const before = await writesOf(org.org.id);
    const response = await call(app, method, url, { key: viewerKey, body });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe("FORBIDDEN");
    expect(await writesOf(org.org.id)).toEqual(before);
  });
  it("revoking another org's key → 404, and the key keeps working", async () => {
    const response = await call(app, "DELETE", `/v1/admin/keys/${other.agent.keyId}`, { key: org.adminKey.apiKey });
    expect(response.statusCode).toBe(404);
    expect((await call(app, "GET", "/v1/whoami", { key: other.agent.apiKey })).statusCode).toBe(200);
  });
  it("revoking one's own org's key → 200, and the key stops working", async () => {
    const own = await createTestOrg({ label: "rev" });
    const response = await call(app, "DELETE", `/v1/admin/keys/${own.agent.keyId}`, { key: own.adminKey.apiKey });
    expect(response.statusCode).toBe(200);
    expect((await call(app, "GET", "/v1/whoami", { key: own.agent.apiKey })).statusCode).toBe(401);
  });
});

describe("PUT /v1/admin/policies applies a declarative set", () => {
  it("dry run returns the diff and writes nothing", async () => {
    const own = await createTestOrg({ label: "dry" });
    const before = await writesOf(own.org.id);
    const response = await call(app, "PUT", "/v1/admin/policies?dryRun=true", { key: own.adminKey.apiKey, body: { policies: ALLOW_ALL_PR } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ dryRun: true, created: ALLOW_ALL_PR.map((p) => ({ name: p.name, version: 1 })), updated: [], archived: [] });
    expect(await writesOf(own.org.id)).toEqual(before);
    expect(await db().policy.count({ where: { orgId: own.org.id } })).toBe(0);
  });

  it("creates, keeps, versions and archives, with an audit entry per change", async () => {
    const own = await createTestOrg({ label: "apply" });
    const put = (policies: unknown[]) => call(app, "PUT", "/v1/admin/policies", { key: own.adminKey.apiKey, body: { policies } });
    const first = (await put(ALLOW_ALL_PR)).json();
    expect(first.created.map((c: { name: string }) => c.name)).toEqual(["allow-pr", "review-merges", "no-deletes"]);

    const same = (await put(ALLOW_ALL_PR)).json();
    expect(same).toMatchObject({ created: [], updated: [], archived: [] });
    expect(same.unchanged).toHaveLength(3);

    const before = await writesOf(own.org.id);
    const changed = [{ ...ALLOW_ALL_PR[0], actions: ["pr.open"] }, ALLOW_ALL_PR[1]];
    const second = (await put(changed)).json();
    expect(second.updated).toEqual([expect.objectContaining({ name: "allow-pr", version: 2, previousVersion: 1 })]);
    expect(second.archived).toEqual([{ name: "no-deletes", version: 1 }]);
    expect((await writesOf(own.org.id)).auditSize).toBe(before.auditSize + 2);

    const listed = (await call(app, "GET", "/v1/admin/policies", { key: own.adminKey.apiKey })).json();
    expect(listed.policies.map((p: { name: string; version: number }) => [p.name, p.version])).toEqual([
      ["allow-pr", 2],
      ["review-merges", 1],
    ]);
    // The new version decides at once: pr.comment no longer matches allow-pr.
    const decision = (await call(app, "POST", "/v1/actions", { key: own.agent.apiKey, body: { actionType: "pr.comment" } })).json();
    expect(decision).toMatchObject({ status: "denied", denialReason: "NO_POLICY" });
  });

  it.each([
    { name: "bad action pattern", policies: [ALLOW_ALL_PR[0], { name: "b", actions: ["Not Valid"], effect: "allow" }], path: "policies[1].actions[0]" },
    { name: "unknown effect", policies: [{ name: "a", actions: ["x"], effect: "maybe" }], path: "policies[0].effect" },
    { name: "duplicate names", policies: [ALLOW_ALL_PR[0], ALLOW_ALL_PR[0]], path: "policies[1].name" },
    { name: "quorum out of range", policies: [{ name: "a", actions: ["x"], effect: "require_approval", approval: { quorum: 0 } }], path: "policies[0].approval.quorum" },
    { name: "missing policies", body: {}, path: "policies" },
  ])("$name → 400 naming $path, nothing written", async ({ policies, body, path }) => {
    const before = await writesOf(org.org.id);
    const response = await call(app, "PUT", "/v1/admin/policies", { key: org.adminKey.apiKey, body: body ?? { policies } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});

describe("POST /v1/admin/agents", () => {
  it("creates an agent whose key works at once, shown once", async () => {
    const response = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "ci-bot", labels: { env: "ci" } } });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({ id: expect.stringMatching(/^agt_/), name: "ci-bot", labels: { env: "ci" }, apiKey: expect.stringMatching(/^gh_agent_/) });
    const me = (await call(app, "GET", "/v1/whoami", { key: created.apiKey })).json();
    expect(me.agent.id).toBe(created.id);
    const stored = await db().apiKey.findFirstOrThrow({ where: { agentId: created.id } });
    expect(JSON.stringify(stored)).not.toContain(created.apiKey);
  });

  it("a duplicate name → 409", async () => {
    await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "dup" } });
    const response = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "dup" } });
    expect(response.statusCode).toBe(409);
  });

  it("a bad name → 400 naming the field", async () => {
    const response = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name: "no spaces allowed" } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details.issues[0].path).toBe("name");
  });

  it("permission comes first: a viewer's key gets 403 even for a malformed body, and nothing is written", async () => {
    const viewer = await addTestMember(org, "viewer");
    const before = await writesOf(org.org.id);
    const response = await call(app, "POST", "/v1/admin/agents", { key: viewer.apiKey, body: { name: "no spaces allowed", extra: true } });
    expect([response.statusCode, response.json().error.code]).toEqual([403, "FORBIDDEN"]);
    expect(response.json().error.message).toMatch(/agents\.manage/);
    expect(await writesOf(org.org.id)).toEqual(before);
  });
});

describe("errors never leak internals", () => {
  it("an unknown route → 404 envelope with a request id", async () => {
    const response = await call(app, "GET", "/v1/nope");
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: "NOT_FOUND", requestId: response.headers["x-request-id"] });
  });
});
