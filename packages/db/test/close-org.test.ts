import { verifyBundle } from "@gatehouse/tlog";
import { afterAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeSignals, db, disconnectDb, signals } from "../src";
import { createAgent } from "../src/agents";
import { exportAuditLog, listSigningKeys, rotateSigningKey } from "../src/audit";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { decideAction } from "../src/decisions";
import { createInvitation } from "../src/invitations";
import { authenticateApiKey, forgetKeysOnSignal, issueAgentKey } from "../src/keys";
import { getMemberContext, listMemberOrgs, updateOrg, updateOrgSettings } from "../src/orgs";
import { closeOrg } from "../src/cascades";
import { applyPolicies } from "../src/policies";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const REVIEW = [{ name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1 } }];

function asMember(org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "test" };
}
const ownerOf = (org: TestOrg) => asMember(org, { userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" });

/** What a refused call must leave alone: the org row and the log's size. */
async function stateOf(orgId: string) {
  const org = await db().org.findUniqueOrThrow({ where: { id: orgId }, select: { closedAt: true, closedBy: true, settings: true, name: true } });
  return { org, entries: await db().auditEntry.count({ where: { orgId } }), approvals: await db().approval.count({ where: { orgId, status: "pending" } }) };
}

async function requestApproval(org: TestOrg): Promise<string> {
  const principal = await authenticateApiKey(org.agent.apiKey);
  const result = await decideAction({ ctx: { ...principal, requestId: "close-test" }, input: { actionType: "pr.merge", metadata: { pr: 1 } } });
  if (result.status !== "requested" || !result.approvalId) throw new Error(`expected an approval, got ${result.status}`);
  return result.approvalId;
}

async function bundleOf(ctx: Ctx): Promise<string> {
  const exported = await exportAuditLog({ ctx, input: {} });
  let text = "";
  for await (const chunk of exported.chunks) text += chunk;
  return text;
}

describe("closeOrg", () => {
  it("closes: one entry naming the owner, pending approvals cancelled, keys refused, the log kept, exportable and valid", async () => {
    const org = await createTestOrg({ label: "close", policies: REVIEW });
    const admin = await addTestMember(org, "admin");
    const approvalId = await requestApproval(org);
    // Both keys are verified (and cached) before the close.
    const stale = await authenticateApiKey(org.agent.apiKey);
    await authenticateApiKey(admin.apiKey);

    const closed = await closeOrg({ ctx: ownerOf(org), input: { confirm: org.org.slug } });
    expect(closed).toMatchObject({ id: org.org.id, slug: org.org.slug, closedBy: org.owner.membershipId, cancelledApprovals: 1 });

    await expect(authenticateApiKey(org.agent.apiKey)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/closed/) });
    await expect(authenticateApiKey(admin.apiKey)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(authenticateApiKey(org.adminKey.apiKey)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });

    // A decision made with a verification from before the close (another instance's copy) commits nothing.
    const size = await db().auditEntry.count({ where: { orgId: org.org.id } });
    await expect(decideAction({ ctx: { ...stale, requestId: "stale" }, input: { actionType: "pr.merge" } })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await db().auditEntry.count({ where: { orgId: org.org.id } })).toBe(size);

    const approval = await db().approval.findUniqueOrThrow({ where: { id: approvalId } });
    expect(approval.status).toBe("cancelled");
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: { in: ["org.closed", "approval.cancelled"] } }, orderBy: { seq: "asc" } });
    expect(entries.map((e) => [e.type, e.actorType, e.actorId])).toEqual([
      ["org.closed", "member", org.owner.membershipId],
      ["approval.cancelled", "member", org.owner.membershipId],
    ]);

    // Only owners still reach it, read-only; the switcher shows it to them, marked closed.
    const ownerCtx = await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "t" });
    await expect(getMemberContext({ userId: admin.userId, orgSlug: org.org.slug, requestId: "t" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listMemberOrgs({ userId: org.owner.userId })).find((o) => o.orgId === org.org.id)?.closedAt).toBe(closed.closedAt);
    expect((await listMemberOrgs({ userId: admin.userId })).some((o) => o.orgId === org.org.id)).toBe(false);

    // The log, its keys and checkpoints are kept: the owner exports and verifies it.
    const verification = await verifyAuditLog({ ctx: ownerCtx });
    expect(verification.valid).toBe(true);
    const keys = (await listSigningKeys({ ctx: ownerCtx })).map((k) => k.vkey);
    const bundle = await bundleOf(ownerCtx);
    expect(bundle).toContain('\\"type\\":\\"org.closed\\"');
    expect((await verifyBundle(bundle, { keys })).valid).toBe(true);
  });

  it("every write to a closed org is a 409 ORG_CLOSED that writes nothing; closing again too", async () => {
    const org = await createTestOrg({ label: "close-ro", policies: REVIEW });
    await requestApproval(org);
    await closeOrg({ ctx: ownerOf(org), input: { confirm: org.org.slug } });
    const owner = await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "t" });
    const before = await stateOf(org.org.id);
    const writes: Array<[string, () => Promise<unknown>]> = [
      ["create an agent", () => createAgent({ ctx: owner, input: { name: "late" } })],
      ["issue a key", () => issueAgentKey({ ctx: owner, input: { agentId: org.agent.id, body: { name: "late" } } })],
      ["change settings", () => updateOrgSettings({ ctx: owner, input: { approvalTimeoutSeconds: 600 } })],
      ["rename", () => updateOrg({ ctx: owner, input: { name: "Renamed" } })],
      ["invite", () => createInvitation({ ctx: owner, input: { body: { email: "late@example.test", role: "viewer" } } })],
      ["apply policies", () => applyPolicies({ ctx: owner, input: { policies: [] } })],
      ["rotate the log's key", () => rotateSigningKey({ ctx: owner })],
      ["close again", () => closeOrg({ ctx: owner, input: { confirm: org.org.slug } })],
    ];
    for (const [what, write] of writes) {
      await expect(write(), what).rejects.toMatchObject({ code: "CONFLICT", details: { reason: "ORG_CLOSED" } });
    }
    expect(await stateOf(org.org.id)).toEqual(before);
  });

  it("only owners may close (403), with the slug typed out (400 naming confirm); a refusal writes nothing", async () => {
    const org = await createTestOrg({ label: "close-no", policies: REVIEW });
    const admin = await addTestMember(org, "admin");
    await requestApproval(org);
    const before = await stateOf(org.org.id);
    await expect(closeOrg({ ctx: asMember(org, admin), input: { confirm: org.org.slug } })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/org\.close/),
    });
    for (const input of [{ confirm: `${org.org.slug}x` }, { confirm: org.org.slug.toUpperCase() }, {}, { confirm: 1 }]) {
      await expect(closeOrg({ ctx: ownerOf(org), input }), JSON.stringify(input)).rejects.toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "confirm" }] } });
    }
    expect(await stateOf(org.org.id)).toEqual(before);
    expect((await authenticateApiKey(org.agent.apiKey)).org.id).toBe(org.org.id);
  });

  it("another API process forgets its cached keys of the org on the org.closed signal", async () => {
    const org = await createTestOrg({ label: "close-sig" });
    const unsubscribe = signals().subscribe(forgetKeysOnSignal);
    try {
      await authenticateApiKey(org.agent.apiKey);
      // Another process closes the org: its commit is here, its local eviction is not.
      await db().org.update({ where: { id: org.org.id }, data: { closedAt: new Date(), closedBy: org.owner.membershipId } });
      expect((await authenticateApiKey(org.agent.apiKey)).org.id, "this process's copy is still cached").toBe(org.org.id);
      await signals().publish({ type: "org.closed", orgId: org.org.id });
      await expect
        .poll(() =>
          authenticateApiKey(org.agent.apiKey).then(
            () => "accepted",
            (e: { code: string }) => e.code,
          ),
        )
        .toBe("UNAUTHENTICATED");
    } finally {
      unsubscribe();
    }
  });
});
