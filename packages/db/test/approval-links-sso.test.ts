import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, closeSignals, db, decideAction, decideByApprovalLink, disconnectDb, previewApprovalLink, type ApprovalLinkPreview } from "../src";
import { issueApprovalLink } from "../src/notifications/approval-links";
import { forgetOrgSettings } from "../src/snapshots/settings-snapshot";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

// Issue 62, point 6: an emailed approval link honours the org's sign-in rule. In an org that requires single sign-on, a
// password session of the member the link was sent to (anyone but an owner, as everywhere in the console) neither sees
// the request nor decides it; an SSO session does both. What an attacker tries: a stolen or phished password, used on
// the link instead of the console, which the org's rule already refuses.

let org: TestOrg;
let approver: TestMember;
let admin: TestMember;

beforeAll(async () => {
  org = await createTestOrg({
    label: "link-sso",
    policies: [
      { name: "deploys-need-a-person", actions: ["deploy.prod"], effect: "require_approval", approval: { timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"] } },
    ],
  });
  approver = await addTestMember(org, "approver", "link-sso-approver");
  admin = await addTestMember(org, "admin", "link-sso-admin");
  // Required in place (no test org owns an email domain it could prove), as the two-person-rule suite does.
  const { settings } = await db().org.findUniqueOrThrow({ where: { id: org.org.id }, select: { settings: true } });
  await db().org.update({
    where: { id: org.org.id },
    data: { settings: { ...(settings as Record<string, unknown>), signIn: { ssoDomains: [], ssoDefaultRole: "viewer", ssoRequired: true } } },
  });
  forgetOrgSettings(org.org.id);
});

afterAll(async () => {
  await closeSignals();
  await disconnectDb();
});

/** A pending approval with a link mailed to `member`. */
async function linkFor(member: { membershipId: string }): Promise<{ approvalId: string; token: string }> {
  const agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "link-sso" };
  const result = await decideAction({ ctx: agent, input: { actionType: "deploy.prod", metadata: { service: "payments-secret-name" } } });
  if (!result.approvalId) throw new Error(`expected an approval, got ${JSON.stringify(result)}`);
  const token = await issueApprovalLink(db(), { orgId: org.org.id, approvalId: result.approvalId, membershipId: member.membershipId });
  return { approvalId: result.approvalId, token };
}

const statusOf = async (approvalId: string) => (await db().approval.findUniqueOrThrow({ where: { id: approvalId } })).status;

describe("an approval link in an org that requires single sign-on", () => {
  type Step = "show" | "decide";
  const refused: Array<[string, () => TestMember, Step, "password" | undefined]> = [
    ["an approver's password session opens it", () => approver, "show", "password"],
    ["an approver's password session decides with it", () => approver, "decide", "password"],
    ["an admin's password session opens it", () => admin, "show", "password"],
    ["an admin's password session decides with it", () => admin, "decide", "password"],
    ["a caller that does not say how it signed in opens it", () => approver, "show", undefined],
    ["a caller that does not say how it signed in decides with it", () => approver, "decide", undefined],
  ];

  it.each(refused)("%s: refused, nothing shown, nothing decided, the link still unused", async (_name, who, step, signInMethod) => {
    const member = who();
    const { approvalId, token } = await linkFor(member);
    if (step === "show") {
      const shown: ApprovalLinkPreview = await previewApprovalLink({ input: { token, userId: member.userId, signInMethod } });
      expect(shown.closed).toBe("sso_required");
      expect(shown.metadata).toEqual({});
      expect(JSON.stringify(shown)).not.toContain("payments-secret-name");
    } else {
      await expect(decideByApprovalLink({ input: { token, userId: member.userId, signInMethod, decision: "approve" } })).rejects.toMatchObject({
        code: "FORBIDDEN",
        details: { reason: "SSO_REQUIRED" },
      });
    }
    expect(await statusOf(approvalId)).toBe("pending");
    expect(await db().approvalVote.count({ where: { approvalId } })).toBe(0);
    expect(await db().approvalLink.count({ where: { approvalId, usedAt: { not: null } } })).toBe(0);
  });

  it("an SSO session of the same member sees the request and decides it", async () => {
    const { approvalId, token } = await linkFor(approver);
    const shown = await previewApprovalLink({ input: { token, userId: approver.userId, signInMethod: "sso" } });
    expect(shown).toMatchObject({ closed: null, metadata: { service: "payments-secret-name" } });
    const decided = await decideByApprovalLink({ input: { token, userId: approver.userId, signInMethod: "sso", decision: "approve" } });
    expect(decided).toMatchObject({ closed: "decided", status: "approved" });
    expect(await statusOf(approvalId)).toBe("approved");
  });

  it("an owner's password session passes, as everywhere in the console (their way back in)", async () => {
    const { approvalId, token } = await linkFor(org.owner);
    expect((await previewApprovalLink({ input: { token, userId: org.owner.userId, signInMethod: "password" } })).closed).toBeNull();
    await decideByApprovalLink({ input: { token, userId: org.owner.userId, signInMethod: "password", decision: "deny" } });
    expect(await statusOf(approvalId)).toBe("denied");
  });
});
