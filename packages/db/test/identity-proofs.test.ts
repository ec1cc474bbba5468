import { hashPassword, randomToken, type MemberRole } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeSignals, db, disconnectDb } from "../src";
import { signInWithSso } from "../src/accounts/sign-in-with-sso";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { acceptInvitation, createInvitation, getInvitationByToken, listInvitations } from "../src/invitations";
import { invitationEmail } from "../src/invitations/invitation-email";
import { changeMemberRole, leaveOrg, removeMember } from "../src/cascades";
import { authenticateUser } from "../src/orgs/authenticate-user";
import { closeOrg } from "../src/cascades/close-org";
import { checkSessionSignInPolicy } from "../src/orgs/sign-in-policy";
import { listSsoDomains, verifySsoDomain } from "../src/orgs/sso-domains";
import { updateOrgSettings } from "../src/orgs/update-org-settings";
import { addTestMember, createTestOrg, fakeDns, invitationTokenFromOutbox, type TestMember, type TestOrg } from "../src/testing";

// Who proved an address, and how (ADR 0012, "Who proved it"): invitation tokens reach the invitee's
// mailbox only and die with their inviter's rank; domains route only once proved by DNS; single
// sign-on's first proof of an address removes what someone else set up on it; owners keep a way in.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const ISSUER = "https://idp.example.test";
const PASSWORD = "a good long password";

function asMember(org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "test" };
}
const ownerOf = (org: TestOrg) => asMember(org, { userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" });
const person = (email: string) => ({ issuer: ISSUER, subject: `sub-${randomToken(10)}`, email, emailVerified: true, name: "Pat" });
const unique = (label: string) => `${label}-${randomToken(8).toLowerCase()}`;

/** A fresh org whose owner's email is at a domain of its own. */
async function orgAt(label: string): Promise<{ org: TestOrg; domain: string; owner: Ctx }> {
  const org = await createTestOrg({ label });
  const domain = `${unique(label)}.test`;
  await db().user.update({ where: { id: org.owner.userId }, data: { email: `owner@${domain}` } });
  return { org, domain, owner: ownerOf(org) };
}

/** Claims `domain` for the org and publishes the record `dns` answers; answers the record. */
async function claim(owner: Ctx, domain: string): Promise<{ name: string; value: string }> {
  await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [domain] } } });
  const found = (await listSsoDomains({ ctx: owner })).domains.find((d) => d.domain === domain);
  if (!found) throw new Error(`${domain} was not claimed`);
  return found.record;
}

async function proveDomain(owner: Ctx, domain: string): Promise<void> {
  const dns = fakeDns();
  const record = await claim(owner, domain);
  dns.publish(record.name, record.value);
  await verifySsoDomain({ ctx: owner, input: { domain }, deps: { resolveTxt: dns.resolveTxt } });
}

async function invite(ctx: Ctx, email: string, role: MemberRole): Promise<{ id: string; token: string }> {
  const created = await createInvitation({ ctx, input: { body: { email, role } } });
  return { id: created.invitation.id, token: await invitationTokenFromOutbox(email) };
}

describe("invitation tokens reach the invitee's mailbox only", () => {
  it("no answer, listing, audit entry or preview of the org holds the token; the mail does", async () => {
    const org = await createTestOrg({ label: "tok" });
    const email = `${unique("tok")}@example.test`;
    const created = await createInvitation({ ctx: ownerOf(org), input: { body: { email, role: "admin" }, idempotencyKey: "tok-1" } });
    const retried = await createInvitation({ ctx: ownerOf(org), input: { body: { email, role: "admin" }, idempotencyKey: "tok-1" } });
    const token = await invitationTokenFromOutbox(email);
    const secret = token.slice("gh_invite_".length);
    const places: Array<[string, unknown]> = [
      ["the create answer", created],
      ["the retried create answer", retried],
      ["the listing", await listInvitations({ ctx: org.ctx })],
      ["the audit log", await db().auditEntry.findMany({ where: { orgId: org.org.id } })],
      ["the invitation row", await db().invitation.findMany({ where: { orgId: org.org.id } })],
    ];
    for (const [where, value] of places)
      expect(
        JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
        where,
      ).not.toContain(secret);
    expect(created).toEqual({ invitation: expect.objectContaining({ email }), emailSent: true });
  });

  it("accepting proves the mailbox: the new account's email is verified", async () => {
    const org = await createTestOrg({ label: "tokver" });
    const email = `${unique("ver")}@example.test`;
    const { token } = await invite(ownerOf(org), email, "viewer");
    const accepted = await acceptInvitation({ input: { token, newAccount: { name: "V", password: PASSWORD } } });
    const user = await db().user.findUniqueOrThrow({ where: { id: accepted.userId } });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await authenticateUser({ input: { email, password: PASSWORD } })).toMatchObject({ id: accepted.userId });
  });
});

