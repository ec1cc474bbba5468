import type { Ctx } from "../src/actors/context";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb, db } from "../src";
import { createAgent, getAgentOverview, listAgentOverviews } from "../src/agents";
import { issueAdminKey, listAdminKeys } from "../src/keys";
import { revokeApiKey } from "../src/cascades";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

function asMember(org: TestOrg, member: Pick<TestMember, "userId" | "membershipId" | "role">): Ctx {
  return { org: org.org, actor: { type: "user", userId: member.userId, membershipId: member.membershipId, role: member.role }, requestId: "test" };
}

const ownerOf = (org: TestOrg) => ({ userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" as const });

describe("listAgentOverviews / getAgentOverview", () => {
  it("lists agents with live key count, creator and last activity; every role reads, another org's id is 404", async () => {
    const org = await createTestOrg({ label: "overview" });
    const other = await createTestOrg({ label: "overview-other" });
    const viewer = await addTestMember(org, "viewer");
    const created = await createAgent({ ctx: asMember(org, ownerOf(org)), input: { name: "writer", description: "writes", labels: { team: "docs" } } });
    await db().apiKey.update({ where: { id: created.keyId }, data: { lastUsedAt: new Date("2026-01-02T00:00:00Z") } });

    const list = await listAgentOverviews({ ctx: asMember(org, viewer) });
    const writer = list.find((a) => a.id === created.id);
    expect(writer).toMatchObject({ name: "writer", description: "writes", labels: { team: "docs" }, status: "active", cbState: "closed", keyCount: 1 });
    expect(writer?.createdBy?.email).toBe(org.owner.email);
    expect(writer?.lastActivityAt).toBe("2026-01-02T00:00:00.000Z");
    // The factory's agent was created by the system: no creator, never active.
    expect(list.find((a) => a.id === org.agent.id)).toMatchObject({ createdBy: null, lastActivityAt: null, keyCount: 1 });

    await revokeApiKey({ ctx: org.ctx, input: { keyId: created.keyId } });
    expect((await getAgentOverview({ ctx: asMember(org, viewer), input: { agentId: created.id } })).keyCount).toBe(0);
    await expect(getAgentOverview({ ctx: asMember(org, viewer), input: { agentId: other.agent.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("listAdminKeys / issueAdminKey", () => {
  it("shows a member their own keys and those of members they rank at least as high as; owners see everyone's", async () => {
    const org = await createTestOrg({ label: "admin-keys" });
    const admin = await addTestMember(org, "admin");
    const peer = await addTestMember(org, "admin", "peer");
    const viewer = await addTestMember(org, "viewer");

    const mine = await issueAdminKey({ ctx: asMember(org, admin), input: { membershipId: admin.membershipId, name: "cli", expiresInDays: 7 } });
    expect(mine.expiresAt).not.toBeNull();
    expect(new Date(mine.expiresAt ?? 0).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const asAdmin = await listAdminKeys({ ctx: asMember(org, admin) });
    const members = new Set(asAdmin.map((k) => k.member.id));
    expect(members.has(admin.membershipId) && members.has(peer.membershipId) && members.has(viewer.membershipId)).toBe(true);
    expect(members.has(org.owner.membershipId)).toBe(false);
    expect(asAdmin.find((k) => k.id === mine.id)).toMatchObject({ name: "cli", mine: true, member: { role: "admin" }, revokedAt: null });
    expect(JSON.stringify(asAdmin)).not.toContain(mine.apiKey);

    const asOwner = await listAdminKeys({ ctx: asMember(org, ownerOf(org)) });
    expect(new Set(asOwner.map((k) => k.member.id)).has(org.owner.membershipId)).toBe(true);
    expect(asOwner.find((k) => k.id === mine.id)?.mine).toBe(false);

    await expect(listAdminKeys({ ctx: asMember(org, viewer) })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // The owner's key stays out of an admin's reach.
    await expect(revokeApiKey({ ctx: asMember(org, admin), input: { keyId: org.adminKey.id } })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
