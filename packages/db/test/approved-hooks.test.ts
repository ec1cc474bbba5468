import { afterAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeSignals, db, disconnectDb } from "../src/infra";
import { savePolicyDraft } from "../src/policies/save-policy-draft";
import { decideApproval } from "../src/policy-rollout/decide-approval";
import { publishPolicyDraft } from "../src/policy-rollout/publish-policy-draft";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

// What an approved system action does is a table handed to the vote (policy-rollout/decide-approval.ts),
// not hooks registered when some module happens to be imported. This file imports the decide verb and
// the publish verb from their own files and never the package's index or policy-rollout's: before the
// table, nothing here imported the module that registered the publish hook, and an approved publish
// applied nothing.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const asMember = (org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx => ({
  org: org.org,
  actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role },
  requestId: "approved-hooks",
});

describe("an approved publish under the two-admin rule", () => {
  it("goes live when another admin approves it, whatever was imported before the vote", async () => {
    const org = await createTestOrg({ label: "approved-hooks" });
    await db().org.update({ where: { id: org.org.id }, data: { settings: { policies: { requireSecondApproval: true } } } });
    const owner = asMember(org, { userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" });
    const admin = asMember(org, await addTestMember(org, "admin"));
    const set = { policies: [{ name: "published-by-approval", actions: ["deploy.*"], agents: ["*"], effect: "allow" }] };

    const saved = await savePolicyDraft({ ctx: owner, input: { source: JSON.stringify(set), format: "json", revision: 0 } });
    const outcome = await publishPolicyDraft({ ctx: owner, input: { revision: saved.revision } });
    if (outcome.status !== "pending_approval") throw new Error(`expected a publish waiting for a second admin, got ${outcome.status}`);
    const live = () => db().policy.count({ where: { orgId: org.org.id, name: "published-by-approval", status: "active" } });
    expect(await live()).toBe(0);

    const decided = await decideApproval({ ctx: admin, input: { approvalId: outcome.approvalId, body: { decision: "approve" } } });
    expect(decided.status).toBe("approved");
    expect(await live()).toBe(1);
  });
});