describe("an invitation dies with its inviter's rank", () => {
  // Each row: the inviter's role, the role they invite with, and what happens to the inviter.
  const CASES: Array<{ name: string; inviter: MemberRole; invited: MemberRole; lose: (org: TestOrg, inviter: TestMember) => Promise<unknown>; dies: boolean }> = [
    { name: "removed", inviter: "admin", invited: "viewer", lose: (org, m) => removeMember({ ctx: ownerOf(org), input: { membershipId: m.membershipId } }), dies: true },
    { name: "left", inviter: "admin", invited: "viewer", lose: (org, m) => leaveOrg({ ctx: asMember(org, m) }), dies: true },
    {
      name: "demoted below members.manage",
      inviter: "admin",
      invited: "viewer",
      lose: (org, m) => changeMemberRole({ ctx: ownerOf(org), input: { membershipId: m.membershipId, body: { role: "approver" } } }),
      dies: true,
    },
    {
      name: "demoted below the invited role",
      inviter: "owner",
      invited: "owner",
      lose: (org, m) => changeMemberRole({ ctx: ownerOf(org), input: { membershipId: m.membershipId, body: { role: "admin" } } }),
      dies: true,
    },
    {
      name: "demoted, still ranking the invited role (control)",
      inviter: "owner",
      invited: "admin",
      lose: (org, m) => changeMemberRole({ ctx: ownerOf(org), input: { membershipId: m.membershipId, body: { role: "admin" } } }),
      dies: false,
    },
    { name: "org closed", inviter: "admin", invited: "viewer", lose: (org) => closeOrg({ ctx: ownerOf(org), input: { confirm: org.org.slug } }), dies: true },
  ];

  for (const row of CASES) {
    it(`${row.name} → ${row.dies ? "revoked at that moment; acceptance refused" : "still works"}`, async () => {
      const org = await createTestOrg({ label: "inv-rank" });
      const inviter = await addTestMember(org, row.inviter);
      const email = `${unique("puppet")}@example.test`;
      const { id, token } = await invite(asMember(org, inviter), email, row.invited);
      await row.lose(org, inviter);
      const stored = await db().invitation.findUniqueOrThrow({ where: { id } });
      expect(stored.revokedAt !== null).toBe(row.dies);
      const accepting = acceptInvitation({ input: { token, newAccount: { name: "P", password: PASSWORD } } });
      if (row.dies) {
        await expect(accepting).rejects.toMatchObject({ code: "CONFLICT", details: { reason: "revoked" } });
        expect((await getInvitationByToken({ token })).status).toBe("revoked");
        if (row.name !== "org closed") {
          const entry = await db().auditEntry.findFirst({ where: { orgId: org.org.id, type: "invitation.revoked", subjectId: id } });
          expect(JSON.parse(entry?.canonical ?? "{}").data.reason).toMatch(/^inviter/);
        }
      } else {
        await expect(accepting).resolves.toMatchObject({ role: row.invited });
      }
      expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
    });
  }

  it("acceptance re-checks the inviter even when nothing revoked the invitation (a rank lost by another path)", async () => {
    const org = await createTestOrg({ label: "inv-recheck" });
    const inviter = await addTestMember(org, "admin");
    const email = `${unique("recheck")}@example.test`;
    const { token } = await invite(asMember(org, inviter), email, "admin");
    await db().membership.update({ where: { id: inviter.membershipId }, data: { role: "viewer" } });
    await expect(acceptInvitation({ input: { token, newAccount: { name: "R", password: PASSWORD } } })).rejects.toMatchObject({ code: "CONFLICT", details: { reason: "revoked" } });
    await db().membership.update({ where: { id: inviter.membershipId }, data: { role: "admin", removedAt: new Date() } });
    await expect(acceptInvitation({ input: { token, newAccount: { name: "R", password: PASSWORD } } })).rejects.toMatchObject({ code: "CONFLICT", details: { reason: "revoked" } });
    expect(await db().user.count({ where: { email } })).toBe(0);
  });
});

