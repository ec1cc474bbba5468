import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  authenticateApiKey,
  changeMemberRole,
  changeOrgSettings,
  closeSignals,
  db,
  decideAction,
  decideApproval,
  disconnectDb,
  getApproval,
  grantFromApproval,
  isDomainError,
  removeMember,
  setHandover,
  type Ctx,
} from "../src";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

// The attacker's cases of separation of duties (docs/approvals.md, Who may decide), each run end to end
// through the services every channel calls: a standing grant stretched past what its giver could
// approve, or outliving them; a hand-over counting one person twice, or reaching a role that could not
// approve; a requester hidden by the content rules approving their own request by every path.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const HOUR = 3_600_000;
const inAnHour = () => new Date(Date.now() + HOUR).toISOString();

/** The member acting in the console (a signed-in session). */
function asMember(org: TestOrg, m: TestMember): Ctx {
  return { org: org.org, actor: { type: "user", userId: m.userId, membershipId: m.membershipId, role: m.role }, requestId: "sod" };
}
/** The member acting with their admin key (the API, the CLI, the SDK's admin client). */
async function withKey(m: TestMember): Promise<Ctx> {
  return { ...(await authenticateApiKey(m.apiKey)), requestId: "sod" };
}
async function agentOf(org: TestOrg): Promise<Ctx> {
  return { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "sod" };
}
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return isDomainError(error) ? error.code : `thrown: ${String(error)}`;
  }
}
async function statusOf(org: TestOrg, approvalId: string): Promise<string> {
  return (await getApproval({ ctx: org.ctx, input: { approvalId } })).status;
}

/** Payments: small ones need one approver, large ones two owners. */
const payments = [
  {
    name: "small-payments",
    actions: ["payment.send"],
    when: { field: "metadata.amount", op: "lte", value: 100 },
    effect: "require_approval",
    approval: { quorum: 1, approverRoles: ["approver", "admin", "owner"], timeoutSeconds: 3600 },
  },
  {
    name: "large-payments-two-owners",
    actions: ["payment.send"],
    when: { field: "metadata.amount", op: "gt", value: 100_000 },
    effect: "require_approval",
    approval: { quorum: 2, approverRoles: ["owner"], timeoutSeconds: 3600 },
  },
];

