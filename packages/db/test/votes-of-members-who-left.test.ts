import { afterAll, describe, expect, it } from "vitest";
import { authenticateApiKey, changeMemberRole, closeSignals, db, decideAction, decideApproval, disconnectDb, getApproval, removeMember, type Ctx } from "../src";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

// A vote counts only while its member may still decide (docs/approvals.md, Who may decide): a member who
// voted and was then removed, or moved to a role that may not approve, while the approval waited, no
// longer counts toward its quorum. The attacker: an approver who votes on their way out (or a colleague
// relying on a vote already cast by someone the org has since removed). Through the real services and
// PostgreSQL; core's votes-that-count.test.ts holds the rule over generated histories.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const asConsole = (org: TestOrg, m: TestMember): Ctx => ({ org: org.org, actor: { type: "user", userId: m.userId, membershipId: m.membershipId, role: m.role }, requestId: "t" });

interface Quorum {
  org: TestOrg;
  a: TestMember;
  b: TestMember;
  c: TestMember;
  approvalId: string;
}

async function quorumOfTwo(label: string): Promise<Quorum> {
  const org = await createTestOrg({
    label,
    policies: [{ name: "payments-need-two", actions: ["payment.send"], effect: "require_approval", approval: { quorum: 2, timeoutSeconds: 3600 } }],
  });
  const [a, b, c] = [await addTestMember(org, "approver", `${label}-a`), await addTestMember(org, "approver", `${label}-b`), await addTestMember(org, "approver", `${label}-c`)];
  const agent: Ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: label };
  const result = await decideAction({ ctx: agent, input: { actionType: "payment.send", metadata: { amount: 5000 } } });
  if (!result.approvalId) throw new Error(`expected an approval, got ${JSON.stringify(result)}`);
  return { org, a, b, c, approvalId: result.approvalId };
}

const approve = (q: Quorum, m: TestMember) => decideApproval({ ctx: asConsole(q.org, m), input: { approvalId: q.approvalId, body: { decision: "approve" } } });

const LEAVINGS: Array<[string, (q: Quorum) => Promise<unknown>]> = [
  ["removed from the org", (q) => removeMember({ ctx: q.org.ctx, input: { membershipId: q.a.membershipId } })],
  ["moved to viewer", (q) => changeMemberRole({ ctx: q.org.ctx, input: { membershipId: q.a.membershipId, body: { role: "viewer" } } })],
  ["moved to auditor", (q) => changeMemberRole({ ctx: q.org.ctx, input: { membershipId: q.a.membershipId, body: { role: "auditor" } } })],
];

describe("a quorum of 2 counts only members who may still decide it", () => {
  it.each(LEAVINGS)(
    "A approves, A is %s, B approves: still pending (one vote counts); C's approval then decides it",
    async (_name, leave) => {
      const q = await quorumOfTwo(`left-${Math.random().toString(36).slice(2, 8)}`);
      expect((await approve(q, q.a)).status).toBe("pending");
      await leave(q);
      expect((await getApproval({ ctx: q.org.ctx, input: { approvalId: q.approvalId } })).approvals).toBe(0);
      const afterB = await approve(q, q.b);
      expect(afterB).toMatchObject({ status: "pending", approvals: 1 });
      const entry = await db().auditEntry.findFirst({ where: { orgId: q.org.org.id, type: "approval.vote", subjectId: q.approvalId }, orderBy: { seq: "desc" } });
      expect(JSON.parse(entry?.canonical ?? "{}")).toMatchObject({ data: { approvals: 1, quorum: 2, status: "pending" } });
      expect((await approve(q, q.c)).status).toBe("approved");
    },
    120_000,
  );

  it("a member moved to another role that may still approve keeps their vote", async () => {
    const q = await quorumOfTwo("left-admin");
    await approve(q, q.a);
    await changeMemberRole({ ctx: q.org.ctx, input: { membershipId: q.a.membershipId, body: { role: "admin" } } });
    expect((await approve(q, q.b)).status).toBe("approved");
  });
});
