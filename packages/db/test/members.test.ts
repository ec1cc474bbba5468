import type { Ctx } from "../src/actors/context";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb, db } from "../src";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { authenticateApiKey } from "../src/keys/authenticate-api-key";
import { listMembers } from "../src/members";
import { changeMemberRole, leaveOrg, removeMember } from "../src/cascades";
import { resetMemberActivity, touchMemberActivity } from "../src/actors/member-activity";
import { getMemberContext } from "../src/orgs/get-member-context";
import { getOrg } from "../src/orgs/get-org";
import { listMemberOrgs } from "../src/orgs/list-member-orgs";
import { updateOrg } from "../src/orgs/update-org";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

/** The context of a member acting through the console. */
function asMember(org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "test" };
}

const ownerOf = (org: TestOrg) => ({ userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" as const });

async function entries(orgId: string, type: string) {
  return (await db().auditEntry.findMany({ where: { orgId, type }, orderBy: { seq: "asc" } })).map((e) => ({
    actorType: e.actorType,
    actorId: e.actorId,
    subjectId: e.subjectId,
    data: (JSON.parse(e.canonical) as { data: unknown }).data,
  }));
}

async function expectError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });
}

describe("listMembers", () => {
  it("lists the current members with role, sign-in and last activity; auditors may, viewers may not", async () => {
    const org = await createTestOrg({ label: "mlist" });
    const auditor = await addTestMember(org, "auditor");
    const viewer = await addTestMember(org, "viewer");
    const members = await listMembers({ ctx: asMember(org, auditor) });
    expect(members.map((m) => [m.id, m.role])).toEqual([
      [org.owner.membershipId, "owner"],
      [auditor.membershipId, "auditor"],
      [viewer.membershipId, "viewer"],
    ]);
    expect(members[0]).toMatchObject({ email: org.owner.email, signInMethods: ["password"], lastActiveAt: null });
    expect(members[1]?.signInMethods).toEqual([]);
    await expectError(listMembers({ ctx: asMember(org, viewer) }), "FORBIDDEN", /members\.read/);
  });

  it("records activity through an admin key and the console at most once a minute", async () => {
    const org = await createTestOrg({ label: "mactive" });
    const member = await addTestMember(org, "approver");
    resetMemberActivity();
    await authenticateApiKey(member.apiKey);
    const lastActive = async () => (await db().membership.findUniqueOrThrow({ where: { id: member.membershipId } })).lastActiveAt;
    await expect.poll(lastActive).not.toBeNull();
    const first = await lastActive();
    touchMemberActivity(member.membershipId, Date.now() + 10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(await lastActive()).toEqual(first);
    resetMemberActivity();
    // Another process (a fresh map) within the minute: the SQL refuses too.
    touchMemberActivity(member.membershipId, (first as Date).getTime() + 30_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(await lastActive()).toEqual(first);
    resetMemberActivity();
    touchMemberActivity(member.membershipId, (first as Date).getTime() + 61_000);
    await expect.poll(async () => (await lastActive())?.getTime()).toBe((first as Date).getTime() + 61_000);
    // The console's context records it too.
    resetMemberActivity();
    await db().membership.update({ where: { id: org.owner.membershipId }, data: { lastActiveAt: null } });
    await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "t" });
    await expect.poll(async () => (await db().membership.findUniqueOrThrow({ where: { id: org.owner.membershipId } })).lastActiveAt).not.toBeNull();
  });
});

