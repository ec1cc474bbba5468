import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, ConflictError, NotFoundError, PermissionDeniedError } from "../src/errors.ts";
import type { CreatedInvitation, Invitation, Member, Org, OrgSettings, RemovedMember, SettingsChangePending } from "../src/types.ts";
import { ADMIN_KEY, adminClient, apiError, json, rejection } from "./helpers.ts";

const org: Org = { id: "org_1", slug: "acme", name: "Acme", createdAt: "2026-11-22T10:00:00.000Z", memberCount: 3 };
const member: Member = {
  id: "mem_1",
  userId: "usr_1",
  email: "ada@example.test",
  name: "Ada",
  role: "admin",
  signInMethods: ["password"],
  lastActiveAt: null,
  joinedAt: "2026-11-22T10:00:00.000Z",
};
const invitation: Invitation = {
  id: "inv_1",
  email: "new@example.test",
  role: "viewer",
  invitedBy: { id: "mem_1", name: "Ada", email: "ada@example.test" },
  status: "pending",
  expiresAt: "2026-11-29T10:00:00.000Z",
  createdAt: "2026-11-22T10:00:00.000Z",
};
const created: CreatedInvitation = { invitation, emailSent: true };

describe("admin.org", () => {
  it("get() GETs /v1/admin/org with the admin key", async () => {
    const { admin, calls } = adminClient([json(200, org)]);
    const result = await admin.org.get();
    expectTypeOf(result).toEqualTypeOf<Org>();
    expect(result).toEqual(org);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["GET", "http://localhost:4000/v1/admin/org", `Bearer ${ADMIN_KEY}`]);
  });

  it("update() PATCHes the changes; a taken slug is a ConflictError, a bad one a BadRequestError, neither retried", async () => {
    const { admin, calls } = adminClient([json(200, { ...org, name: "Acme 2" }), apiError(409, "CONFLICT"), apiError(400, "VALIDATION")]);
    expect(await admin.org.update({ name: "Acme 2" })).toMatchObject({ name: "Acme 2" });
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual(["PATCH", "http://localhost:4000/v1/admin/org", { name: "Acme 2" }]);
    expect(await rejection(admin.org.update({ slug: "taken" }))).toBeInstanceOf(ConflictError);
    expect(await rejection(admin.org.update({ slug: "BAD" }))).toBeInstanceOf(BadRequestError);
    expect(calls).toHaveLength(3);
  });

  it("close() POSTs the typed confirmation; a wrong one is a BadRequestError", async () => {
    const closed = { id: "org_1", slug: "acme", closedAt: "2026-11-22T10:00:00.000Z", closedBy: "mem_1", cancelledApprovals: 2 };
    const { admin, calls } = adminClient([json(200, closed), apiError(400, "VALIDATION")]);
    expect(await admin.org.close({ confirm: "acme" })).toEqual(closed);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual(["POST", "http://localhost:4000/v1/admin/org/close", { confirm: "acme" }]);
    expect(await rejection(admin.org.close({ confirm: "nope" }))).toBeInstanceOf(BadRequestError);
  });
});

describe("admin.settings", () => {
  it("get() reads them; update() PATCHes the changes", async () => {
    const settings = { circuitBreaker: { failureThreshold: 10, windowSeconds: 60, cooldownSeconds: 30 }, approvalTimeoutSeconds: 3600 };
    const { admin, calls } = adminClient([json(200, settings), json(200, { ...settings, approvalTimeoutSeconds: 7200 })]);
    expect(await admin.settings.get()).toEqual(settings);
    expect(await admin.settings.update({ approvalTimeoutSeconds: 7200 })).toMatchObject({ approvalTimeoutSeconds: 7200 });
    expect(calls.map((c) => [c.init.method, c.url, c.body ?? null])).toEqual([
      ["GET", "http://localhost:4000/v1/admin/settings", null],
      ["PATCH", "http://localhost:4000/v1/admin/settings", { approvalTimeoutSeconds: 7200 }],
    ]);
  });

  it("update() answers the pending approval when the two-admin rule holds a weakening change (202)", async () => {
    const pending = { status: "pending_approval", approvalId: "apr_1", weakened: [{ path: "policies.reportOnly", before: false, after: true, weakening: "turned on" }] };
    const { admin } = adminClient([json(202, pending)]);
    const answer = await admin.settings.update({ policies: { reportOnly: true } });
    expectTypeOf(answer).toEqualTypeOf<OrgSettings | SettingsChangePending>();
    expect(answer).toEqual(pending);
  });
});