describe("invitation mail", () => {
  it("is limited per sender and per org: 429 naming the limit, with Retry-After", async () => {
    const org = await createTestOrg({ label: "inv-limit" });
    const [a, b] = [await addTestMember(org, "admin"), await addTestMember(org, "admin")];
    const limits = { perOrg: 3, perSender: 2, windowSeconds: 3600 };
    const send = (m: TestMember) => createInvitation({ ctx: asMember(org, m), input: { body: { email: `${unique("spam")}@example.test`, role: "viewer" } }, deps: { limits } });
    await send(a);
    await send(a);
    await expect(send(a)).rejects.toMatchObject({
      code: "RATE_LIMITED",
      retryAfterSeconds: 3600,
      details: { limit: "perSender", max: 2 },
      message: expect.stringMatching(/2 per sender/),
    });
    await send(b);
    await expect(send(b)).rejects.toMatchObject({ code: "RATE_LIMITED", details: { limit: "perOrg", max: 3 }, message: expect.stringMatching(/3 per organization/) });
    // Nothing was sent past the limit: three mails, three invitations.
    expect(await db().invitation.count({ where: { orgId: org.org.id } })).toBe(3);
  });

  // What an inviter chooses (the org's name, their own) → what the mail shows: quoted, one line, capped, no live link; the subject never changes.
  const NAMES: Array<[string, string, RegExp]> = [
    ["a link", "Acme — verify at https://evil.example/login", /"Acme — verify at https\[:\]\/\/evil\.example\/login"/],
    ["a bare www link", "see www.evil.example now", /"see www\[\.\]evil\.example now"/],
    ["new lines", "Acme\n\nURGENT: reply with your password\r\nIT desk", /"Acme URGENT: reply with your password IT desk"/],
    ["quotes", 'Acme" and "more', /"Acme' and 'more"/],
    ["a long text", "x".repeat(500), new RegExp(`"${"x".repeat(59)}…"`)],
  ];
  for (const [what, name, shown] of NAMES) {
    it(`an org or inviter name with ${what}`, () => {
      for (const mail of [
        invitationEmail({ orgName: name, inviterName: "Ada", role: "viewer", acceptUrl: "https://c.example/invite/t", expiresAt: new Date("2026-12-01T00:00:00Z") }),
        invitationEmail({ orgName: "Acme", inviterName: name, role: "viewer", acceptUrl: "https://c.example/invite/t", expiresAt: new Date("2026-12-01T00:00:00Z") }),
      ]) {
        expect(mail.subject).toBe("You are invited to an organization on Gatehouse");
        expect(mail.text).toMatch(shown);
        expect(mail.text).not.toContain("https://evil");
        expect(mail.text.split("\n").filter((line) => line.includes("password")).length).toBeLessThanOrEqual(2);
      }
    });
  }
});

