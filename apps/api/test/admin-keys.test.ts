import { routes } from "@gatehouse/contracts";
import { hasPermission } from "@gatehouse/core";
import { db, issueOwnAdminKey } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

// Personal admin keys over the API (GET/POST /v1/admin/keys): the same services as the console's
// Keys page. A key issued this way is its member's, for the role they have: a role change revokes it.

let app: FastifyInstance;
let org: TestOrg;
let admin: TestMember;
let viewer: TestMember;

interface ListedKey {
  id: string;
  name: string;
  member: { id: string; role: string };
  mine: boolean;
}

const listKeys = async (key: string): Promise<ListedKey[]> => {
  const response = await call(app, "GET", "/v1/admin/keys", { key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ keys: ListedKey[] }>().keys;
};

beforeAll(async () => {
  app = await startApp();
  org = await createTestOrg({ label: "admin-keys" });
  admin = await addTestMember(org, "admin");
  viewer = await addTestMember(org, "viewer");
});

afterAll(async () => {
  await stopApp(app);
});

describe("POST /v1/admin/keys", () => {
  it("issues a key of the calling member, shown once, recorded in the audit log with its actor", async () => {
    const response = await call(app, "POST", "/v1/admin/keys", { key: admin.apiKey, body: { name: "laptop", expiresInDays: 7 } });
    expect(response.statusCode, response.body).toBe(201);
    const issued = response.json<{ id: string; apiKey: string; prefix: string; expiresAt: string | null }>();
    expect(issued.apiKey).toMatch(/^gh_admin_/);
    expect(Date.parse(issued.expiresAt ?? "") - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const whoami = await call(app, "GET", "/v1/whoami", { key: issued.apiKey });
    expect(whoami.json()).toMatchObject({ member: { id: admin.membershipId, role: "admin" }, key: { id: issued.id, kind: "admin" } });

    const row = await db().apiKey.findUniqueOrThrow({ where: { id: issued.id }, omit: { keyHash: false } });
    expect([row.kind, row.membershipId, row.name, row.keyHash.includes(issued.apiKey)]).toEqual(["admin", admin.membershipId, "laptop", false]);
    const entry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "key.issued", subjectId: issued.id } });
    const canonical = JSON.parse(entry.canonical) as { actor: { type: string; memberId?: string }; data: Record<string, unknown> };
    expect(canonical.actor).toMatchObject({ type: "adminKey", memberId: admin.membershipId });
    expect(canonical.data).toMatchObject({ kind: "admin", membershipId: admin.membershipId, name: "laptop" });
    expect(entry.canonical).not.toContain(issued.apiKey);
  });

  it("without a body: named 'admin', no expiry", async () => {
    const response = await call(app, "POST", "/v1/admin/keys", { key: admin.apiKey });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ expiresAt: null });
    expect((await db().apiKey.findUniqueOrThrow({ where: { id: response.json<{ id: string }>().id } })).name).toBe("admin");
  });

  it.each([
    [{ name: "" }, "name"],
    [{ name: "x".repeat(101) }, "name"],
    [{ expiresInDays: 0 }, "expiresInDays"],
    [{ expiresInDays: 1.5 }, "expiresInDays"],
    [{ membershipId: "mem_x" }, "membershipId"],
  ])("bad input %j → 400 naming the field, nothing written", async (body, field) => {
    const before = await writesOf(org.org.id);
    const response = await call(app, "POST", "/v1/admin/keys", { key: admin.apiKey, body });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe("VALIDATION");
    expect(JSON.stringify(response.json())).toContain(field);
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("a viewer (no keys.manage) → 403 and an agent's key → 403, nothing written", async () => {
    const before = await writesOf(org.org.id);
    for (const key of [viewer.apiKey, org.agent.apiKey]) {
      const response = await call(app, "POST", "/v1/admin/keys", { key, body: { name: "nope" } });
      expect(response.statusCode, response.body).toBe(403);
    }
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("the key was issued for the member's role: a role change revokes it at once (401), nothing written by it after", async () => {
    const member = await addTestMember(org, "admin", "demoted");
    const issued = (await call(app, "POST", "/v1/admin/keys", { key: member.apiKey, body: { name: "ci" } })).json<{ apiKey: string }>();
    expect((await call(app, "POST", "/v1/admin/agents", { key: issued.apiKey, body: { name: `by-key-${Date.now()}` } })).statusCode).toBe(201);

    const demote = await call(app, "PATCH", `/v1/admin/members/${member.membershipId}`, { key: org.adminKey.apiKey, body: { role: "viewer" } });
    expect(demote.statusCode, demote.body).toBe(200);
    const before = await writesOf(org.org.id);
    const refused = await call(app, "POST", "/v1/admin/agents", { key: issued.apiKey, body: { name: `by-key-${Date.now()}` } });
    expect(refused.statusCode, refused.body).toBe(401);
    expect((await call(app, "GET", "/v1/admin/keys", { key: issued.apiKey })).statusCode).toBe(401);
    expect((await call(app, "POST", "/v1/admin/keys", { key: issued.apiKey, body: { name: "again" } })).statusCode).toBe(401);
    expect(await writesOf(org.org.id)).toEqual(before);
    expect((await call(app, "GET", "/v1/whoami", { key: issued.apiKey })).statusCode).toBe(401);
  });
});

describe("GET /v1/admin/keys", () => {
  it("an owner lists every member's admin keys; an admin their own and those of roles below theirs, never an owner's", async () => {
    const own = await createTestOrg({ label: "keys-list" });
    const ownAdmin = await addTestMember(own, "admin");
    const ownViewer = await addTestMember(own, "viewer");
    const issued = (await call(app, "POST", "/v1/admin/keys", { key: ownAdmin.apiKey, body: { name: "admin laptop" } })).json<{ id: string }>();

    const byOwner = await listKeys(own.adminKey.apiKey);
    expect(byOwner.map((k) => k.member.id).sort()).toEqual([own.owner.membershipId, ownAdmin.membershipId, ownAdmin.membershipId, ownViewer.membershipId].sort());
    expect(byOwner.filter((k) => k.mine).map((k) => k.member.id)).toEqual([own.owner.membershipId]);

    const byAdmin = await listKeys(ownAdmin.apiKey);
    expect(byAdmin.some((k) => k.member.id === own.owner.membershipId)).toBe(false);
    expect(byAdmin.filter((k) => k.mine).map((k) => k.id)).toContain(issued.id);
    expect(byAdmin.filter((k) => k.mine).every((k) => k.member.id === ownAdmin.membershipId)).toBe(true);
    expect(byAdmin[0]).toMatchObject({ id: issued.id, name: "admin laptop", mine: true });
    expect(JSON.stringify(byAdmin)).not.toMatch(/gh_admin_[A-Za-z0-9]{20}/);
  });

  it("an admin of an org with only an owner besides them lists only their own keys", async () => {
    const own = await createTestOrg({ label: "keys-only" });
    const ownAdmin = await addTestMember(own, "admin");
    const keys = await listKeys(ownAdmin.apiKey);
    expect(keys.map((k) => [k.member.id, k.mine])).toEqual([[ownAdmin.membershipId, true]]);
  });

  it("a revoked key is listed as revoked; another org's keys are never listed", async () => {
    const other = await createTestOrg({ label: "keys-other" });
    const issued = (await call(app, "POST", "/v1/admin/keys", { key: org.adminKey.apiKey, body: { name: "to revoke" } })).json<{ id: string }>();
    expect((await call(app, "DELETE", `/v1/admin/keys/${issued.id}`, { key: org.adminKey.apiKey })).statusCode).toBe(200);
    const keys = await listKeys(org.adminKey.apiKey);
    expect(keys.find((k) => k.id === issued.id)).toMatchObject({ revokedAt: expect.any(String) });
    expect(keys.some((k) => k.id === other.adminKey.id)).toBe(false);
  });
});

describe("Idempotency-Key on the calls that answer a secret once", () => {
  const entries = async (orgId: string, subjectId: string) =>
    (await db().auditEntry.findMany({ where: { orgId, subjectId }, orderBy: { seq: "asc" }, select: { type: true } })).map((e) => e.type);

  it("POST /v1/admin/keys: a retry gets a fresh secret for the same key; the first secret stops working", async () => {
    const headers = { "idempotency-key": `retry-${Date.now()}` };
    const first = await call(app, "POST", "/v1/admin/keys", { key: admin.apiKey, body: { name: "retried" }, headers });
    const second = await call(app, "POST", "/v1/admin/keys", { key: admin.apiKey, body: { name: "retried" }, headers });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const [a, b] = [first.json<{ id: string; apiKey: string }>(), second.json<{ id: string; apiKey: string }>()];
    expect(b.id).toBe(a.id);
    expect(b.apiKey).not.toBe(a.apiKey);
    expect((await call(app, "GET", "/v1/whoami", { key: a.apiKey })).statusCode).toBe(401);
    expect((await call(app, "GET", "/v1/whoami", { key: b.apiKey })).statusCode).toBe(200);
    expect(await entries(org.org.id, a.id)).toEqual(["key.issued", "key.reissued"]);
    expect(await db().apiKey.count({ where: { orgId: org.org.id, name: "retried" } })).toBe(1);

    const other = await call(app, "POST", "/v1/admin/keys", { key: admin.apiKey, body: { name: "something else" }, headers });
    expect(other.statusCode, other.body).toBe(409);
  });

  it("POST /v1/admin/agents/:id/keys and POST /v1/admin/agents: a retry answers the same key, the same agent", async () => {
    const headers = { "idempotency-key": `agent-${Date.now()}` };
    const name = `idem-${Date.now()}`;
    const created = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name }, headers });
    const again = await call(app, "POST", "/v1/admin/agents", { key: org.adminKey.apiKey, body: { name }, headers });
    expect([created.statusCode, again.statusCode]).toEqual([201, 201]);
    const [c1, c2] = [created.json<{ id: string; keyId: string; apiKey: string }>(), again.json<{ id: string; keyId: string; apiKey: string }>()];
    expect([c2.id, c2.keyId]).toEqual([c1.id, c1.keyId]);
    expect((await call(app, "GET", "/v1/whoami", { key: c1.apiKey })).statusCode).toBe(401);
    expect((await call(app, "GET", "/v1/whoami", { key: c2.apiKey })).json()).toMatchObject({ agent: { id: c1.id } });

    const keyHeaders = { "idempotency-key": `agent-key-${Date.now()}` };
    const k1 = await call(app, "POST", `/v1/admin/agents/${c1.id}/keys`, { key: org.adminKey.apiKey, body: { name: "rotation" }, headers: keyHeaders });
    const k2 = await call(app, "POST", `/v1/admin/agents/${c1.id}/keys`, { key: org.adminKey.apiKey, body: { name: "rotation" }, headers: keyHeaders });
    expect([k1.statusCode, k2.statusCode]).toEqual([201, 201]);
    expect(k2.json<{ id: string }>().id).toBe(k1.json<{ id: string }>().id);
    expect(await db().apiKey.count({ where: { agentId: c1.id } })).toBe(2);

    // Revoked since: the retry is refused, nothing issued.
    await call(app, "DELETE", `/v1/admin/keys/${k1.json<{ id: string }>().id}`, { key: org.adminKey.apiKey });
    const k3 = await call(app, "POST", `/v1/admin/agents/${c1.id}/keys`, { key: org.adminKey.apiKey, body: { name: "rotation" }, headers: keyHeaders });
    expect(k3.statusCode, k3.body).toBe(409);
    expect(await db().apiKey.count({ where: { agentId: c1.id } })).toBe(2);
  });
});

