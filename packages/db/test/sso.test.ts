import { randomToken } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, db, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { signInWithSso } from "../src/accounts/sign-in-with-sso";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { listMembers, removeMember } from "../src/members";
import { checkSessionSignInPolicy } from "../src/orgs/sign-in-policy";
import { updateOrgSettings } from "../src/orgs/update-org-settings";
import { addTestMember, createTestOrg, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const ISSUER = "https://idp.example.test";

/** A fresh org whose owner's email is at a domain of its own (domains route to one org in the whole database). */
async function orgWithDomain(label: string): Promise<{ org: TestOrg; domain: string; owner: Ctx }> {
  const org = await createTestOrg({ label });
  const domain = `${label}-${randomToken(8).toLowerCase()}.test`;
  await db().user.update({ where: { id: org.owner.userId }, data: { email: `owner@${domain}` } });
  const owner: Ctx = { org: org.org, actor: { type: "user", userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" }, requestId: "t" };
  return { org, domain, owner };
}

const person = (email: string, over: Record<string, unknown> = {}) => ({ issuer: ISSUER, subject: `sub-${randomToken(10)}`, email, emailVerified: true, name: "Pat", ...over });

async function expectError(promise: Promise<unknown>, code: string, match: Record<string, unknown> = {}): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code, ...match });
}

describe("signInWithSso", () => {
  it("creates the account and, for a routed domain, the membership with the org's default role, audited; the log verifies", async () => {
    const { org, domain, owner } = await orgWithDomain("jit");
    await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain.toUpperCase()], ssoDefaultRole: "approver" } } });
    const signedIn = await signInWithSso({ input: person(`New.Person@${domain}`) });
    expect(signedIn.email).toBe(`new.person@${domain}`);
    expect(signedIn.routed).toMatchObject({ orgId: org.org.id, outcome: "joined" });
    const user = await db().user.findUniqueOrThrow({ where: { id: signedIn.id } });
    expect(user.passwordHash).toBeNull();
    expect(user.emailVerifiedAt).not.toBeNull();
    const members = await listMembers({ ctx: owner });
    expect(members.find((m) => m.userId === signedIn.id)).toMatchObject({ role: "approver", signInMethods: ["sso"] });
    const joined = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "member.joined" } });
    expect(joined).toHaveLength(1);
    expect(joined[0]).toMatchObject({ actorType: "member", actorId: signedIn.routed?.membershipId, subjectId: signedIn.routed?.membershipId });
    expect(JSON.parse(joined[0]?.canonical ?? "{}").data).toMatchObject({ userId: signedIn.id, role: "approver", via: "sso", newAccount: true });
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
    // Signing in again: the same account, no second membership or entry.
    const again = await signInWithSso({ input: { ...person(`new.person@${domain}`), subject: user.ssoSubject } });
    expect(again).toMatchObject({ id: signedIn.id, routed: { outcome: "member" } });
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "member.joined" } })).toBe(1);
  });

  it("joins no org for an unrouted domain; links an existing password account by email", async () => {
    const { org, owner } = await orgWithDomain("unrouted");
    const member = await addTestMember(org, "viewer");
    const signedIn = await signInWithSso({ input: person(member.email.toUpperCase()) });
    expect(signedIn).toMatchObject({ id: member.userId, routed: null });
    expect((await listMembers({ ctx: owner })).find((m) => m.userId === member.userId)?.signInMethods).toEqual(["sso"]);
    expect(await db().membership.count({ where: { userId: member.userId } })).toBe(1);
  });

  it("refuses an email the provider does not assert as verified, and writes nothing", async () => {
    const { owner, domain } = await orgWithDomain("unverified");
    await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain] } } });
    for (const over of [{ emailVerified: false }, { emailVerified: "true" }, { emailVerified: undefined }, { email: null }]) {
      await expectError(signInWithSso({ input: person(`x@${domain}`, over) }), "FORBIDDEN", { details: { reason: "SSO_EMAIL_UNVERIFIED" } });
    }
    expect(await db().user.count({ where: { email: `x@${domain}` } })).toBe(0);
  });

  it("does not re-add a removed member", async () => {
    const { org, domain, owner } = await orgWithDomain("removed");
    await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain] } } });
    const first = await signInWithSso({ input: person(`gone@${domain}`) });
    await removeMember({ ctx: owner, input: { membershipId: String(first.routed?.membershipId) } });
    const user = await db().user.findUniqueOrThrow({ where: { id: first.id } });
    const again = await signInWithSso({ input: { ...person(`gone@${domain}`), subject: user.ssoSubject } });
    expect(again.routed).toMatchObject({ outcome: "removed" });
    expect((await listMembers({ ctx: owner })).some((m) => m.userId === first.id)).toBe(false);
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });

  it("refuses another subject for a linked account, and ends a pending sign-up's password", async () => {
    const { domain } = await orgWithDomain("subject");
    const first = await signInWithSso({ input: person(`pat@${domain}`) });
    await expectError(signInWithSso({ input: person(`pat@${domain}`) }), "FORBIDDEN", { details: { reason: "SSO_IDENTITY_MISMATCH" } });
    const pending = await db().user.create({ data: { id: `usr_${randomToken(22)}`, email: `pending@${domain}`, name: "P", passwordHash: "scrypt$x", emailVerifiedAt: null } });
    await signInWithSso({ input: person(`pending@${domain}`) });
    expect(await db().user.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({ passwordHash: null, sessionVersion: 1 });
    expect(first.routed).toBeNull();
  });
});