describe("SSO domains need proof", () => {
  /** Each row sets up the world, then a person at the domain signs in with SSO: which org (if any) do they join? */
  const CASES: Array<{
    name: string;
    routesTo: "claimant" | "prover" | "nobody";
    setUp: (ctx: { claimant: Awaited<ReturnType<typeof orgAt>>; rival: Awaited<ReturnType<typeof orgAt>>; domain: string }) => Promise<void>;
  }> = [
    { name: "claimed, never proved", routesTo: "nobody", setUp: async ({ claimant, domain }) => void (await claim(claimant.owner, domain)) },
    {
      name: "a wrong TXT value",
      routesTo: "nobody",
      setUp: async ({ claimant, domain }) => {
        const dns = fakeDns();
        const record = await claim(claimant.owner, domain);
        dns.publish(record.name, "gatehouse-domain-verification=not-the-token");
        await expect(verifySsoDomain({ ctx: claimant.owner, input: { domain }, deps: { resolveTxt: dns.resolveTxt } })).rejects.toMatchObject({
          code: "CONFLICT",
          details: { issues: [{ path: "domain" }] },
        });
      },
    },
    {
      name: "the TXT record of another org's claim",
      routesTo: "nobody",
      setUp: async ({ claimant, rival, domain }) => {
        const dns = fakeDns();
        await claim(claimant.owner, domain);
        const theirs = await claim(rival.owner, domain);
        dns.publish(theirs.name, theirs.value);
        await expect(verifySsoDomain({ ctx: claimant.owner, input: { domain }, deps: { resolveTxt: dns.resolveTxt } })).rejects.toMatchObject({ code: "CONFLICT" });
      },
    },
    {
      name: "no record at all (NXDOMAIN) or a failing resolver",
      routesTo: "nobody",
      setUp: async ({ claimant, domain }) => {
        const dns = fakeDns();
        const record = await claim(claimant.owner, domain);
        await expect(verifySsoDomain({ ctx: claimant.owner, input: { domain }, deps: { resolveTxt: dns.resolveTxt } })).rejects.toMatchObject({
          code: "CONFLICT",
          message: expect.stringMatching(/ENOTFOUND/),
        });
        dns.fail(record.name, "ESERVFAIL");
        await expect(verifySsoDomain({ ctx: claimant.owner, input: { domain }, deps: { resolveTxt: dns.resolveTxt } })).rejects.toMatchObject({
          code: "CONFLICT",
          message: expect.stringMatching(/ESERVFAIL/),
        });
      },
    },
    {
      name: "a squatter claimed first, the real company proved it",
      routesTo: "prover",
      setUp: async ({ claimant, rival, domain }) => {
        await claim(claimant.owner, domain);
        await proveDomain(rival.owner, domain);
      },
    },
    {
      name: "proved by the claimant",
      routesTo: "claimant",
      setUp: async ({ claimant, domain }) => proveDomain(claimant.owner, domain),
    },
    {
      name: "proved by an org that was then closed",
      routesTo: "nobody",
      setUp: async ({ claimant, domain }) => {
        await proveDomain(claimant.owner, domain);
        await closeOrg({ ctx: claimant.owner, input: { confirm: claimant.org.org.slug } });
      },
    },
    {
      name: "proved by a closed org, then by the real company",
      routesTo: "prover",
      setUp: async ({ claimant, rival, domain }) => {
        await proveDomain(claimant.owner, domain);
        await closeOrg({ ctx: claimant.owner, input: { confirm: claimant.org.org.slug } });
        await proveDomain(rival.owner, domain);
      },
    },
  ];

  for (const row of CASES) {
    it(`${row.name} → ${row.routesTo === "nobody" ? "routes nobody" : `routes to the ${row.routesTo}`}`, async () => {
      const claimant = await orgAt("squat");
      const rival = await orgAt("real");
      const domain = `${unique("corp")}.test`;
      await row.setUp({ claimant, rival, domain });
      const signedIn = await signInWithSso({ input: person(`someone@${domain}`) });
      const expected = row.routesTo === "claimant" ? claimant.org.org.id : row.routesTo === "prover" ? rival.org.org.id : null;
      expect(signedIn.routed?.orgId ?? null).toBe(expected);
      if (expected === null) expect(await db().membership.count({ where: { userId: signedIn.id } })).toBe(0);
    });
  }

  it("another org's proof blocks a later claim (409 naming the field); a public mail domain is refused (400 naming the item)", async () => {
    const real = await orgAt("holder");
    const other = await orgAt("latecomer");
    const domain = `${unique("held")}.test`;
    await proveDomain(real.owner, domain);
    await expect(updateOrgSettings({ ctx: other.owner, input: { signIn: { ssoDomains: [domain] } } })).rejects.toMatchObject({
      code: "CONFLICT",
      details: { issues: [{ path: "signIn.ssoDomains" }] },
    });
    for (const publicDomain of ["gmail.com", "outlook.com", "GMAIL.COM", "mail.yahoo.com", "proton.me"]) {
      await expect(updateOrgSettings({ ctx: other.owner, input: { signIn: { ssoDomains: [other.domain, publicDomain] } } }), publicDomain).rejects.toMatchObject({
        code: "VALIDATION",
        details: { issues: [{ path: "signIn.ssoDomains.1", message: expect.stringMatching(/public mail domain/) }] },
      });
    }
    expect(await db().orgDomainClaim.count({ where: { orgId: other.org.org.id } })).toBe(0);
  });

  it("verifying needs settings.write and a claimed domain (404); a dropped domain stops routing", async () => {
    const { org, domain, owner } = await orgAt("dropped");
    const viewer = await addTestMember(org, "viewer");
    await expect(verifySsoDomain({ ctx: asMember(org, viewer), input: { domain } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(verifySsoDomain({ ctx: owner, input: { domain } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await proveDomain(owner, domain);
    expect((await listSsoDomains({ ctx: owner })).domains).toEqual([expect.objectContaining({ domain, status: "verified" })]);
    await updateOrgSettings({ ctx: owner, input: { signIn: { ssoDomains: [] } } });
    expect((await signInWithSso({ input: person(`later@${domain}`) })).routed).toBeNull();
    expect((await verifyAuditLog({ ctx: org.ctx })).valid).toBe(true);
  });
});

describe("SSO's first proof of an address", () => {
  /**
   * Each row leaves an account for victim@<domain> in some state, then the victim signs in with SSO
   * for the first time. `dropped` says whether the password set before must stop working.
   */
  const CASES: Array<{ name: string; dropped: boolean; setUp: (attacker: TestOrg, email: string) => Promise<void> }> = [
    {
      name: "password chosen by whoever accepted an invitation to the address (the inviter, holding a leaked link)",
      dropped: true,
      setUp: async (attacker, email) => {
        const { token } = await invite(ownerOf(attacker), email, "admin");
        await acceptInvitation({ input: { token, newAccount: { name: "Victim", password: PASSWORD } } });
      },
    },
    {
      name: "password of a self-service sign-up never verified",
      dropped: true,
      setUp: async (_attacker, email) => {
        await db().user.create({ data: { id: `usr_${randomToken(22)}`, email, name: "Pending", passwordHash: await hashPassword(PASSWORD), emailVerifiedAt: null } });
      },
    },
    {
      name: "password the address's owner set through a mailed reset link (control)",
      dropped: false,
      setUp: async (_attacker, email) => {
        await db().user.create({ data: { id: `usr_${randomToken(22)}`, email, name: "Owner", passwordHash: await hashPassword(PASSWORD), passwordUnproved: false } });
      },
    },
  ];

  for (const row of CASES) {
    it(`${row.name} → ${row.dropped ? "removed, with every session" : "kept"}`, async () => {
      const attacker = await createTestOrg({ label: "hijack" });
      const email = `victim@${unique("victim")}.test`;
      await row.setUp(attacker, email);
      const before = await db().user.findUniqueOrThrow({ where: { email } });
      const signedIn = await signInWithSso({ input: person(email) });
      const after = await db().user.findUniqueOrThrow({ where: { id: signedIn.id }, omit: { passwordHash: false } });
      expect(signedIn.dropped.password).toBe(row.dropped);
      if (row.dropped) {
        expect(after.passwordHash).toBeNull();
        expect(after.sessionVersion).toBe(before.sessionVersion + 1);
        expect(await authenticateUser({ input: { email, password: PASSWORD } })).toBeNull();
      } else {
        expect(await authenticateUser({ input: { email, password: PASSWORD } })).toMatchObject({ id: signedIn.id });
      }
    });
  }

  it("memberships from invitations accepted without other proof are ended; a routed org takes the person back with its default role; others stay", async () => {
    const attacker = await createTestOrg({ label: "puppets" });
    const company = await orgAt("company");
    await proveDomain(company.owner, company.domain);
    await updateOrgSettings({ ctx: company.owner, input: { signIn: { ssoDefaultRole: "viewer" } } });
    const email = `victim@${company.domain}`;
    // The attacker holds the links: the victim's address joins the attacker's org as admin, and the company's as admin (an admin of the company invited it).
    const companyAdmin = await addTestMember(company.org, "admin");
    const first = await invite(ownerOf(attacker), email, "admin");
    const accepted = await acceptInvitation({ input: { token: first.token, newAccount: { name: "Puppet", password: PASSWORD } } });
    const second = await invite(asMember(company.org, companyAdmin), email, "admin");
    const inCompany = await acceptInvitation({ input: { token: second.token, user: { id: accepted.userId } } });
    // An org that added the account directly (an operator, say) is not touched.
    const kept = await createTestOrg({ label: "kept" });
    const keptMembership = await db().membership.create({ data: { id: `mem_${randomToken(22)}`, orgId: kept.org.id, userId: accepted.userId, role: "approver" } });

    const signedIn = await signInWithSso({ input: person(email) });
    expect(signedIn.dropped.memberships.map((m) => m.orgId).sort()).toEqual([attacker.org.id, company.org.org.id].sort());
    expect(await db().membership.findUniqueOrThrow({ where: { id: accepted.membershipId } })).toMatchObject({ removedAt: expect.any(Date) });
    // The company's proved domain takes the victim back, with its default role (not the attacker-chosen admin).
    expect(signedIn.routed).toMatchObject({ orgId: company.org.org.id, membershipId: inCompany.membershipId, outcome: "joined" });
    expect(await db().membership.findUniqueOrThrow({ where: { id: inCompany.membershipId } })).toMatchObject({ role: "viewer", removedAt: null });
    expect(await db().membership.findUniqueOrThrow({ where: { id: keptMembership.id } })).toMatchObject({ removedAt: null, role: "approver" });
    const removal = await db().auditEntry.findFirst({ where: { orgId: attacker.org.id, type: "member.removed", subjectId: accepted.membershipId } });
    expect(JSON.parse(removal?.canonical ?? "{}").data).toMatchObject({ reason: "sso_first_proof" });
    expect((await verifyAuditLog({ ctx: attacker.ctx })).valid).toBe(true);
    expect((await verifyAuditLog({ ctx: company.org.ctx })).valid).toBe(true);
    // A second SSO sign-in changes nothing more.
    const again = await signInWithSso({ input: { ...person(email), subject: (await db().user.findUniqueOrThrow({ where: { id: signedIn.id } })).ssoSubject } });
    expect(again.dropped).toEqual({ password: false, memberships: [] });
  });

  it("a member with a proved account who accepts an invitation keeps that membership through SSO", async () => {
    const org = await createTestOrg({ label: "proved" });
    const member = await addTestMember(await createTestOrg({ label: "home" }), "viewer");
    const { token } = await invite(ownerOf(org), member.email, "approver");
    const accepted = await acceptInvitation({ input: { token, user: { id: member.userId } } });
    const signedIn = await signInWithSso({ input: person(member.email) });
    expect(signedIn.dropped.memberships).toEqual([]);
    expect(await db().membership.findUniqueOrThrow({ where: { id: accepted.membershipId } })).toMatchObject({ removedAt: null });
  });
});

describe("owners keep a way in when SSO is required", () => {
  it("password sessions: owners pass, others are refused; an admin cannot require SSO without a proved domain of their own", async () => {
    const { org, domain, owner } = await orgAt("required");
    const admin = await addTestMember(org, "admin");
    await db().user.update({ where: { id: admin.userId }, data: { email: `admin@${unique("elsewhere")}.test` } });
    await proveDomain(owner, domain);
    // The admin's own domain is not proved here: they would lock themselves out.
    await expect(updateOrgSettings({ ctx: asMember(org, admin), input: { signIn: { ssoRequired: true } } })).rejects.toMatchObject({
      code: "CONFLICT",
      details: { issues: [{ path: "signIn.ssoRequired" }] },
    });
    await updateOrgSettings({ ctx: owner, input: { signIn: { ssoRequired: true } } });
    const ownerCtx = owner;
    const table: Array<[string, Ctx, "password" | "sso", boolean]> = [
      ["owner, password", ownerCtx, "password", true],
      ["owner, SSO", ownerCtx, "sso", true],
      ["admin, password", asMember(org, admin), "password", false],
      ["admin, SSO", asMember(org, admin), "sso", true],
    ];
    for (const [name, ctx, method, allowed] of table) {
      await expect
        .poll(
          () =>
            checkSessionSignInPolicy({ ctx, signInMethod: method }).then(
              () => "allowed",
              (e: { details?: { reason?: string } }) => e.details?.reason ?? "error",
            ),
          { message: name },
        )
        .toBe(allowed ? "allowed" : "SSO_REQUIRED");
    }
  });
});
