import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { createAgent } from "../src/agents/create-agent";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { decideAction } from "../src/decisions/decide-action";
import { db } from "../src/infra/client";
import { closeOrg } from "../src/cascades/close-org";
import { createOrg } from "../src/orgs/create-org";
import { getOnboardingState } from "../src/orgs/onboarding-state";
import { applyPolicies, applyStarterPolicies } from "../src/policies";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

const member = (org: Ctx["org"], userId: string, membershipId: string, role: "owner" | "viewer"): Ctx => ({
  org,
  actor: { type: "user", userId, membershipId, role },
  requestId: "onboarding",
});

describe("the onboarding checklist", () => {
  it("ticks each step from what the org holds, and the starter policy is one audited apply that keeps the org's own", async () => {
    const suffix = randomBytes(4).toString("hex");
    const created = await createOrg({ input: { slug: `onb-${suffix}`, name: "Onboarding", owner: { email: `onb-${suffix}@example.test`, name: "Owner" } }, ownerActs: true });
    const owner = member(created.org, created.owner.userId, created.owner.membershipId, "owner");
    const viewerUser = await db().user.create({ data: { id: `user_v${suffix}`, email: `viewer-${suffix}@example.test`, name: "Viewer" } });
    const viewerMembership = await db().membership.create({ data: { id: `membership_v${suffix}`, orgId: created.org.id, userId: viewerUser.id, role: "viewer" } });
    const viewer = member(created.org, viewerUser.id, viewerMembership.id, "viewer");

    expect(await getOnboardingState({ ctx: viewer })).toEqual({
      steps: { agentCreated: false, keyIssued: false, policyApplied: false, firstCall: false },
      done: false,
      agent: null,
    });

    const agent = await createAgent({ ctx: owner, input: { name: "first-agent" } });
    expect(await getOnboardingState({ ctx: viewer })).toMatchObject({
      steps: { agentCreated: true, keyIssued: true, policyApplied: false },
      agent: { id: agent.id, name: "first-agent" },
    });

    // A viewer may read the checklist but not apply the policy: 403, nothing written.
    const sizeBefore = (await db().auditLogHead.findUniqueOrThrow({ where: { orgId: created.org.id } })).size;
    await expect(applyStarterPolicies({ ctx: viewer })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await db().policy.count({ where: { orgId: created.org.id } })).toBe(0);
    expect((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: created.org.id } })).size).toBe(sizeBefore);

    // The org's own policy stays beside the starter ones; applying them twice changes nothing.
    await applyPolicies({ ctx: owner, input: { policies: [{ name: "own", actions: ["ship.it"], effect: "allow" }] } });
    const diff = await applyStarterPolicies({ ctx: owner });
    expect(diff.created.map((p) => p.name).sort()).toEqual(["starter-allow-reads", "starter-approve-deploys-and-merges"]);
    expect(diff.archived).toEqual([]);
    const again = await applyStarterPolicies({ ctx: owner });
    expect(again.created.length + again.updated.length + again.archived.length).toBe(0);
    const active = await db().policy.findMany({ where: { orgId: created.org.id, status: "active" }, select: { name: true }, orderBy: { name: "asc" } });
    expect(active.map((p) => p.name)).toEqual(["own", "starter-allow-reads", "starter-approve-deploys-and-merges"]);
    const published = await db().auditEntry.findMany({ where: { orgId: created.org.id, type: "policy.version_published" }, select: { actorId: true } });
    expect(published.map((e) => e.actorId)).toEqual([created.owner.membershipId, created.owner.membershipId, created.owner.membershipId]);
    expect(await getOnboardingState({ ctx: viewer })).toMatchObject({ steps: { policyApplied: true, firstCall: false }, done: false });

    // The first call: a deploy waits for approval under the starter policy, and the checklist is done.
    const agentCtx: Ctx = {
      org: created.org,
      actor: { type: "agent", agentId: agent.id, agentName: agent.name, keyId: agent.keyId, delegationChain: [] },
      requestId: "onboarding",
    };
    expect((await decideAction({ ctx: agentCtx, input: { actionType: "deploy.production" } })).status).toBe("requested");
    expect((await decideAction({ ctx: agentCtx, input: { actionType: "repo.read" } })).status).toBe("executed");
    expect((await decideAction({ ctx: agentCtx, input: { actionType: "db.drop" } })).status).toBe("denied");
    expect(await getOnboardingState({ ctx: viewer })).toMatchObject({ steps: { agentCreated: true, keyIssued: true, policyApplied: true, firstCall: true }, done: true });
    expect((await verifyAuditLog({ ctx: owner })).valid).toBe(true);
  });

  it("a closed org is past onboarding: its owner is not offered steps that would all be refused", async () => {
    const suffix = randomBytes(4).toString("hex");
    const created = await createOrg({ input: { slug: `onbc-${suffix}`, name: "Closing", owner: { email: `onbc-${suffix}@example.test`, name: "Owner" } }, ownerActs: true });
    const owner = member(created.org, created.owner.userId, created.owner.membershipId, "owner");
    expect(await getOnboardingState({ ctx: owner })).toMatchObject({ done: false });
    await closeOrg({ ctx: owner, input: { confirm: created.org.slug } });
    expect(await getOnboardingState({ ctx: owner })).toMatchObject({ steps: { agentCreated: false }, done: true });
  });
});