describe("standing grants are bounded by their giver", () => {
  async function grantedOrg(label: string) {
    const org = await createTestOrg({ label, policies: payments });
    const approver = await addTestMember(org, "approver", `${label}-approver`);
    const agent = await agentOf(org);
    const small = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 5, currency: "EUR" } } });
    expect(small.status).toBe("requested");
    const granted = await grantFromApproval({
      ctx: asMember(org, approver),
      input: { approvalId: small.approvalId as string, body: { durationSeconds: 3600, uses: 100, match: { currency: "EUR" } } },
    });
    expect(granted.approval.status).toBe("approved");
    return { org, approver, agent };
  }

  it("never covers a call held by a rule its giver alone could not satisfy (two owners)", async () => {
    const { agent } = await grantedOrg("grant-quorum");
    const large = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 1_000_000, currency: "EUR" } } });
    expect(large.status).toBe("requested");
    expect(large.grant).toBeUndefined();
    // What the giver could approve alone is still covered.
    const next = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 6, currency: "EUR" } } });
    expect(next.status).toBe("executed");
    expect(next.grant?.id).toBeTruthy();
  });

  it("ends when its giver leaves the org, recorded; the next call waits for a person", async () => {
    const { org, approver, agent } = await grantedOrg("grant-removed");
    await removeMember({ ctx: org.ctx, input: { membershipId: approver.membershipId } });
    const after = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 7, currency: "EUR" } } });
    expect(after.status).toBe("requested");
    const large = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 2_000_000, currency: "EUR" } } });
    expect(large.status).toBe("requested");
    const ended = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "grant.revoked" } });
    expect(ended.map((e) => e.canonical).join("\n")).toContain('"reason":"grantor_removed"');
  });

  it("takes a use only for a call its batch records undenied: a call found halted at commit keeps the grant's uses", async () => {
    const { org, agent } = await grantedOrg("grant-halted-at-commit");
    const covered = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 9, currency: "EUR" } } });
    expect(covered).toMatchObject({ status: "executed", grant: { usesLeft: 99 } });
    // Halted behind the process's agent snapshot (no signal): the decision's steps see it active, its batch sees it halted.
    await db().$executeRaw`UPDATE agents SET status = 'halted' WHERE id = ${org.agent.id}`;
    const halted = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 10, currency: "EUR" } } });
    expect(halted).toMatchObject({ status: "denied", denialReason: "AGENT_HALTED" });
    expect(halted.grant).toBeUndefined();
    const [grant] = await db().$queryRaw<Array<{ uses: number }>>`SELECT uses FROM standing_grants WHERE org_id = ${org.org.id}`;
    expect(grant?.uses).toBe(1);
  });

  it("ends when its giver loses the role it rested on", async () => {
    const { org, approver, agent } = await grantedOrg("grant-demoted");
    await changeMemberRole({ ctx: org.ctx, input: { membershipId: approver.membershipId, body: { role: "viewer" } } });
    const after = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 8, currency: "EUR" } } });
    expect(after.status).toBe("requested");
    const ended = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "grant.revoked" } });
    expect(ended.map((e) => e.canonical).join("\n")).toContain('"reason":"grantor_role_changed"');
  });

  it("must name arguments: an empty match is refused, naming the field", async () => {
    const org = await createTestOrg({ label: "grant-empty", policies: payments });
    const approver = await addTestMember(org, "approver", "grant-empty-approver");
    const small = await decideAction({ ctx: await agentOf(org), input: { actionType: "payment.send", metadata: { amount: 5, currency: "EUR" } } });
    const refused = await grantFromApproval({ ctx: asMember(org, approver), input: { approvalId: small.approvalId as string, body: { durationSeconds: 3600, match: {} } } }).catch(
      (e: unknown) => e,
    );
    expect(isDomainError(refused) && refused.code).toBe("VALIDATION");
    expect(JSON.stringify((refused as { details?: unknown }).details)).toContain("match");
    expect(await statusOf(org, small.approvalId as string)).toBe("pending");
  });
});

