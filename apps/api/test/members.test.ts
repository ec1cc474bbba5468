import { KEY_CACHE_TTL_MS, acceptInvitation, db, verifyAuditLog } from "@gatehouse/db";
import { addTestMember, createTestOrg, invitationTokenFromOutbox, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const code = (response: { json: () => { error?: { code: string; message: string } } }) => response.json().error?.code;

describe("the org", () => {
  it("any member reads it; the owner renames it and changes its slug; bad input is a 400 naming the field, a taken slug a 409", async () => {
    const org = await createTestOrg({ label: "apiorg" });
    const other = await createTestOrg({ label: "apiorg2" });
    const viewer = await addTestMember(org, "viewer");
    const admin = await addTestMember(org, "admin");
    const read = await call(app, "GET", "/v1/admin/org", { key: viewer.apiKey });
    expect(read.json()).toMatchObject({ id: org.org.id, slug: org.org.slug, name: org.org.name, memberCount: 3 });
    expect((await call(app, "PATCH", "/v1/admin/org", { key: admin.apiKey, body: { name: "Nope" } })).statusCode).toBe(403);
    const slug = `${org.org.slug}-x`;
    const renamed = await call(app, "PATCH", "/v1/admin/org", { key: org.adminKey.apiKey, body: { name: "Acme Renamed", slug } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: "Acme Renamed", slug });
    for (const [body, field] of [
      [{ name: "n".repeat(201) }, "name"],
      [{ slug: "UPPER" }, "slug"],
      [{ slug: "a" }, "slug"],
      [{ name: "ok", extra: 1 }, ""],
    ] as const) {
      const bad = await call(app, "PATCH", "/v1/admin/org", { key: org.adminKey.apiKey, body });
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().error.details.issues[0].path, JSON.stringify(body)).toBe(field);
    }
    const taken = await call(app, "PATCH", "/v1/admin/org", { key: org.adminKey.apiKey, body: { slug: other.org.slug } });
    expect([taken.statusCode, code(taken)]).toEqual([409, "CONFLICT"]);
    expect(taken.json().error.message).toMatch(/^slug/);
  });
});