describe("admin.members", () => {
  it("list() answers the members array", async () => {
    const { admin, calls } = adminClient([json(200, { members: [member] })]);
    const members = await admin.members.list();
    expectTypeOf(members).toEqualTypeOf<Member[]>();
    expect(members).toEqual([member]);
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/admin/members");
  });

  it("update() PATCHes { role } to the member, and retries a 503 with the same body (the same role twice changes nothing)", async () => {
    const { admin, calls } = adminClient([apiError(503, "UNAVAILABLE"), json(200, { ...member, role: "viewer" })]);
    expect(await admin.members.update("mem_1", { role: "viewer" })).toMatchObject({ role: "viewer" });
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["PATCH", "http://localhost:4000/v1/admin/members/mem_1", { role: "viewer" }],
      ["PATCH", "http://localhost:4000/v1/admin/members/mem_1", { role: "viewer" }],
    ]);
  });

  it("update() throws PermissionDeniedError above the caller's rank and ConflictError for the last owner", async () => {
    const { admin } = adminClient([apiError(403, "FORBIDDEN"), apiError(409, "CONFLICT")]);
    expect(await rejection(admin.members.update("mem_1", { role: "owner" }))).toBeInstanceOf(PermissionDeniedError);
    expect(await rejection(admin.members.update("mem_2", { role: "viewer" }))).toBeInstanceOf(ConflictError);
  });

  it("remove() DELETEs the member (the id escaped) and answers the revoked keys; an unknown member is NotFoundError", async () => {
    const removed: RemovedMember = { id: "mem_1", removedAt: "2026-11-22T11:00:00.000Z", revokedKeys: ["key_1"] };
    const { admin, calls } = adminClient([json(200, removed), apiError(404, "NOT_FOUND")]);
    expect(await admin.members.remove("mem_1")).toEqual(removed);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.init.body]).toEqual(["DELETE", "http://localhost:4000/v1/admin/members/mem_1", undefined]);
    expect(await rejection(admin.members.remove("mem/../x"))).toBeInstanceOf(NotFoundError);
    expect(calls[1]?.url).toBe("http://localhost:4000/v1/admin/members/mem%2F..%2Fx");
  });
});

describe("admin.invitations", () => {
  it("list() answers the invitations array", async () => {
    const { admin, calls } = adminClient([json(200, { invitations: [invitation] })]);
    expect(await admin.invitations.list()).toEqual([invitation]);
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/admin/invitations");
  });

  it("create() POSTs { email, role, expiresInDays } with an Idempotency-Key kept across retries", async () => {
    const { admin, calls } = adminClient([apiError(503, "UNAVAILABLE"), json(201, created)]);
    const result = await admin.invitations.create({ email: "new@example.test", role: "viewer" }, { expiresInDays: 3 });
    expectTypeOf(result).toEqualTypeOf<CreatedInvitation>();
    expect(result).toEqual(created);
    expect(calls.map((c) => [c.init.method, c.url, c.body])).toEqual([
      ["POST", "http://localhost:4000/v1/admin/invitations", { email: "new@example.test", role: "viewer", expiresInDays: 3 }],
      ["POST", "http://localhost:4000/v1/admin/invitations", { email: "new@example.test", role: "viewer", expiresInDays: 3 }],
    ]);
    const keys = calls.map((c) => c.headers.get("idempotency-key"));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it("create() sends a new Idempotency-Key per call, and no expiresInDays unless given", async () => {
    const { admin, calls } = adminClient([json(201, created), json(201, created)]);
    await admin.invitations.create({ email: "a@example.test", role: "viewer" });
    await admin.invitations.create({ email: "b@example.test", role: "viewer" });
    expect(calls[0]?.body).toEqual({ email: "a@example.test", role: "viewer" });
    expect(calls[0]?.headers.get("idempotency-key")).not.toBe(calls[1]?.headers.get("idempotency-key"));
  });

  it("revoke() DELETEs the invitation", async () => {
    const { admin, calls } = adminClient([json(200, { ...invitation, status: "revoked" })]);
    expect(await admin.invitations.revoke("inv_1")).toMatchObject({ status: "revoked" });
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["DELETE", "http://localhost:4000/v1/admin/invitations/inv_1"]);
  });
});
