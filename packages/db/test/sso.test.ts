import { randomToken } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, db, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { signInWithSso } from "../src/accounts/sign-in-with-sso";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { listMembers } from "../src/members";
import { removeMember } from "../src/cascades";
import { checkSessionSignInPolicy } from "../src/orgs/sign-in-policy";
import { updateOrgSettings } from "../src/orgs/update-org-settings";
import { verifySsoDomain } from "../src/orgs/sso-domains";
import { addTestMember, createTestOrg, fakeDns, type TestOrg } from "../src/testing";

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

/** Sets the org's SSO domains and proves each through a DNS zone in memory. */
async function routeProved(owner: Ctx, domains: string[], extra: Record<string, unknown> = {}): Promise<void> {
  await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: domains, ...extra } } });
  const dns = fakeDns();
  for (const claim of await db().orgDomainClaim.findMany({ where: { orgId: owner.org.id } })) {
    dns.publish(`_gatehouse-challenge.${claim.domain}`, `gatehouse-domain-verification=${claim.token}`);
    await verifySsoDomain({ ctx: owner, input: { domain: claim.domain }, deps: { resolveTxt: dns.resolveTxt } });
  }
}

const person = (email: string, over: Record<string, unknown> = {}) => ({ issuer: ISSUER, subject: `sub-${randomToken(10)}`, email, emailVerified: true, name: "Pat", ...over });

async function expectError(promise: Promise<unknown>, code: string, match: Record<string, unknown> = {}): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code, ...match });
}

describe("signInWithSso", () => {
  it("creates the account and, for a routed domain, the membership with the org's default role, audited; the log verifies", async () => {
    const { org, domain, owner } = await orgWithDomain("jit");
    await routeProved(owner, [domain.toUpperCase()], { ssoDefaultRole: "approver" });
    const signedIn = await signInWithSso({ input: person(`New.Person@${domain}`) });
    expect(signedIn.email).toBe(`new.person@${domain}`);
    expect(signedIn.routed).toMatchObject({ orgId: org.org.id, outcome: "joined" });
    const user = await db().user.findUniqueOrThrow({ where: { id: signedIn.id }, omit: { passwordHash: false } });
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
    await routeProved(owner, [domain]);
    for (const over of [{ emailVerified: false }, { emailVerified: "true" }, { emailVerified: undefined }, { email: null }]) {
      await expectError(signInWithSso({ input: person(`x@${domain}`, over) }), "FORBIDDEN", { details: { reason: "SSO_EMAIL_UNVERIFIED" } });
    }
    expect(await db().user.count({ where: { email: `x@${domain}` } })).toBe(0);
  });

  it("does not re-add a removed member", async () => {
    const { org, domain, owner } = await orgWithDomain("removed");
    await routeProved(owner, [domain]);
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
    expect(await db().user.findUniqueOrThrow({ where: { id: pending.id }, omit: { passwordHash: false } })).toMatchObject({ passwordHash: null, sessionVersion: 1 });
    expect(first.routed).toBeNull();
  });
});

describe("the signIn settings", () => {
  it("a domain routes only once proved, to one org; bad values are a 400 naming the field; the changes are audited", async () => {
    const a = await orgWithDomain("claim-a");
    const b = await orgWithDomain("claim-b");
    // Anyone may claim any domain (their own or not): a claim routes nobody and blocks nobody.
    await updateOrgSettings({ ctx: b.owner, input: { signIn: { ssoDomains: [a.domain] } } });
    await routeProved(a.owner, [a.domain]);
    expect(await db().orgSsoDomain.findUnique({ where: { domain: a.domain } })).toMatchObject({ orgId: a.org.org.id });
    // b's claim cannot be proved now: it routes to a.
    await expect(verifySsoDomain({ ctx: b.owner, input: { domain: a.domain }, deps: { resolveTxt: fakeDns().resolveTxt } })).rejects.toMatchObject({ code: "CONFLICT" });
    await expectError(updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDomains: ["not a domain"] } } }), "VALIDATION", {
      message: expect.stringMatching(/signIn\.ssoDomains/),
    });
    await expectError(updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDefaultRole: "owner" } } }), "VALIDATION", {
      message: expect.stringMatching(/signIn\.ssoDefaultRole/),
    });
    // Once a lets it go, b may prove it.
    await updateOrgSettings({ ctx: a.owner, input: { signIn: { ssoDomains: [] } } });
    expect(await db().orgSsoDomain.findUnique({ where: { domain: a.domain } })).toBeNull();
    await routeProved(b.owner, [a.domain]);
    expect(await db().orgSsoDomain.findUnique({ where: { domain: a.domain } })).toMatchObject({ orgId: b.org.org.id });
    const changes = await db().auditEntry.findMany({ where: { orgId: a.org.org.id, type: { in: ["org.settings_changed", "org.sso_domain_verified"] } }, orderBy: { seq: "asc" } });
    expect(changes.map((e) => [e.type, JSON.parse(e.canonical).data.after?.signIn.ssoDomains ?? JSON.parse(e.canonical).data.domain])).toEqual([
      ["org.settings_changed", [a.domain]],
      ["org.sso_domain_verified", a.domain],
      ["org.settings_changed", []],
    ]);
  });

  it("requires SSO only when it cannot lock out whoever turns it on; a member's password session is then refused, an owner's is not", async () => {
    const { org, domain, owner } = await orgWithDomain("required");
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoRequired: true } } }), "CONFLICT", {
      message: expect.stringMatching(/^signIn\.ssoRequired: prove your own/),
    });
    // Claimed is not enough: the domain must be proved.
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain], ssoRequired: true } } }), "CONFLICT", {
      message: expect.stringMatching(/^signIn\.ssoRequired: prove your own/),
    });
    await routeProved(owner, [domain]);
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoRequired: true } }, deps: { ssoConfigured: false } }), "CONFLICT", {
      message: expect.stringMatching(/^signIn\.ssoRequired: .*no single sign-on provider/),
    });
    const member = await addTestMember(org, "admin");
    const memberCtx: Ctx = { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: "admin" }, requestId: "t" };
    await checkSessionSignInPolicy({ ctx: memberCtx, signInMethod: "password" });
    const settings = await updateOrgSettings({ ctx: owner, input: { signIn: { ssoRequired: true } }, deps: { ssoConfigured: true } });
    expect(settings.signIn).toEqual({ ssoDomains: [domain], ssoDefaultRole: "viewer", ssoRequired: true });
    // Dropping one's own domain while SSO is required would lock one out.
    await expectError(updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [] } } }), "CONFLICT", { message: expect.stringMatching(/^signIn\.ssoRequired/) });
    await expect
      .poll(() =>
        checkSessionSignInPolicy({ ctx: memberCtx, signInMethod: "password" }).then(
          () => null,
          (e: unknown) => e,
        ),
      )
      .toMatchObject({ code: "FORBIDDEN", details: { reason: "SSO_REQUIRED" } });
    await checkSessionSignInPolicy({ ctx: memberCtx, signInMethod: "sso" });
    // Owners keep their password: the way in when the identity provider fails.
    await checkSessionSignInPolicy({ ctx: owner, signInMethod: "password" });
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });
});