describe("members", () => {
  it("lists members; changes a role; the demoted member's admin key is revoked at once", async () => {
    const org = await createTestOrg({ label: "apimem" });
    const admin = await addTestMember(org, "admin");
    const viewer = await addTestMember(org, "viewer");
    const list = await call(app, "GET", "/v1/admin/members", { key: admin.apiKey });
    expect(list.json().members.map((m: { id: string; role: string }) => [m.id, m.role])).toEqual([
      [org.owner.membershipId, "owner"],
      [admin.membershipId, "admin"],
      [viewer.membershipId, "viewer"],
    ]);
    expect((await call(app, "GET", "/v1/admin/members", { key: viewer.apiKey })).statusCode).toBe(403);
    // The admin's key is in the cache now; the demotion must still apply to its very next request.
    expect((await call(app, "GET", "/v1/admin/invitations", { key: admin.apiKey })).statusCode).toBe(200);
    const demoted = await call(app, "PATCH", `/v1/admin/members/${admin.membershipId}`, { key: org.adminKey.apiKey, body: { role: "viewer" } });
    expect(demoted.json()).toMatchObject({ id: admin.membershipId, role: "viewer" });
    const after = await call(app, "GET", "/v1/admin/invitations", { key: admin.apiKey });
    expect([after.statusCode, code(after)]).toEqual([401, "UNAUTHENTICATED"]);
    expect((await call(app, "GET", "/v1/whoami", { key: admin.apiKey })).statusCode).toBe(401);
  });

  it("rank rules and the last owner: 403 and 409 with clear messages; bad ids and roles 400 naming the field", async () => {
    const org = await createTestOrg({ label: "apirank" });
    const admin = await addTestMember(org, "admin");
    const promote = await call(app, "PATCH", `/v1/admin/members/${admin.membershipId}`, { key: admin.apiKey, body: { role: "owner" } });
    expect([promote.statusCode, code(promote)]).toEqual([403, "FORBIDDEN"]);
    const demoteOwner = await call(app, "PATCH", `/v1/admin/members/${org.owner.membershipId}`, { key: admin.apiKey, body: { role: "viewer" } });
    expect(demoteOwner.statusCode).toBe(403);
    const last = await call(app, "PATCH", `/v1/admin/members/${org.owner.membershipId}`, { key: org.adminKey.apiKey, body: { role: "admin" } });
    expect([last.statusCode, last.json().error.message]).toEqual([409, "the last owner cannot be demoted: make another member an owner first"]);
    const removeLast = await call(app, "DELETE", `/v1/admin/members/${org.owner.membershipId}`, { key: org.adminKey.apiKey });
    expect([removeLast.statusCode, removeLast.json().error.message]).toEqual([409, "the last owner cannot leave the organization: make another member an owner first"]);
    const badId = await call(app, "PATCH", "/v1/admin/members/usr_nope", { key: org.adminKey.apiKey, body: { role: "viewer" } });
    expect([badId.statusCode, badId.json().error.details.issues[0].path]).toEqual([400, "id"]);
    const badRole = await call(app, "PATCH", `/v1/admin/members/${admin.membershipId}`, { key: org.adminKey.apiKey, body: { role: "root" } });
    expect([badRole.statusCode, badRole.json().error.details.issues[0].path]).toEqual([400, "role"]);
  });

  it("a removed member's admin key is refused at once, and the removal is audited and the log verifies", async () => {
    const org = await createTestOrg({ label: "apirm" });
    const admin = await addTestMember(org, "admin");
    expect((await call(app, "GET", "/v1/whoami", { key: admin.apiKey })).statusCode).toBe(200);
    const removed = await call(app, "DELETE", `/v1/admin/members/${admin.membershipId}`, { key: org.adminKey.apiKey });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().revokedKeys).toHaveLength(1);
    expect((await call(app, "GET", "/v1/whoami", { key: admin.apiKey })).statusCode).toBe(401);
    const types = (await db().auditEntry.findMany({ where: { orgId: org.org.id }, orderBy: { seq: "asc" } })).map((e) => e.type);
    expect(types.slice(-2)).toEqual(["member.removed", "key.revoked"]);
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });
});

describe("invitations", () => {
  it("create (201, the link mailed, not answered), list as pending, accept, then reuse is a 409; revoke; bad emails 400 naming the field", async () => {
    const org = await createTestOrg({ label: "apiinv" });
    const created = await call(app, "POST", "/v1/admin/invitations", { key: org.adminKey.apiKey, body: { email: "New.Person@Example.test", role: "approver" } });
    expect(created.statusCode).toBe(201);
    const { invitation, emailSent } = created.json();
    expect(emailSent).toBe(true);
    const token = await invitationTokenFromOutbox("new.person@example.test");
    expect(created.body).not.toContain(token);
    expect(invitation).toMatchObject({ email: "new.person@example.test", role: "approver", status: "pending", invitedBy: { id: org.owner.membershipId } });
    const list = await call(app, "GET", "/v1/admin/invitations", { key: org.adminKey.apiKey });
    expect(list.json().invitations).toEqual([invitation]);
    expect(list.body).not.toContain(token);
    const accepted = await acceptInvitation({ input: { token, newAccount: { name: "New Person", password: "a long enough password" } } });
    expect((await call(app, "GET", "/v1/admin/members", { key: org.adminKey.apiKey })).json().members.map((m: { id: string }) => m.id)).toContain(accepted.membershipId);
    await expect(acceptInvitation({ input: { token, newAccount: { name: "Again", password: "a long enough password" } } })).rejects.toMatchObject({ code: "CONFLICT" });

    const second = (await call(app, "POST", "/v1/admin/invitations", { key: org.adminKey.apiKey, body: { email: "second@example.test", role: "viewer" } })).json();
    const revoked = await call(app, "DELETE", `/v1/admin/invitations/${second.invitation.id}`, { key: org.adminKey.apiKey });
    expect(revoked.json()).toMatchObject({ id: second.invitation.id, status: "revoked" });
    expect((await call(app, "GET", "/v1/admin/invitations", { key: org.adminKey.apiKey })).json().invitations).toEqual([]);

    for (const email of ["nope", "a@", `${"x".repeat(330)}@example.test`, 42]) {
      const bad = await call(app, "POST", "/v1/admin/invitations", { key: org.adminKey.apiKey, body: { email, role: "viewer" } });
      expect([bad.statusCode, bad.json().error.details.issues[0].path], String(email)).toEqual([400, "email"]);
    }
    const admin = await addTestMember(org, "admin");
    const above = await call(app, "POST", "/v1/admin/invitations", { key: admin.apiKey, body: { email: "boss@example.test", role: "owner" } });
    expect([above.statusCode, code(above)]).toEqual([403, "FORBIDDEN"]);
  });

  it("a retry with the same Idempotency-Key answers the same invitation and mails a fresh token", async () => {
    const org = await createTestOrg({ label: "apiidem" });
    const send = () =>
      call(app, "POST", "/v1/admin/invitations", {
        key: org.adminKey.apiKey,
        body: { email: "retry@example.test", role: "viewer" },
        headers: { "idempotency-key": "invite-retry-1" },
      });
    const first = (await send()).json();
    const firstToken = await invitationTokenFromOutbox("retry@example.test");
    const second = (await send()).json();
    expect(second.invitation.id).toBe(first.invitation.id);
    expect(await invitationTokenFromOutbox("retry@example.test")).not.toBe(firstToken);
  });
});

