import { scorePosture } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, db, disconnectDb } from "../src";
import { decideApproval } from "../src/policy-rollout";
import { decideAction } from "../src/decisions";
import { authenticateApiKey } from "../src/keys";
import { gatherPostureFacts, getPosture, recordAuditReview, snapshotPostures } from "../src/posture";
import { addTestMember, createTestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const REVIEW = [{ name: "review", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, excludeAgentOwner: true } }];

describe("snapshotPostures", () => {
  it("stores each open org's posture once per UTC day; a closed org gets none", async () => {
    const open = await createTestOrg({ label: "snap-open" });
    const closed = await createTestOrg({ label: "snap-closed" });
    await db().org.update({ where: { id: closed.org.id }, data: { closedAt: new Date() } });
    const now = new Date();
    // Other suites' orgs in this database may be snapshotted too; these two are what this test owns.
    await snapshotPostures(now);
    const rows = await db().postureSnapshot.findMany({ where: { orgId: { in: [open.org.id, closed.org.id] } } });
    expect(rows.map((r) => r.orgId)).toEqual([open.org.id]);
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    expect(rows[0]?.day.toISOString()).toBe(day.toISOString());
    const expected = scorePosture(await gatherPostureFacts(open.org.id, now));
    expect(rows[0]?.score).toBe(expected.score);
    expect(rows[0]?.components).toEqual(JSON.parse(JSON.stringify(expected.components)));

    // A second run the same day stores nothing more for it; the next day's run stores the next day.
    await snapshotPostures(new Date(now.getTime() + 1_000));
    expect(await db().postureSnapshot.count({ where: { orgId: open.org.id } })).toBe(1);
    await snapshotPostures(new Date(day.getTime() + 86_400_000 + 60_000));
    expect(await db().postureSnapshot.count({ where: { orgId: open.org.id } })).toBe(2);
  });
});

describe("refused self-approvals", () => {
  it("a vote refused by separation of duties is a 403 and an approval.vote_refused entry; a vote refused by role writes nothing", async () => {
    const org = await createTestOrg({ label: "posture-sod", policies: REVIEW });
    const principal = await authenticateApiKey(org.agent.apiKey);
    const agentCtx = { ...principal, requestId: "sod" };
    const viewer = await addTestMember(org, "viewer");
    const approver = await addTestMember(org, "approver");
    const requested = await decideAction({ ctx: agentCtx, input: { actionType: "pr.merge", metadata: { requestedBy: approver.email } } });
    const memberCtx = async (apiKey: string) => ({ ...(await authenticateApiKey(apiKey)), requestId: "sod" });

    await expect(decideApproval({ ctx: await memberCtx(viewer.apiKey), input: { approvalId: requested.approvalId ?? "", body: { decision: "approve" } } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(decideApproval({ ctx: await memberCtx(approver.apiKey), input: { approvalId: requested.approvalId ?? "", body: { decision: "approve" } } })).rejects.toMatchObject(
      {
        code: "FORBIDDEN",
      },
    );
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "approval.vote_refused" } });
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]?.canonical ?? "{}").data).toMatchObject({ approvalId: requested.approvalId, reason: "requester", actionType: "pr.merge" });
    expect((await gatherPostureFacts(org.org.id)).approvals.refusedSelfApprovals).toBe(1);
  });
});

describe("getPosture and recordAuditReview", () => {
  it("any agent key and every member role may read the posture", async () => {
    const org = await createTestOrg({ label: "posture-read" });
    const agentCtx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "read" };
    const viewer = await addTestMember(org, "viewer");
    const viewerCtx = { ...(await authenticateApiKey(viewer.apiKey)), requestId: "read" };
    const [byAgent, byViewer] = await Promise.all([getPosture({ ctx: agentCtx }), getPosture({ ctx: viewerCtx })]);
    expect(byAgent.components).toEqual(byViewer.components);
    expect(byAgent.components.policyCoverage.findings.map((f) => f.id)).toEqual(["coverage.no_decisions"]);
  });

  it("records a verify with its result and the member's role, and fails open", async () => {
    const org = await createTestOrg({ label: "posture-review" });
    const auditor = await addTestMember(org, "auditor");
    const ctx = { ...(await authenticateApiKey(auditor.apiKey)), requestId: "review" };
    await recordAuditReview({ ctx, input: { kind: "verify", valid: false } });
    const [row] = await db().auditReview.findMany({ where: { orgId: org.org.id } });
    expect(row).toMatchObject({ kind: "verify", actorType: "adminKey", memberRole: "auditor", valid: false });
    // An org that does not exist cannot hold the row: the call still resolves.
    await expect(recordAuditReview({ ctx: { ...ctx, org: { ...ctx.org, id: "org_missing" } }, input: { kind: "export" } })).resolves.toBeUndefined();
    const facts = await gatherPostureFacts(org.org.id);
    expect(facts.audit.lastVerification?.valid).toBe(false);
    expect(scorePosture(facts).components.auditIntegrity.findings[0]?.id).toBe("audit.verification_failed");
  });
});
