import { verifyBundle } from "@gatehouse/tlog";
import { afterAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeSignals, db, disconnectDb, signals } from "../src";
import { setAgentStatus } from "../src/agents";
import { getApproval, waitForApproval } from "../src/approvals";
import { exportAuditLog, listAuditEntries, listSigningKeys } from "../src/audit";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { checkAction, decideAction } from "../src/decisions";
import { createDelegation, expireDelegations, getAgentChain, getDelegation, getDelegationTree, listDelegations, revokeDelegation } from "../src/delegations";
import { authenticateApiKey, forgetKeysOnSignal, whoami } from "../src/keys";
import { updateOrgSettings } from "../src/orgs";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

// Policies name the root agent only: a delegate is decided as its root.
const POLICIES = [
  { name: "root-prs", actions: ["pr.*"], agents: ["test-agent"], effect: "allow" },
  { name: "root-deploys", actions: ["deploy.*"], agents: ["test-agent"], effect: "require_approval", approval: { quorum: 1 } },
  { name: "deep-delegates-no-merge", actions: ["pr.merge"], effect: "deny", when: { field: "delegation.depth", op: "gte", value: 2 } },
];

async function ctxOf(apiKey: string): Promise<Ctx> {
  return { ...(await authenticateApiKey(apiKey)), requestId: "delegation-test" };
}

function asMember(org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "test" };
}

async function delegate(ctx: Ctx, name: string, capabilities: string[], ttl?: number) {
  // By default a little less than the parent's own remaining time (600 s under a root agent).
  const own = ctx.actor.type === "agent" ? ctx.actor.delegation?.links.at(-1) : undefined;
  const ttlSeconds = ttl ?? (own ? Math.floor((own.expiresAt.getTime() - Date.now()) / 1000) - 5 : 600);
  const created = await createDelegation({ ctx, input: { name, capabilities, ttlSeconds } });
  return { ...created, ctx: await ctxOf(created.apiKey) };
}

const entries = (orgId: string) => db().auditEntry.count({ where: { orgId } });