// Approvers and auditors hold admin keys of their own (keys.own): the key reaches what their role may
// and never more, from the one catalogue; it ends with a role change or a removal.
describe("keys of approvers and auditors (keys.own)", () => {
  const selfIssued = async (member: TestMember): Promise<{ id: string; apiKey: string }> => {
    // As from the console's Keys page: the member, signed in, issues their own key.
    const ctx = { org: org.org, actor: { type: "user" as const, userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "own-key" };
    return issueOwnAdminKey({ ctx, input: { body: { name: `${member.role}'s own` } } });
  };
  const pathOf = (route: string) => route.replace(/:(\w+)/g, (_m, name: string) => `${name}_unknown`);
  const guarded = routes.filter((r) => (r.auth === "admin" || r.auth === "key") && "permission" in r);

  describe.each(["approver", "auditor"] as const)("%s", (role) => {
    let member: TestMember;
    let key: { id: string; apiKey: string };
    beforeAll(async () => {
      member = await addTestMember(org, role, `own-${role}`);
      key = await selfIssued(member);
    });

    it("issues a key for themselves over the API too, and lists their own keys only", async () => {
      const issued = await call(app, "POST", "/v1/admin/keys", { key: key.apiKey, body: { name: "cli" } });
      expect(issued.statusCode, issued.body).toBe(201);
      const listed = await listKeys(key.apiKey);
      expect(listed.length).toBeGreaterThanOrEqual(3);
      expect(listed.every((k) => k.mine && k.member.id === member.membershipId)).toBe(true);
    });

    it("every route whose catalogue permission the role lacks: 403, nothing written", async () => {
      const denied = guarded.filter((r) => !hasPermission(role, r.permission));
      expect(denied.length).toBeGreaterThan(10);
      const before = await writesOf(org.org.id);
      for (const route of denied) {
        const response = await call(app, route.method, pathOf(route.path), { key: key.apiKey, ...(route.method === "GET" || route.method === "DELETE" ? {} : { body: {} }) });
        expect(response.statusCode, `${route.method} ${route.path}: ${response.body}`).toBe(403);
      }
      expect(await writesOf(org.org.id)).toEqual(before);
    });

    it("what the role may do, the key does", async () => {
      if (role === "approver") {
        expect((await call(app, "GET", "/v1/admin/approvals?status=all", { key: key.apiKey })).statusCode).toBe(200);
      } else {
        expect((await call(app, "GET", "/v1/audit/export", { key: key.apiKey })).statusCode).toBe(200);
        expect((await call(app, "POST", "/v1/audit/verify", { key: key.apiKey })).statusCode).toBe(200);
        expect((await call(app, "GET", "/v1/admin/approvals", { key: key.apiKey })).statusCode).toBe(403);
      }
    });

    it.each([
      ["the owner's admin key", () => org.adminKey.id],
      [
        "another member's admin key of the same role",
        async () => {
          const other = await addTestMember(org, role, `other-${role}`);
          return (await db().apiKey.findFirstOrThrow({ where: { membershipId: other.membershipId } })).id;
        },
      ],
      ["an agent's key", () => org.agent.keyId],
    ])("revoking %s: 403, the key still works", async (_name, target) => {
      const keyId = await target();
      const response = await call(app, "DELETE", `/v1/admin/keys/${keyId}`, { key: key.apiKey });
      expect(response.statusCode, response.body).toBe(403);
      expect(await db().apiKey.findUniqueOrThrow({ where: { id: keyId }, select: { revokedAt: true } })).toEqual({ revokedAt: null });
    });

    it("revokes their own key: it stops at once", async () => {
      const spare = await selfIssued(member);
      expect((await call(app, "DELETE", `/v1/admin/keys/${spare.id}`, { key: key.apiKey })).statusCode).toBe(200);
      expect((await call(app, "GET", "/v1/whoami", { key: spare.apiKey })).statusCode).toBe(401);
    });
  });

  it.each([
    ["an admin's key, the admin lowered to approver", "approver"],
    ["an admin's key, the admin lowered to auditor", "auditor"],
    ["an approver's key, the approver removed", null],
    ["an auditor's key, the auditor removed", null],
  ] as const)("%s: 401 at its next call, nothing written by it", async (name, lowerTo) => {
    const from = name.startsWith("an admin") ? "admin" : name.startsWith("an approver") ? "approver" : "auditor";
    const holder = await addTestMember(org, from, `ends-${from}`);
    const own = await selfIssued(holder);
    expect((await call(app, "GET", "/v1/whoami", { key: own.apiKey })).statusCode).toBe(200);
    const change = lowerTo
      ? await call(app, "PATCH", `/v1/admin/members/${holder.membershipId}`, { key: org.adminKey.apiKey, body: { role: lowerTo } })
      : await call(app, "DELETE", `/v1/admin/members/${holder.membershipId}`, { key: org.adminKey.apiKey });
    expect(change.statusCode, change.body).toBe(200);
    const before = await writesOf(org.org.id);
    for (const [method, path] of [
      ["GET", "/v1/whoami"],
      ["GET", "/v1/admin/approvals"],
      ["GET", "/v1/audit/export"],
      ["POST", "/v1/admin/keys"],
    ] as const) {
      expect((await call(app, method, path, { key: own.apiKey, ...(method === "POST" ? { body: {} } : {}) })).statusCode, `${method} ${path}`).toBe(401);
    }
    expect(await writesOf(org.org.id)).toEqual(before);
  });

  it("a viewer holds no keys.own: issuing one from the console is 403", async () => {
    const ctx = { org: org.org, actor: { type: "user" as const, userId: viewer.userId, membershipId: viewer.membershipId, role: viewer.role }, requestId: "own-key" };
    await expect(issueOwnAdminKey({ ctx, input: { body: {} } })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
