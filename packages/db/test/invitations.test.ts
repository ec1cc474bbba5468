import { createHash } from "node:crypto";
import { newId } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeSignals, db, disconnectDb } from "../src";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { acceptInvitation, createInvitation, getInvitationByToken, invitationEmail, listInvitations, revokeInvitation } from "../src/invitations";
import { listMembers } from "../src/members";
import { removeMember } from "../src/cascades";
import { authenticateUser } from "../src/orgs/authenticate-user";
import { addTestMember, createTestOrg, invitationTokenFromOutbox, type TestMember, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

function asMember(org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "test" };
}
const ownerOf = (org: TestOrg) => asMember(org, { userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" });

async function expectError(promise: Promise<unknown>, code: string, message?: RegExp, details?: unknown): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code, ...(message ? { message: expect.stringMatching(message) } : {}), ...(details ? { details } : {}) });
}

async function entries(orgId: string, type: string) {
  return (await db().auditEntry.findMany({ where: { orgId, type }, orderBy: { seq: "asc" } })).map((e) => ({ actorType: e.actorType, actorId: e.actorId, subjectId: e.subjectId }));
}

/** Creates an invitation and reads its token where it goes: the invitee's mail (the development outbox). */
async function invite(args: Parameters<typeof createInvitation>[0]) {
  const created = await createInvitation(args);
  return { ...created, token: await invitationTokenFromOutbox(created.invitation.email) };
}

const email = (label: string) => `${label}-${newId("user").slice(4, 12).toLowerCase()}@example.test`;

describe("createInvitation", () => {
  it("sends the invitee an email with the accept link (without SMTP_URL: the development outbox)", async () => {
    const org = await createTestOrg({ label: "inv-mail" });
    const invitee = email("mailed");
    const created = await createInvitation({ ctx: ownerOf(org), input: { body: { email: invitee, role: "viewer" } } });
    expect(created.emailSent).toBe(true);
    const mails = await db().devOutboxMessage.findMany({ where: { to: invitee } });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain(`https://console.gatehouse.test/invite/${await invitationTokenFromOutbox(invitee)}`);
    expect(mails[0]?.subject).toBe("You are invited to an organization on Gatehouse");
  });

  it("mails the token, never answers it; stores only its hash; lists it as pending; audits member.invited", async () => {
    const org = await createTestOrg({ label: "inv" });
    const invitee = email("invitee");
    const created = await invite({
      ctx: ownerOf(org),
      input: { body: { email: `  ${invitee.toUpperCase()} `, role: "approver" } },
    });
    expect(created.token).toMatch(/^gh_invite_[0-9A-Za-z]{32}$/);
    expect(Object.keys(created).sort()).toEqual(["emailSent", "invitation", "token"]);
    expect(created.invitation).toMatchObject({ email: invitee, role: "approver", status: "pending", invitedBy: { id: org.owner.membershipId, email: org.owner.email } });
    const expiresInDays = (Date.parse(created.invitation.expiresAt) - Date.parse(created.invitation.createdAt)) / 86_400_000;
    expect(expiresInDays).toBe(7);
    // Only the hash: the token appears in no column of the row.
    const row = await db().invitation.findUniqueOrThrow({ where: { id: created.invitation.id }, omit: { tokenHash: false } });
    expect(row.tokenHash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.token.slice("gh_invite_".length));
    // …nor in the audit log.
    const logged = await db().auditEntry.findMany({ where: { orgId: org.org.id } });
    expect(logged.some((e) => e.canonical.includes(created.token.slice("gh_invite_".length)))).toBe(false);
    expect(await listInvitations({ ctx: org.ctx })).toEqual([created.invitation]);
    expect(JSON.stringify(await listInvitations({ ctx: org.ctx }))).not.toContain(created.token.slice("gh_invite_".length));
    expect(await entries(org.org.id, "member.invited")).toEqual([{ actorType: "member", actorId: org.owner.membershipId, subjectId: created.invitation.id }]);
  });

  it("invites at most at the inviter's rank; viewers cannot invite", async () => {
    const org = await createTestOrg({ label: "invrank" });
    const admin = await addTestMember(org, "admin");
    const viewer = await addTestMember(org, "viewer");
    await expectError(createInvitation({ ctx: asMember(org, admin), input: { body: { email: email("x"), role: "owner" } } }), "FORBIDDEN", /ranks above/);
    expect((await createInvitation({ ctx: asMember(org, admin), input: { body: { email: email("x"), role: "admin" } } })).invitation.role).toBe("admin");
    await expectError(createInvitation({ ctx: asMember(org, viewer), input: { body: { email: email("x"), role: "viewer" } } }), "FORBIDDEN", /members\.manage/);
  });

  it("refuses bad input naming the field, a member's email and a second pending invitation (409)", async () => {
    const org = await createTestOrg({ label: "invbad" });
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: "not-an-email", role: "viewer" } } }), "VALIDATION", /^email/);
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: `${"a".repeat(320)}@example.test`, role: "viewer" } } }), "VALIDATION", /^email/);
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: email("x"), role: "god" } } }), "VALIDATION", /^role/);
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: email("x"), role: "viewer", expiresInDays: 90 } } }), "VALIDATION", /^expiresInDays/);
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: org.owner.email.toUpperCase(), role: "viewer" } } }), "CONFLICT", /already a member/);
    const invitee = email("twice");
    await createInvitation({ ctx: org.ctx, input: { body: { email: invitee, role: "viewer" } } });
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: invitee, role: "admin" } } }), "CONFLICT", /pending invitation/);
  });

  it("a retry with the same Idempotency-Key mails a fresh token for the same invitation", async () => {
    const org = await createTestOrg({ label: "invidem" });
    const invitee = email("retry");
    const first = await invite({ ctx: org.ctx, input: { body: { email: invitee, role: "viewer" }, idempotencyKey: "retry-1" } });
    const second = await invite({ ctx: org.ctx, input: { body: { email: invitee, role: "viewer" }, idempotencyKey: "retry-1" } });
    expect(second.invitation.id).toBe(first.invitation.id);
    expect(second.token).not.toBe(first.token);
    await expectError(acceptInvitation({ input: { token: first.token, newAccount: { name: "R", password: "long enough pw" } } }), "NOT_FOUND");
    await expectError(createInvitation({ ctx: org.ctx, input: { body: { email: invitee, role: "admin" }, idempotencyKey: "retry-1" } }), "CONFLICT", /Idempotency-Key/);
    expect(await listInvitations({ ctx: org.ctx })).toHaveLength(1);
  });

  it("writes the email text", () => {
    const mail = invitationEmail({ orgName: "Acme", inviterName: "Ada", role: "admin", acceptUrl: "https://c.example/invite/t", expiresAt: new Date("2026-12-01T00:00:00Z") });
    expect(mail.subject).toBe("You are invited to an organization on Gatehouse");
    expect(mail.text).toContain("as an admin");
    expect(mail.text).toContain('Organization: "Acme"');
    expect(mail.text).toContain('Invited by: "Ada"');
    expect(mail.text).toContain("https://c.example/invite/t");
  });
});