describe("a hand-over counts one person once", () => {
  const ownersOnly = [
    { name: "deploys-need-two-owners", actions: ["deploy.prod"], effect: "require_approval", approval: { quorum: 2, approverRoles: ["owner"], timeoutSeconds: 3600 } },
  ];

  it("one owner and a viewer holding their queue never meet an owners-only quorum of two", async () => {
    const org = await createTestOrg({ label: "handover-viewer", policies: ownersOnly });
    const owner = await addTestMember(org, "owner", "handover-owner");
    const viewer = await addTestMember(org, "viewer", "handover-viewer");
    const agent = await agentOf(org);
    const handover = await codeOf(setHandover({ ctx: asMember(org, owner), input: { toMemberId: viewer.membershipId, until: inAnHour() } }));
    expect(handover).toBe("VALIDATION");
    const { approvalId } = await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { service: "web" } } });
    await decideApproval({ ctx: asMember(org, owner), input: { approvalId: approvalId as string, body: { decision: "approve" } } });
    await codeOf(decideApproval({ ctx: asMember(org, viewer), input: { approvalId: approvalId as string, body: { decision: "approve" } } }));
    expect(await statusOf(org, approvalId as string)).toBe("pending");
  });

  it("goes only to a colleague whose role ranks at least as high", async () => {
    const org = await createTestOrg({ label: "handover-rank", policies: ownersOnly });
    const owner = await addTestMember(org, "owner", "rank-owner");
    const admin = await addTestMember(org, "admin", "rank-admin");
    expect(await codeOf(setHandover({ ctx: asMember(org, owner), input: { toMemberId: admin.membershipId, until: inAnHour() } }))).toBe("VALIDATION");
    expect(await codeOf(setHandover({ ctx: asMember(org, admin), input: { toMemberId: owner.membershipId, until: inAnHour() } }))).toBe("ok");
  });

  it("the stand-in votes as the absent member: one vote between them, in either order", async () => {
    const org = await createTestOrg({ label: "handover-once" });
    const [first, second, standIn] = [
      await addTestMember(org, "approver", "named-first"),
      await addTestMember(org, "approver", "named-second"),
      await addTestMember(org, "approver", "stand-in"),
    ];
    // Two named approvers must both agree; the policy's roles alone admit nobody else.
    const { applyPolicies } = await import("../src");
    await applyPolicies({
      ctx: org.ctx,
      input: {
        policies: [
          {
            name: "named-pair",
            actions: ["deploy.prod"],
            effect: "require_approval",
            approval: { quorum: 2, approverRoles: ["owner"], approvers: [first.membershipId, second.membershipId], timeoutSeconds: 3600 },
          },
        ],
      },
    });
    await setHandover({ ctx: asMember(org, first), input: { toMemberId: standIn.membershipId, until: inAnHour() } });
    const agent = await agentOf(org);
    // The absent member votes, then their stand-in: the stand-in's vote is theirs, already cast.
    const a = (await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { n: 1 } } })).approvalId as string;
    await decideApproval({ ctx: asMember(org, first), input: { approvalId: a, body: { decision: "approve" } } });
    expect(await codeOf(decideApproval({ ctx: asMember(org, standIn), input: { approvalId: a, body: { decision: "approve" } } }))).not.toBe("ok");
    expect(await statusOf(org, a)).toBe("pending");
    // The stand-in first, then the absent member through their own key: the same one vote.
    const b = (await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { n: 2 } } })).approvalId as string;
    expect((await decideApproval({ ctx: asMember(org, standIn), input: { approvalId: b, body: { decision: "approve" } } })).status).toBe("pending");
    expect(await codeOf(decideApproval({ ctx: await withKey(first), input: { approvalId: b, body: { decision: "approve" } } }))).not.toBe("ok");
    expect(await statusOf(org, b)).toBe("pending");
    // With the second named approver, two distinct people: approved.
    expect((await decideApproval({ ctx: asMember(org, second), input: { approvalId: b, body: { decision: "approve" } } })).status).toBe("approved");
  });
});

