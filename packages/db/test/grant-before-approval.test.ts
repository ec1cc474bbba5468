import { afterAll, describe, expect, it } from "vitest";
import { newId } from "@gatehouse/core";
import { authenticateApiKey, checkAction, closeSignals, db, decideAction, decideApproval, disconnectDb, type Ctx } from "../src";
import { createTestOrg } from "../src/testing";

// A standing grant and the vote that approves its request (issue 62, point 9; docs/approvals.md, Standing grants).
// grantFromApproval writes the grant, then votes: for a moment the grant exists while its request is still
// undecided, and the vote may then be refused or lose to another approver's denial. The attacker's agent calls in
// that moment, or under a grant whose approval was denied before anything took the grant back. Either call must wait
// for a person: a grant covers nothing until its approval is decided approved. (The moment is made here by writing
// the grant as grantFromApproval does before its vote; the approval is then left pending, denied or expired.)

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const POLICIES = [{ name: "deploys", actions: ["deploy.prod"], effect: "require_approval", approval: { timeoutSeconds: 600 } }];

async function heldCallWithGrant(): Promise<{ agentCtx: Ctx; ownerCtx: Ctx; approvalId: string; grantId: string }> {
  const org = await createTestOrg({ label: "grant-window", policies: POLICIES });
  const agentCtx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "grant-window" } as Ctx;
  const ownerCtx = { ...(await authenticateApiKey(org.adminKey.apiKey)), requestId: "grant-window" } as Ctx;
  const held = await decideAction({ ctx: agentCtx, input: { actionType: "deploy.prod", metadata: { service: "payments" } } });
  expect(held.status).toBe("requested");
  const approvalId = held.approvalId as string;
  // The grant as grantFromApproval writes it before its vote: by the owner, who alone may approve this request.
  const grantId = newId("grant");
  await db().standingGrant.create({
    data: {
      id: grantId,
      orgId: org.org.id,
      agentId: org.agent.id,
      actionType: "deploy.prod",
      match: { service: "payments" },
      approvalId,
      createdBy: org.owner.membershipId,
      expiresAt: new Date(Date.now() + 600_000),
      maxUses: 5,
      via: "api",
    },
  });
  return { agentCtx, ownerCtx, approvalId, grantId };
}

const call = { actionType: "deploy.prod", metadata: { service: "payments", build: 2 } };

describe("a grant covers nothing until its approval is decided approved", () => {
  const cases: Array<[string, (s: { ownerCtx: Ctx; approvalId: string }) => Promise<unknown>]> = [
    ["requested, not yet decided", async () => undefined],
    ["denied by another approver", ({ ownerCtx, approvalId }) => decideApproval({ ctx: ownerCtx, input: { approvalId, body: { decision: "deny", reason: "not now" } } })],
    ["expired undecided", ({ approvalId }) => db().pool.query(`UPDATE approvals SET status = 'expired' WHERE id = $1`, [approvalId])],
  ];

  it.each(cases)(
    "its approval %s: canI says a person is needed, execute holds the call, and no use is taken",
    async (_state, decide) => {
      const setup = await heldCallWithGrant();
      await decide(setup);
      const asked = await checkAction({ ctx: setup.agentCtx, input: call });
      expect(asked).toMatchObject({ allowed: false, needsApproval: true });
      expect((asked as { grant?: unknown }).grant).toBeUndefined();
      const executed = await decideAction({ ctx: setup.agentCtx, input: call });
      expect(executed.status).toBe("requested");
      expect((executed as { grant?: unknown }).grant).toBeUndefined();
      expect((await db().standingGrant.findUniqueOrThrow({ where: { id: setup.grantId } })).uses).toBe(0);
    },
    60_000,
  );

  it("once the approval is approved, the same grant covers the same call", async () => {
    const setup = await heldCallWithGrant();
    await decideApproval({ ctx: setup.ownerCtx, input: { approvalId: setup.approvalId, body: { decision: "approve" } } });
    expect(await checkAction({ ctx: setup.agentCtx, input: call })).toMatchObject({ allowed: true, grant: { id: setup.grantId } });
    expect(await decideAction({ ctx: setup.agentCtx, input: call })).toMatchObject({ status: "executed", grant: { id: setup.grantId, usesLeft: 4 } });
  }, 60_000);
});