describe("acceptInvitation", () => {
  it("a new user: an account (name + password) and a membership with the role, once; member.joined as the new member", async () => {
    const org = await createTestOrg({ label: "accnew" });
    const invitee = email("newbie");
    const { token, invitation } = await invite({ ctx: org.ctx, input: { body: { email: invitee, role: "approver" } } });
    const accepted = await acceptInvitation({ input: { token, newAccount: { name: "New Bie", password: "a good long password" } } });
    expect(accepted).toMatchObject({ org: { id: org.org.id }, role: "approver", newAccount: true });
    expect(await authenticateUser({ input: { email: invitee, password: "a good long password" } })).toMatchObject({ id: accepted.userId, name: "New Bie" });
    expect((await listMembers({ ctx: org.ctx })).find((m) => m.id === accepted.membershipId)).toMatchObject({ role: "approver", email: invitee, signInMethods: ["password"] });
    expect(await entries(org.org.id, "member.joined")).toEqual([{ actorType: "member", actorId: accepted.membershipId, subjectId: accepted.membershipId }]);
    expect(await listInvitations({ ctx: org.ctx })).toEqual([]);
    await expectError(acceptInvitation({ input: { token, newAccount: { name: "Again", password: "a good long password" } } }), "CONFLICT", /already used/, { reason: "used" });
    await expectError(revokeInvitation({ ctx: org.ctx, input: { invitationId: invitation.id } }), "CONFLICT", /accepted/);
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });

  it("an existing user, signed in: the email must match (case-insensitive)", async () => {
    const org = await createTestOrg({ label: "accold" });
    const other = await createTestOrg({ label: "accold2" });
    const stranger = await addTestMember(other, "viewer", "Stranger");
    const { token } = await invite({ ctx: org.ctx, input: { body: { email: org.owner.email.replace("owner", "guest"), role: "auditor" } } });
    await expectError(acceptInvitation({ input: { token, user: { id: stranger.userId } } }), "FORBIDDEN", /another email/);
    const invite2 = await invite({ ctx: org.ctx, input: { body: { email: stranger.email.toUpperCase(), role: "auditor" } } });
    await expectError(acceptInvitation({ input: { token: invite2.token, newAccount: { name: "Dup", password: "a good long password" } } }), "CONFLICT", /already exists/);
    const accepted = await acceptInvitation({ input: { token: invite2.token, user: { id: stranger.userId } } });
    expect(accepted).toMatchObject({ userId: stranger.userId, role: "auditor", newAccount: false });
  });

  it("expired (409, reason expired), revoked (409, reason revoked), unknown or malformed (404)", async () => {
    const org = await createTestOrg({ label: "accexp" });
    const old = await invite({ ctx: org.ctx, input: { body: { email: email("late"), role: "viewer", expiresInDays: 1 } } });
    await expectError(
      acceptInvitation({ input: { token: old.token, newAccount: { name: "L", password: "a good long password" } }, now: Date.now() + 2 * 86_400_000 }),
      "CONFLICT",
      /expired/,
      {
        reason: "expired",
      },
    );
    const revoked = await invite({ ctx: org.ctx, input: { body: { email: email("rev"), role: "viewer" } } });
    const view = await revokeInvitation({ ctx: ownerOf(org), input: { invitationId: revoked.invitation.id } });
    expect(view.status).toBe("revoked");
    expect((await revokeInvitation({ ctx: org.ctx, input: { invitationId: revoked.invitation.id } })).status).toBe("revoked");
    expect(await entries(org.org.id, "invitation.revoked")).toEqual([{ actorType: "member", actorId: org.owner.membershipId, subjectId: revoked.invitation.id }]);
    await expectError(acceptInvitation({ input: { token: revoked.token, newAccount: { name: "R", password: "a good long password" } } }), "CONFLICT", /revoked/, {
      reason: "revoked",
    });
    await expectError(acceptInvitation({ input: { token: `gh_invite_${"a".repeat(32)}`, newAccount: { name: "U", password: "a good long password" } } }), "NOT_FOUND");
    await expectError(acceptInvitation({ input: { token: "nope", newAccount: { name: "U", password: "a good long password" } } }), "NOT_FOUND");
    await expectError(acceptInvitation({ input: { token: old.token, newAccount: { name: "U", password: "short" } } }), "VALIDATION", /password/);
    await expectError(acceptInvitation({ input: { token: old.token, newAccount: { name: "x".repeat(201), password: "a good long password" } } }), "VALIDATION", /name/);
  });

  it("two acceptances of one token at once: exactly one succeeds", async () => {
    const org = await createTestOrg({ label: "accrace" });
    const { token } = await invite({ ctx: org.ctx, input: { body: { email: email("race"), role: "viewer" } } });
    const results = await Promise.allSettled([0, 1].map(() => acceptInvitation({ input: { token, newAccount: { name: "Race", password: "a good long password" } } })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("a removed member invited again gets their membership back with the new role", async () => {
    const org = await createTestOrg({ label: "accback" });
    const member = await addTestMember(org, "admin", "back");
    await removeMember({ ctx: org.ctx, input: { membershipId: member.membershipId } });
    const { token } = await invite({ ctx: org.ctx, input: { body: { email: member.email, role: "viewer" } } });
    const accepted = await acceptInvitation({ input: { token, user: { id: member.userId } } });
    expect(accepted.membershipId).toBe(member.membershipId);
    expect((await listMembers({ ctx: org.ctx })).find((m) => m.id === member.membershipId)?.role).toBe("viewer");
  });

  it("an admin cannot revoke an owner's invitation; another org's invitation is 404", async () => {
    const org = await createTestOrg({ label: "revrank" });
    const other = await createTestOrg({ label: "revrank2" });
    const admin = await addTestMember(org, "admin");
    const forOwner = await createInvitation({ ctx: org.ctx, input: { body: { email: email("own"), role: "owner" } } });
    await expectError(revokeInvitation({ ctx: asMember(org, admin), input: { invitationId: forOwner.invitation.id } }), "FORBIDDEN");
    const foreign = await createInvitation({ ctx: other.ctx, input: { body: { email: email("for"), role: "viewer" } } });
    await expectError(revokeInvitation({ ctx: org.ctx, input: { invitationId: foreign.invitation.id } }), "NOT_FOUND");
  });
});

describe("getInvitationByToken", () => {
  it("previews the org, role, email and status for the accept page, and whether the email has an account; unknown or malformed is 404", async () => {
    const org = await createTestOrg({ label: "peek" });
    const invitee = email("peek");
    const { token } = await invite({ ctx: ownerOf(org), input: { body: { email: invitee, role: "auditor", expiresInDays: 1 } } });
    expect(await getInvitationByToken({ token })).toMatchObject({
      org: { name: org.org.name, slug: org.org.slug },
      email: invitee,
      role: "auditor",
      status: "pending",
      inviterName: "Test Owner",
      accountExists: false,
    });
    expect((await getInvitationByToken({ token, now: Date.now() + 2 * 86_400_000 })).status).toBe("expired");
    await acceptInvitation({ input: { token, newAccount: { name: "Peek", password: "a good long password" } } });
    expect(await getInvitationByToken({ token })).toMatchObject({ status: "accepted", accountExists: true });
    const member = await invite({ ctx: org.ctx, input: { body: { email: org.owner.email.replace("owner", "second"), role: "viewer" } } });
    await revokeInvitation({ ctx: org.ctx, input: { invitationId: member.invitation.id } });
    expect((await getInvitationByToken({ token: member.token })).status).toBe("revoked");
    await expectError(getInvitationByToken({ token: `gh_invite_${"b".repeat(32)}` }), "NOT_FOUND");
    await expectError(getInvitationByToken({ token: "nope" }), "NOT_FOUND");
  });
});