describe("delegation", () => {
  it("attenuation: narrower and nested-narrower allowed; wider, other and longer-lived refused (403 naming the field), nothing written", async () => {
    const org = await createTestOrg({ label: "dlg-att", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const child = await delegate(root, "child", ["pr.*", "deploy.*"], 600);
    expect(child.delegation).toMatchObject({ parentAgentId: org.agent.id, rootAgentId: org.agent.id, depth: 1, capabilities: ["pr.*", "deploy.*"], revokedAt: null });
    expect(child.delegation.id).toMatch(/^dlg_/);
    const grandchild = await delegate(child.ctx, "grandchild", ["pr.open"], 300);
    expect(grandchild.delegation).toMatchObject({ parentAgentId: child.delegation.childAgentId, rootAgentId: org.agent.id, depth: 2 });
    await delegate(grandchild.ctx, "great", ["pr.open"], 60);

    const before = await entries(org.org.id);
    const refusals: Array<[unknown, string]> = [
      [{ name: "wide", capabilities: ["*"], ttlSeconds: 60 }, "capabilities[0]"],
      [{ name: "wide", capabilities: ["pr.open", "pr.*"], ttlSeconds: 60 }, "capabilities[1]"],
      [{ name: "other", capabilities: ["db.read"], ttlSeconds: 60 }, "capabilities[0]"],
      [{ name: "long", capabilities: ["pr.open"], ttlSeconds: 3600 }, "ttlSeconds"],
    ];
    for (const [input, path] of refusals) {
      await expect(createDelegation({ ctx: grandchild.ctx, input }), JSON.stringify(input)).rejects.toMatchObject({
        code: "DELEGATION_SCOPE",
        details: { issues: [{ path }] },
      });
    }
    for (const input of [
      { name: "x", capabilities: [], ttlSeconds: 60 },
      { name: "x", capabilities: ["pr.*"], ttlSeconds: 86_401 },
      { name: "x", capabilities: ["PR"], ttlSeconds: 60 },
    ]) {
      await expect(createDelegation({ ctx: root, input }), JSON.stringify(input)).rejects.toMatchObject({ code: "VALIDATION" });
    }
    expect(await entries(org.org.id)).toBe(before);
    // A member's key cannot delegate.
    await expect(createDelegation({ ctx: asMember(org, { ...org.owner, role: "owner" }), input: { name: "m", capabilities: ["pr.*"], ttlSeconds: 60 } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("caps depth and active children from the org's settings (409)", async () => {
    const org = await createTestOrg({ label: "dlg-cap", policies: POLICIES });
    const owner = asMember(org, { ...org.owner, role: "owner" });
    await updateOrgSettings({ ctx: owner, input: { delegation: { maxDepth: 2, maxActiveChildren: 2 } } });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["pr.*"]);
    await delegate(root, "b", ["pr.*"]);
    await expect(createDelegation({ ctx: root, input: { name: "c", capabilities: ["pr.*"], ttlSeconds: 60 } })).rejects.toMatchObject({ code: "CONFLICT" });
    const aa = await delegate(a.ctx, "aa", ["pr.*"]);
    await expect(createDelegation({ ctx: aa.ctx, input: { name: "aaa", capabilities: ["pr.*"], ttlSeconds: 60 } })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("decides a delegate by its chain, then as its root: scope denial recorded, depth condition, expiry one second after", async () => {
    const org = await createTestOrg({ label: "dlg-dec", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const child = await delegate(root, "child", ["pr.*"], 600);
    const grandchild = await delegate(child.ctx, "grandchild", ["pr.open", "pr.merge"], 300);

    // Allowed by the root's policy although the delegate's own name matches none.
    expect(await decideAction({ ctx: child.ctx, input: { actionType: "pr.open" } })).toMatchObject({ status: "executed", policyName: "root-prs" });
    expect(await decideAction({ ctx: child.ctx, input: { actionType: "pr.merge" } })).toMatchObject({ status: "executed" });
    // A condition on delegation.depth.
    expect(await decideAction({ ctx: grandchild.ctx, input: { actionType: "pr.merge" } })).toMatchObject({ status: "denied", policyName: "deep-delegates-no-merge" });

    const outside = await decideAction({ ctx: grandchild.ctx, input: { actionType: "deploy.prod" } });
    expect(outside).toMatchObject({ status: "denied", denialReason: "DELEGATION_SCOPE" });
    const action = await db().action.findFirstOrThrow({ where: { auditEntryId: outside.auditEventId } });
    expect(action).toMatchObject({ agentId: grandchild.delegation.childAgentId, denialReason: "DELEGATION_SCOPE" });
    // Covered by the grandchild's own capabilities but not by its parent's link would be refused too; canI says the same.
    expect(await checkAction({ ctx: grandchild.ctx, input: { actionType: "deploy.prod" } })).toMatchObject({ status: "denied", denialReason: "DELEGATION_SCOPE" });

    const expiry = Date.parse(grandchild.delegation.expiresAt);
    expect(await decideAction({ ctx: grandchild.ctx, input: { actionType: "pr.open" }, now: expiry - 1000 })).toMatchObject({ status: "executed" });
    expect(await decideAction({ ctx: grandchild.ctx, input: { actionType: "pr.open" }, now: expiry + 1000 })).toMatchObject({
      status: "denied",
      denialReason: "DELEGATION_EXPIRED",
    });
    // The parent's expiry ends the child's authority too.
    expect(await decideAction({ ctx: grandchild.ctx, input: { actionType: "pr.open" }, now: Date.parse(child.delegation.expiresAt) + 1000 })).toMatchObject({
      denialReason: "DELEGATION_EXPIRED",
    });

    // Every decision entry's actor carries the chain (root … child); the log verifies and the bundle shows it.
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: outside.auditEventId } });
    const sealed = JSON.parse(entry.canonical) as { actor: { delegationChain: string[]; agentChain: string[] }; data: { delegation: { chain: string[] } } };
    expect(sealed.actor.delegationChain).toEqual([child.delegation.id, grandchild.delegation.id]);
    expect(sealed.actor.agentChain).toEqual([org.agent.id, child.delegation.childAgentId, grandchild.delegation.childAgentId]);
    expect(sealed.data.delegation.chain[0]).toBe("test-agent");
    const owner = asMember(org, { ...org.owner, role: "owner" });
    expect((await verifyAuditLog({ ctx: owner })).valid).toBe(true);
    const exported = await exportAuditLog({ ctx: owner, input: {} });
    let bundle = "";
    for await (const chunk of exported.chunks) bundle += chunk;
    expect(bundle).toContain(grandchild.delegation.childAgentId);
    expect(bundle).toContain("agentChain");
    const keys = (await listSigningKeys({ ctx: owner })).map((k) => k.vkey);
    expect((await verifyBundle(bundle, { keys })).valid).toBe(true);

    // whoami shows the chain.
    const me = await whoami({ ctx: grandchild.ctx });
    expect(me.delegation).toMatchObject({ id: grandchild.delegation.id, depth: 2, capabilities: ["pr.open", "pr.merge"] });
    expect(me.delegation?.chain.map((l) => l.agentId)).toEqual([org.agent.id, child.delegation.childAgentId, grandchild.delegation.childAgentId]);
    expect((await whoami({ ctx: root })).activeDelegations).toBe(1);
    expect((await whoami({ ctx: root })).delegation).toBeNull();
  });

  it("revokes a subtree three levels deep in one call; the grandchild's key is refused at its next call; visibility is by ancestry", async () => {
    const org = await createTestOrg({ label: "dlg-rev", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["pr.*"]);
    const sibling = await delegate(root, "sibling", ["pr.*"]);
    const b = await delegate(a.ctx, "b", ["pr.*"]);
    const c = await delegate(b.ctx, "c", ["pr.open"]);
    const other = await createTestOrg({ label: "dlg-other", policies: POLICIES });
    const otherRoot = await ctxOf(other.agent.apiKey);

    // Visibility: the delegate and its ancestors; a sibling, a descendant and another org get a 404, and writes nothing.
    expect((await getDelegation({ ctx: c.ctx, input: { delegationId: c.delegation.id } })).id).toBe(c.delegation.id);
    await expect(getDelegation({ ctx: c.ctx, input: { delegationId: b.delegation.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await getDelegation({ ctx: root, input: { delegationId: c.delegation.id } })).id).toBe(c.delegation.id);
    const viewer = await addTestMember(org, "viewer");
    const before = await entries(org.org.id);
    for (const ctx of [sibling.ctx, otherRoot]) {
      await expect(getDelegation({ ctx, input: { delegationId: a.delegation.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(revokeDelegation({ ctx, input: { delegationId: a.delegation.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    await expect(revokeDelegation({ ctx: a.ctx, input: { delegationId: a.delegation.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(revokeDelegation({ ctx: c.ctx, input: { delegationId: b.delegation.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(revokeDelegation({ ctx: asMember(org, viewer), input: { delegationId: a.delegation.id } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await entries(org.org.id)).toBe(before);
    expect((await listDelegations({ ctx: root, input: { role: "parent" } })).delegations.map((d) => d.id).sort()).toEqual([a.delegation.id, sibling.delegation.id].sort());
    expect((await listDelegations({ ctx: c.ctx, input: { role: "child" } })).delegations.map((d) => d.id)).toEqual([c.delegation.id]);
    const owner = asMember(org, { ...org.owner, role: "owner" });
    expect((await getDelegationTree({ ctx: owner, input: { agentId: org.agent.id } })).delegations).toHaveLength(4);
    // The console's chain of a delegate: root first, itself last; a root agent has none, nor has another org's agent here.
    const chain = await getAgentChain({ ctx: asMember(org, viewer), input: { agentId: c.delegation.childAgentId } });
    expect(chain?.map((link) => link.agentId)).toEqual([org.agent.id, a.delegation.childAgentId, b.delegation.childAgentId, c.delegation.childAgentId]);
    expect(chain?.[0]?.name).toBe(org.agent.name);
    expect(await getAgentChain({ ctx: owner, input: { agentId: org.agent.id } })).toBeNull();
    expect(await getAgentChain({ ctx: owner, input: { agentId: otherRoot.actor.type === "agent" ? otherRoot.actor.agentId : "" } })).toBeNull();

    // The root revokes `a`: a, b and c go, the sibling stays.
    const revoked = await revokeDelegation({ ctx: root, input: { delegationId: a.delegation.id } });
    expect(revoked.revoked).toEqual([a.delegation.id, b.delegation.id, c.delegation.id]);
    // Still a 401, saying which way the key ended.
    await expect(authenticateApiKey(c.apiKey)).rejects.toMatchObject({ code: "DELEGATION_REVOKED" });
    await expect(authenticateApiKey(a.apiKey)).rejects.toMatchObject({ code: "DELEGATION_REVOKED" });
    expect((await ctxOf(sibling.apiKey)).actor).toMatchObject({ type: "agent" });
    // A context verified before the revoke (a request in flight) is denied, not allowed.
    expect(await decideAction({ ctx: c.ctx, input: { actionType: "pr.open" } })).toMatchObject({ status: "denied" });
    const logged = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "delegation.revoked" }, orderBy: { seq: "asc" } });
    expect(logged.map((e) => e.subjectId)).toEqual([a.delegation.id, b.delegation.id, c.delegation.id]);
    expect(logged.every((e) => e.actorId === org.agent.id)).toBe(true);
    expect((await revokeDelegation({ ctx: root, input: { delegationId: a.delegation.id } })).revoked).toEqual([]);
    // An admin may revoke any.
    expect((await revokeDelegation({ ctx: owner, input: { delegationId: sibling.delegation.id } })).revoked).toEqual([sibling.delegation.id]);
  });

  it("another process forgets a revoked subtree's cached keys on the delegations.revoked signal", async () => {
    const org = await createTestOrg({ label: "dlg-sig", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["pr.*"]);
    const b = await delegate(a.ctx, "b", ["pr.*"]);
    const unsubscribe = signals().subscribe(forgetKeysOnSignal);
    try {
      await authenticateApiKey(b.apiKey);
      // Another process revokes: its commit is here, its local eviction is not.
      await db().delegation.updateMany({ where: { id: { in: [a.delegation.id, b.delegation.id] } }, data: { revokedAt: new Date() } });
      await db().apiKey.updateMany({ where: { agentId: { in: [a.delegation.childAgentId, b.delegation.childAgentId] } }, data: { revokedAt: new Date() } });
      expect((await authenticateApiKey(b.apiKey)).actor, "this process's copy is still cached").toMatchObject({ agentId: b.delegation.childAgentId });
      await signals().publish({ type: "delegations.revoked", orgId: org.org.id, delegationIds: [a.delegation.id] });
      await expect
        .poll(() =>
          authenticateApiKey(b.apiKey).then(
            () => "accepted",
            (e: { code: string }) => e.code,
          ),
        )
        .toBe("DELEGATION_REVOKED");
    } finally {
      unsubscribe();
    }
  });

  it("halting the root stops the subtree (AGENT_HALTED) until it is resumed", async () => {
    const org = await createTestOrg({ label: "dlg-halt", policies: POLICIES });
    const owner = asMember(org, { ...org.owner, role: "owner" });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["pr.*"]);
    const b = await delegate(a.ctx, "b", ["pr.*"]);
    const outside = await decideAction({ ctx: b.ctx, input: { actionType: "deploy.prod" } });
    expect(outside).toMatchObject({ status: "denied", denialReason: "DELEGATION_SCOPE" });
    await setAgentStatus({ ctx: owner, input: { agentId: org.agent.id, status: "halted" } });
    for (const ctx of [a.ctx, b.ctx]) expect(await decideAction({ ctx, input: { actionType: "pr.open" } })).toMatchObject({ status: "denied", denialReason: "AGENT_HALTED" });
    await expect(createDelegation({ ctx: b.ctx, input: { name: "c", capabilities: ["pr.open"], ttlSeconds: 60 } })).rejects.toMatchObject({ code: "AGENT_HALTED" });
    await setAgentStatus({ ctx: owner, input: { agentId: org.agent.id, status: "active" } });
    expect(await decideAction({ ctx: b.ctx, input: { actionType: "pr.open" } })).toMatchObject({ status: "executed" });
  });

  it("a revoked delegate's pending approval is cancelled and its waiter wakes with DELEGATION_REVOKED", async () => {
    const org = await createTestOrg({ label: "dlg-apr", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["deploy.*"]);
    const b = await delegate(a.ctx, "b", ["deploy.*"]);
    const requested = await decideAction({ ctx: b.ctx, input: { actionType: "deploy.prod" } });
    expect(requested).toMatchObject({ status: "requested" });
    const approvalId = requested.approvalId ?? "";
    // The approver sees the chain.
    const owner = asMember(org, { ...org.owner, role: "owner" });
    expect((await getApproval({ ctx: owner, input: { approvalId } })).delegation).toMatchObject({
      rootAgentId: org.agent.id,
      depth: 2,
      chain: ["test-agent", expect.any(String), expect.any(String)],
    });
    const waiting = waitForApproval({ ctx: b.ctx, input: { approvalId, timeoutMs: 10_000 } });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await revokeDelegation({ ctx: root, input: { delegationId: a.delegation.id } });
    const view = await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(view).toMatchObject({ status: "cancelled", result: { status: "denied", denialReason: "DELEGATION_REVOKED" } });
    const cancelled = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "approval.cancelled", subjectId: approvalId } });
    expect(cancelled.canonical).toContain("DELEGATION_REVOKED");
  });

  it("halting the root cancels its subtree's pending approvals (AGENT_HALTED)", async () => {
    const org = await createTestOrg({ label: "dlg-halt-apr", policies: POLICIES });
    const owner = asMember(org, { ...org.owner, role: "owner" });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["deploy.*"]);
    const b = await delegate(a.ctx, "b", ["deploy.*"]);
    const requested = await decideAction({ ctx: b.ctx, input: { actionType: "deploy.prod" } });
    expect(requested).toMatchObject({ status: "requested" });
    await setAgentStatus({ ctx: owner, input: { agentId: org.agent.id, status: "halted" } });
    const approval = await db().approval.findUniqueOrThrow({ where: { id: requested.approvalId ?? "" } });
    expect(approval.status).toBe("cancelled");
    const action = await db().action.findUniqueOrThrow({ where: { id: approval.actionId } });
    expect(action.denialReason).toBe("AGENT_HALTED");
  });

  it("a delegate cannot read its parent's audit entries", async () => {
    const org = await createTestOrg({ label: "dlg-aud", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    await decideAction({ ctx: root, input: { actionType: "pr.open" } });
    const a = await delegate(root, "a", ["pr.*"]);
    await decideAction({ ctx: a.ctx, input: { actionType: "pr.open" } });
    const seen = await listAuditEntries({ ctx: a.ctx, input: { agentId: org.agent.id } });
    expect(seen.events.length).toBeGreaterThan(0);
    expect(seen.events.every((e) => e.agentId === a.delegation.childAgentId)).toBe(true);
  });

  it("the expiry job records each expired delegation once", async () => {
    const org = await createTestOrg({ label: "dlg-exp", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const a = await delegate(root, "a", ["pr.*"], 60);
    const later = new Date(Date.parse(a.delegation.expiresAt) + 1000);
    expect(await expireDelegations(org.org.id, later)).toEqual([a.delegation.id]);
    expect(await expireDelegations(org.org.id, later)).toEqual([]);
    expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "delegation.expired", subjectId: a.delegation.id } })).toBe(1);
  });
});