describe("the signIn settings", () => {
  it("routes a domain to one org only (409 naming the field) and only the actor's own email domain (403)", async () => {
    const a = await orgWithDomain("claim-a");
    const b = await orgWithDomain("claim-b");
    await updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDomains: [a.domain] } } });
    // b's owner moves to a's domain and tries to route it too.
    await db().user.update({ where: { id: b.org.owner.userId }, data: { email: `other@${a.domain}` } });
    await expectError(updateOrgSettings({ ctx: b.owner, input: { signIn: { ssoDomains: [a.domain] } } }), "CONFLICT", {
      message: expect.stringMatching(/^signIn\.ssoDomains: .*another organization/),
    });
    await expectError(updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDomains: [a.domain, b.domain] } } }), "FORBIDDEN", {
      message: expect.stringMatching(/^signIn\.ssoDomains: /),
    });
    // An admin key acts with its member's email.
    const viaKey: Ctx = { ...a.owner, actor: { type: "adminKey", keyId: "key_x", userId: a.org.owner.userId, membershipId: a.org.owner.membershipId, role: "owner" } };
    await expectError(updateOrgSettings({ ctx: viaKey, input: { signIn: { ssoDomains: [a.domain, "elsewhere.test"] } } }), "FORBIDDEN", {
      message: expect.stringMatching(/your own email's domain \(claim-a-/),
    });
    await expectError(updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDomains: ["not a domain"] } } }), "VALIDATION", {
      message: expect.stringMatching(/signIn\.ssoDomains/),
    });
    await expectError(updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDefaultRole: "owner" } } }), "VALIDATION", {
      message: expect.stringMatching(/signIn\.ssoDefaultRole/),
    });
    // Nothing was written by the refusals: b has no domain, and a's is a's.
    expect(await db().orgSsoDomain.findMany({ where: { orgId: { in: [a.org.org.id, b.org.org.id] } }, select: { domain: true, orgId: true } })).toEqual([
      { domain: a.domain, orgId: a.org.org.id },
    ]);
    // Once a lets it go, b may route it.
    await updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDomains: [] } } });
    await updateOrgSettings({ ctx: b.owner, input: { signIn: { ssoDomains: [a.domain] } } });
    expect(await db().orgSsoDomain.findUnique({ where: { domain: a.domain } })).toMatchObject({ orgId: b.org.org.id });
    const changes = await db().auditEntry.findMany({ where: { orgId: a.org.org.id, type: "org.settings_changed" } });
    expect(changes.map((e) => JSON.parse(e.canonical).data.after.signIn.ssoDomains)).toEqual([[a.domain], []]);
  });

  it("requires SSO only when it cannot lock out whoever turns it on; a password session is then refused", async () => {
    const { org, domain, owner } = await orgWithDomain("required");
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoRequired: true } } }), "CONFLICT", {
      message: expect.stringMatching(/^signIn\.ssoRequired: route your own/),
    });
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain], ssoRequired: true } }, deps: { ssoConfigured: false } }), "CONFLICT", {
      message: expect.stringMatching(/^signIn\.ssoRequired: .*no single sign-on provider/),
    });
    await checkSessionSignInPolicy({ ctx: owner, signInMethod: "password" });
    const settings = await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain], ssoRequired: true } }, deps: { ssoConfigured: true } });
    expect(settings.signIn).toEqual({ ssoDomains: [domain], ssoDefaultRole: "viewer", ssoRequired: true });
    // Dropping one's own domain while SSO is required would lock one out.
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [] } } }), "CONFLICT", { message: expect.stringMatching(/^signIn\.ssoRequired/) });
    await expect
      .poll(() =>
        checkSessionSignInPolicy({ ctx: owner, signInMethod: "password" }).then(
          () => null,
          (e: unknown) => e,
        ),
      )
      .toMatchObject({ code: "FORBIDDEN", details: { reason: "SSO_REQUIRED" } });
    await checkSessionSignInPolicy({ ctx: owner, signInMethod: "sso" });
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });
});