// Across two API processes (Redis signals): a change made through A applies to B's cached key at once.
describe("two API processes", () => {
  let a: ApiProcess;
  let b: ApiProcess;
  let org: TestOrg;

  beforeAll(async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
    [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
    org = await createTestOrg({ label: "apimem2" });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const fetchAs = (api: ApiProcess, key: string, method: string, path: string, body?: unknown) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  /** What B answers, asked until `expected` or until half the key cache's TTL after B cached the key (`cachedAt`). */
  async function statusOnB(key: string, path: string, expected: number, cachedAt: number): Promise<number> {
    const deadline = cachedAt + KEY_CACHE_TTL_MS / 2;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetchAs(b, key, "GET", path)).status;
      if (status === expected) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return status;
  }

  /** Both processes have run the member routes once, so the timed part below measures signals, not first-call warm-up. */
  async function warmUp(): Promise<void> {
    const throwaway = await addTestMember(org, "viewer", "warm");
    for (const api of [a, b]) {
      await fetchAs(api, org.adminKey.apiKey, "GET", "/v1/admin/members");
      await fetchAs(api, org.adminKey.apiKey, "PATCH", `/v1/admin/members/${throwaway.membershipId}`, { role: "auditor" });
    }
    await fetchAs(a, org.adminKey.apiKey, "DELETE", `/v1/admin/members/${throwaway.membershipId}`);
  }

  it("a member demoted through A has their admin key refused by B before B's key cache would have expired", async () => {
    await warmUp();
    const admin = await addTestMember(org, "admin");
    const cachedAt = Date.now();
    expect((await fetchAs(b, admin.apiKey, "GET", "/v1/admin/members")).status).toBe(200); // cached on B
    expect((await fetchAs(a, org.adminKey.apiKey, "PATCH", `/v1/admin/members/${admin.membershipId}`, { role: "viewer" })).status).toBe(200);
    expect(await statusOnB(admin.apiKey, "/v1/admin/members", 401, cachedAt)).toBe(401);
  });

  it("a member removed through A is refused by B before B's key cache would have expired", async () => {
    const admin = await addTestMember(org, "admin");
    const cachedAt = Date.now();
    expect((await fetchAs(b, admin.apiKey, "GET", "/v1/whoami")).status).toBe(200);
    expect((await fetchAs(a, org.adminKey.apiKey, "DELETE", `/v1/admin/members/${admin.membershipId}`)).status).toBe(200);
    expect(await statusOnB(admin.apiKey, "/v1/whoami", 401, cachedAt)).toBe(401);
  });
});