describe("the requester is recognised under every content setting", () => {
  for (const personalData of ["off", "flag", "redact"] as const) {
    it(`personalData: ${personalData} — the requester approves by no path`, async () => {
      const label = `requester-${personalData}`;
      const org = await createTestOrg({
        label,
        policies: [{ name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } }],
      });
      await changeOrgSettings({ ctx: org.ctx, input: { content: { personalData } } });
      const requester = await addTestMember(org, "admin", `${label}-requester`);
      const colleague = await addTestMember(org, "admin", `${label}-colleague`);
      const agent = await agentOf(org);
      const ask = async () => {
        const result = await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { requestedBy: requester.email, service: "web" } } });
        expect(result.status).toBe("requested");
        return result.approvalId as string;
      };
      // The console, the requester's own admin key, a standing grant.
      const viaConsole = await ask();
      expect(await codeOf(decideApproval({ ctx: asMember(org, requester), input: { approvalId: viaConsole, body: { decision: "approve" } } }))).toBe("FORBIDDEN");
      const viaKey = await ask();
      expect(await codeOf(decideApproval({ ctx: await withKey(requester), input: { approvalId: viaKey, body: { decision: "approve" } } }))).toBe("FORBIDDEN");
      const viaGrant = await ask();
      expect(await codeOf(grantFromApproval({ ctx: asMember(org, requester), input: { approvalId: viaGrant, body: { durationSeconds: 3600, match: { service: "web" } } } }))).toBe(
        "FORBIDDEN",
      );
      // Holding a colleague's queue changes nothing: their separation of duties is their own.
      await setHandover({ ctx: asMember(org, colleague), input: { toMemberId: requester.membershipId, until: inAnHour() } });
      const viaHandover = await ask();
      expect(await codeOf(decideApproval({ ctx: asMember(org, requester), input: { approvalId: viaHandover, body: { decision: "approve" } } }))).toBe("FORBIDDEN");
      for (const id of [viaConsole, viaKey, viaGrant, viaHandover]) expect(await statusOf(org, id)).toBe("pending");
      // What people are shown follows the content setting; the rule does not.
      const shown = (await getApproval({ ctx: org.ctx, input: { approvalId: viaConsole } })).requestedBy;
      if (personalData === "redact") expect(shown).not.toBe(requester.email);
      else expect(shown).toBe(requester.email);
    });
  }

  it("personalData: deny — a call naming a person is refused before any approval exists, so there is nothing to approve", async () => {
    const org = await createTestOrg({
      label: "requester-deny",
      policies: [{ name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } }],
    });
    await changeOrgSettings({ ctx: org.ctx, input: { content: { personalData: "deny" } } });
    const requester = await addTestMember(org, "admin", "requester-deny");
    const result = await decideAction({ ctx: await agentOf(org), input: { actionType: "deploy.prod", metadata: { requestedBy: requester.email } } });
    expect(result.status).toBe("denied");
    expect(result.approvalId).toBeUndefined();
    expect(await db().approval.count({ where: { orgId: org.org.id } })).toBe(0);
  });
});

describe("canI answers what execute decides under standing grants (none consumed)", () => {
  it("over generated grants, calls and changes to the giver, canI's status and grant equal execute's, and canI takes no use", async () => {
    const { checkAction } = await import("../src");
    const step = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ kind: fc.constant("call" as const), amount: fc.constantFrom(5, 50, 1_000_000), currency: fc.constantFrom("EUR", "USD"), requester: fc.boolean() }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("demote" as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("approver", "admin", "owner") as fc.Arbitrary<"approver" | "admin" | "owner">,
        fc.array(step, { minLength: 1, maxLength: 6 }),
        async (role, steps) => {
          const org = await createTestOrg({ label: "cani-grants", policies: payments });
          const giver = await addTestMember(org, role, "cani-giver");
          const agent = await agentOf(org);
          const first = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 5, currency: "EUR" } } });
          await grantFromApproval({
            ctx: asMember(org, giver),
            input: { approvalId: first.approvalId as string, body: { durationSeconds: 3600, uses: 50, match: { currency: "EUR" } } },
          });
          for (const s of steps) {
            if (s.kind === "demote") {
              await changeMemberRole({ ctx: org.ctx, input: { membershipId: giver.membershipId, body: { role: "viewer" } } }).catch(() => undefined);
              continue;
            }
            const input = { actionType: "payment.send", metadata: { amount: s.amount, currency: s.currency, ...(s.requester ? { requestedBy: giver.email } : {}) } };
            const usesBefore = (await db().standingGrant.findFirstOrThrow({ where: { orgId: org.org.id } })).uses;
            const asked = await checkAction({ ctx: agent, input });
            expect((await db().standingGrant.findFirstOrThrow({ where: { orgId: org.org.id } })).uses).toBe(usesBefore);
            const done = await decideAction({ ctx: agent, input });
            expect({ status: asked.status, grant: asked.grant?.id, usesLeft: asked.grant?.usesLeft }).toEqual({
              status: done.status,
              grant: done.grant?.id,
              usesLeft: done.grant?.usesLeft,
            });
          }
        },
      ),
      { numRuns: 20, seed: 4242, endOnFailure: true },
    );
  }, 300_000);
});