describe("changeMemberRole", () => {
  it("changes a role, audits it with its actor, and revokes the member's admin keys in the org at once (audited, saying why)", async () => {
    const org = await createTestOrg({ label: "mrole" });
    const admin = await addTestMember(org, "admin");
    expect((await authenticateApiKey(admin.apiKey)).actor).toMatchObject({ role: "admin" });
    const changed = await changeMemberRole({ ctx: asMember(org, ownerOf(org)), input: { membershipId: admin.membershipId, body: { role: "viewer" } } });
    expect(changed).toMatchObject({ id: admin.membershipId, role: "viewer" });
    await expect(authenticateApiKey(admin.apiKey)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await entries(org.org.id, "member.role_changed")).toEqual([
      { actorType: "member", actorId: org.owner.membershipId, subjectId: admin.membershipId, data: { userId: admin.userId, email: admin.email, from: "admin", to: "viewer" } },
    ]);
    expect((await entries(org.org.id, "key.revoked")).map((e) => (e.data as { reason: string }).reason)).toEqual(["role changed"]);
    // The same role again writes nothing.
    await changeMemberRole({ ctx: asMember(org, ownerOf(org)), input: { membershipId: admin.membershipId, body: { role: "viewer" } } });
    expect(await entries(org.org.id, "member.role_changed")).toHaveLength(1);
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });

  it("follows the ranking: an admin cannot change an owner, nor give a role above their own", async () => {
    const org = await createTestOrg({ label: "mrank" });
    const admin = await addTestMember(org, "admin");
    const viewer = await addTestMember(org, "viewer");
    const otherOwner = await addTestMember(org, "owner");
    await expectError(changeMemberRole({ ctx: asMember(org, admin), input: { membershipId: otherOwner.membershipId, body: { role: "viewer" } } }), "FORBIDDEN", /owner/);
    await expectError(changeMemberRole({ ctx: asMember(org, admin), input: { membershipId: viewer.membershipId, body: { role: "owner" } } }), "FORBIDDEN", /ranks above/);
    await expectError(changeMemberRole({ ctx: asMember(org, admin), input: { membershipId: admin.membershipId, body: { role: "owner" } } }), "FORBIDDEN", /ranks above/);
    expect(await changeMemberRole({ ctx: asMember(org, admin), input: { membershipId: viewer.membershipId, body: { role: "admin" } } })).toMatchObject({ role: "admin" });
    await expectError(changeMemberRole({ ctx: asMember(org, viewer), input: { membershipId: admin.membershipId, body: { role: "viewer" } } }), "FORBIDDEN", /members\.manage/);
  });

  it("uses the caller's role as it is now, not as their (cached) context says", async () => {
    const org = await createTestOrg({ label: "mstale" });
    const admin = await addTestMember(org, "admin");
    const viewer = await addTestMember(org, "viewer");
    const staleCtx = asMember(org, admin);
    await changeMemberRole({ ctx: asMember(org, ownerOf(org)), input: { membershipId: admin.membershipId, body: { role: "auditor" } } });
    await expectError(changeMemberRole({ ctx: staleCtx, input: { membershipId: viewer.membershipId, body: { role: "auditor" } } }), "FORBIDDEN");
  });

  it("the last owner cannot be demoted (409); with a second owner, one can", async () => {
    const org = await createTestOrg({ label: "mlast" });
    await expectError(changeMemberRole({ ctx: asMember(org, ownerOf(org)), input: { membershipId: org.owner.membershipId, body: { role: "admin" } } }), "CONFLICT", /last owner/);
    const second = await addTestMember(org, "owner");
    // Two owners demoting each other at once: exactly one succeeds.
    const results = await Promise.allSettled([
      changeMemberRole({ ctx: asMember(org, ownerOf(org)), input: { membershipId: second.membershipId, body: { role: "admin" } } }),
      changeMemberRole({ ctx: asMember(org, second), input: { membershipId: org.owner.membershipId, body: { role: "admin" } } }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db().membership.count({ where: { orgId: org.org.id, role: "owner", removedAt: null } })).toBe(1);
  });

  it("bad input is a 400 naming the field; another org's member is 404", async () => {
    const org = await createTestOrg({ label: "mbad" });
    const other = await createTestOrg({ label: "mbad2" });
    const viewer = await addTestMember(org, "viewer");
    await expectError(changeMemberRole({ ctx: org.ctx, input: { membershipId: viewer.membershipId, body: { role: "superuser" } } }), "VALIDATION", /^role/);
    await expectError(changeMemberRole({ ctx: org.ctx, input: { membershipId: other.owner.membershipId, body: { role: "viewer" } } }), "NOT_FOUND");
  });
});

describe("removeMember and leaveOrg", () => {
  it("removes a member: their keys are revoked (and refused at once), their console context is gone, the audit names the actor", async () => {
    const org = await createTestOrg({ label: "mremove" });
    const admin = await addTestMember(org, "admin");
    await authenticateApiKey(admin.apiKey);
    const removed = await removeMember({ ctx: asMember(org, ownerOf(org)), input: { membershipId: admin.membershipId } });
    expect(removed.revokedKeys).toHaveLength(1);
    await expectError(authenticateApiKey(admin.apiKey), "UNAUTHENTICATED");
    await expectError(getMemberContext({ userId: admin.userId, orgSlug: org.org.slug, requestId: "t" }), "NOT_FOUND");
    expect(await listMemberOrgs({ userId: admin.userId })).toEqual([]);
    expect((await listMembers({ ctx: org.ctx })).map((m) => m.id)).not.toContain(admin.membershipId);
    expect(await entries(org.org.id, "member.removed")).toEqual([
      { actorType: "member", actorId: org.owner.membershipId, subjectId: admin.membershipId, data: { userId: admin.userId, email: admin.email, role: "admin" } },
    ]);
    expect((await entries(org.org.id, "key.revoked")).map((e) => e.subjectId)).toEqual(removed.revokedKeys);
    await expectError(removeMember({ ctx: org.ctx, input: { membershipId: admin.membershipId } }), "NOT_FOUND");
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });

  it("an admin cannot remove an owner; the last owner can neither be removed nor leave", async () => {
    const org = await createTestOrg({ label: "mlastrm" });
    const admin = await addTestMember(org, "admin");
    await expectError(removeMember({ ctx: asMember(org, admin), input: { membershipId: org.owner.membershipId } }), "FORBIDDEN", /owner/);
    await expectError(removeMember({ ctx: org.ctx, input: { membershipId: org.owner.membershipId } }), "CONFLICT", /last owner/);
    await expectError(leaveOrg({ ctx: asMember(org, ownerOf(org)) }), "CONFLICT", /last owner cannot leave/);
    await expectError(removeMember({ ctx: asMember(org, ownerOf(org)), input: { membershipId: org.owner.membershipId } }), "CONFLICT", /last owner/);
  });

  it("any member may leave (member.left, as themselves)", async () => {
    const org = await createTestOrg({ label: "mleave" });
    const viewer = await addTestMember(org, "viewer");
    const left = await leaveOrg({ ctx: asMember(org, viewer) });
    expect(left.id).toBe(viewer.membershipId);
    expect(await entries(org.org.id, "member.left")).toEqual([
      { actorType: "member", actorId: viewer.membershipId, subjectId: viewer.membershipId, data: { userId: viewer.userId, email: viewer.email, role: "viewer" } },
    ]);
    await expectError(leaveOrg({ ctx: org.ctx }), "FORBIDDEN");
  });
});

describe("getOrg and updateOrg", () => {
  it("renames and changes the slug, audited with before and after", async () => {
    const org = await createTestOrg({ label: "orgren" });
    const slug = `${org.org.slug}-new`;
    const updated = await updateOrg({ ctx: asMember(org, ownerOf(org)), input: { name: "  Renamed Org  ", slug } });
    expect(updated).toMatchObject({ id: org.org.id, name: "Renamed Org", slug, memberCount: 1 });
    expect(await getOrg({ ctx: org.ctx })).toMatchObject({ name: "Renamed Org", slug });
    expect(await entries(org.org.id, "org.renamed")).toEqual([
      { actorType: "member", actorId: org.owner.membershipId, subjectId: org.org.id, data: { from: org.org.name, to: "Renamed Org" } },
    ]);
    expect(await entries(org.org.id, "org.slug_changed")).toEqual([
      { actorType: "member", actorId: org.owner.membershipId, subjectId: org.org.id, data: { from: org.org.slug, to: slug } },
    ]);
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });

  it("refuses bad names and slugs (400 naming the field), a taken slug (409), and admins (owners only)", async () => {
    const org = await createTestOrg({ label: "orgbad" });
    const other = await createTestOrg({ label: "orgbad2" });
    const admin = await addTestMember(org, "admin");
    await expectError(updateOrg({ ctx: org.ctx, input: { name: "x".repeat(201) } }), "VALIDATION", /^name/);
    await expectError(updateOrg({ ctx: org.ctx, input: { name: "   " } }), "VALIDATION", /^name/);
    await expectError(updateOrg({ ctx: org.ctx, input: { name: "a\u0000b" } }), "VALIDATION", /^name/);
    await expectError(updateOrg({ ctx: org.ctx, input: { slug: "Bad Slug" } }), "VALIDATION", /^slug/);
    await expectError(updateOrg({ ctx: org.ctx, input: { slug: "-x" } }), "VALIDATION", /^slug/);
    await expectError(updateOrg({ ctx: org.ctx, input: {} }), "VALIDATION");
    await expectError(updateOrg({ ctx: org.ctx, input: { slug: other.org.slug } }), "CONFLICT", /^slug/);
    await expectError(updateOrg({ ctx: asMember(org, admin), input: { name: "Nope" } }), "FORBIDDEN", /org\.write/);
    expect(await getOrg({ ctx: org.ctx })).toMatchObject({ name: org.org.name, slug: org.org.slug, memberCount: 2 });
  });
});
