import { afterAll, describe, expect, it } from "vitest";
import type { Ctx } from "../src/actors/context";
import { closeSignals, db, disconnectDb } from "../src";
import { forgetAgent, SNAPSHOT_TTL_MS } from "../src/snapshots/agent-snapshot";
import { createDelegation } from "../src/delegations";
import { authenticateApiKey, evictKeyCache, issueAgentKey, KEY_CACHE_TTL_MS, requireStandingKey } from "../src/keys";
import { revokeApiKey } from "../src/cascades";
import { createTestOrg, type TestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const POLICIES = [{ name: "prs", actions: ["pr.*"], effect: "allow" }];

async function ctxOf(apiKey: string): Promise<Ctx> {
  return { ...(await authenticateApiKey(apiKey)), requestId: "revocation-test" };
}

function asOwner(org: TestOrg): Ctx {
  return { org: org.org, actor: { type: "user", userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" }, requestId: "test" };
}

async function delegate(ctx: Ctx, name: string, ttlSeconds = 300) {
  const created = await createDelegation({ ctx, input: { name, capabilities: ["pr.*"], ttlSeconds } });
  const key = await db().apiKey.findFirstOrThrow({ where: { agentId: created.delegation.childAgentId } });
  return { ...created, keyId: key.id, ctx: await ctxOf(created.apiKey) };
}

const revokedAt = async (id: string) => (await db().delegation.findUniqueOrThrow({ where: { id } })).revokedAt;

/** What the answer to a key is, as a word: "accepted", or the code of its refusal. */
async function answer(apiKey: string, now?: number): Promise<string> {
  try {
    await requireStandingKey(await authenticateApiKey(apiKey, now), now);
    return "accepted";
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("revoking a key ends the delegations made with it", () => {
  it("which delegations a key's revoke takes: made with it (and below), its own delegate's; not another key's", async () => {
    const org = await createTestOrg({ label: "rvk-keys", policies: POLICIES });
    const owner = asOwner(org);
    const root = await ctxOf(org.agent.apiKey);
    const second = await issueAgentKey({ ctx: owner, input: { agentId: org.agent.id, body: { name: "second" } } });
    const viaSecond = await ctxOf(second.apiKey);
    const a = await delegate(root, "a", 600);
    const b = await delegate(a.ctx, "b", 500);
    const c = await delegate(b.ctx, "c", 400);
    const other = await delegate(viaSecond, "other", 600);
    const otherChild = await delegate(other.ctx, "other-child", 500);

    // A delegate's own key: its delegation and everything below go; its parent's do not.
    await revokeApiKey({ ctx: owner, input: { keyId: b.keyId } });
    expect(await revokedAt(a.delegation.id)).toBeNull();
    for (const d of [b, c]) expect(await revokedAt(d.delegation.id)).not.toBeNull();
    const entry = async (d: { delegation: { id: string } }) =>
      JSON.parse((await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, type: "delegation.revoked", subjectId: d.delegation.id } })).canonical).data as Record<
        string,
        unknown
      >;
    // b is the top (c, made with b's key too, lies below it): its entry says why and names the keys it took (b's own was revoked first); c's points to it.
    expect(await entry(b)).toMatchObject({ keyRevoked: b.keyId, keysRevoked: [c.keyId] });
    expect(await entry(c)).toMatchObject({ revokedWith: b.delegation.id });
    expect(await answer(c.apiKey)).toBe("DELEGATION_REVOKED");

    // The root's first key: what it made goes; what its second key made stays.
    await revokeApiKey({ ctx: owner, input: { keyId: org.agent.keyId } });
    expect(await revokedAt(a.delegation.id)).not.toBeNull();
    for (const d of [other, otherChild]) expect(await revokedAt(d.delegation.id)).toBeNull();
    expect(await answer(otherChild.apiKey)).toBe("accepted");
    expect(await answer(a.apiKey)).toBe("DELEGATION_REVOKED");
  });

  it("a delegation made before the making key was kept is ended by any key of its parent (fail closed)", async () => {
    const org = await createTestOrg({ label: "rvk-legacy", policies: POLICIES });
    const owner = asOwner(org);
    const second = await issueAgentKey({ ctx: owner, input: { agentId: org.agent.id, body: { name: "second" } } });
    const a = await delegate(await ctxOf(org.agent.apiKey), "a");
    await db().delegation.update({ where: { id: a.delegation.id }, data: { createdByKeyId: null } });
    await revokeApiKey({ ctx: owner, input: { keyId: second.id } });
    expect(await revokedAt(a.delegation.id)).not.toBeNull();
  });
});

describe("a delegation racing its key's revoke", () => {
  it("a request authenticated before the key's revoke committed cannot delegate after it (401), nor retry a delegation", async () => {
    const org = await createTestOrg({ label: "rvk-race", policies: POLICIES });
    const root = await ctxOf(org.agent.apiKey);
    const first = await createDelegation({ ctx: root, input: { name: "first", capabilities: ["pr.*"], ttlSeconds: 60 }, idempotencyKey: "race-0001" });
    await revokeApiKey({ ctx: asOwner(org), input: { keyId: org.agent.keyId } });
    const before = await db().delegation.count({ where: { orgId: org.org.id } });
    await expect(createDelegation({ ctx: root, input: { name: "late", capabilities: ["pr.*"], ttlSeconds: 60 } })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(createDelegation({ ctx: root, input: { name: "first", capabilities: ["pr.*"], ttlSeconds: 60 }, idempotencyKey: "race-0001" })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    expect(await db().delegation.count({ where: { orgId: org.org.id } })).toBe(before);
    expect(await revokedAt(first.delegation.id)).not.toBeNull();
  });
});

describe("without a signal (another instance, no Redis), a delegate is refused within the caches' bounds", () => {
  it("an ancestor halted elsewhere: accepted from this process's snapshot until SNAPSHOT_TTL_MS, refused after", async () => {
    const org = await createTestOrg({ label: "rvk-bound-halt", policies: POLICIES });
    const a = await delegate(await ctxOf(org.agent.apiKey), "a", 600);
    const b = await delegate(a.ctx, "b", 500);
    // This process reads the key and the agents above it now, at t0.
    evictKeyCache(b.keyId);
    for (const id of [org.agent.id, a.delegation.childAgentId]) forgetAgent(id);
    const t0 = Date.now();
    expect(await answer(b.apiKey, t0)).toBe("accepted");
    // Another instance halts the root: its commit is here, its signal never arrives.
    await db().agent.update({ where: { id: org.agent.id }, data: { status: "halted", haltedAt: new Date() } });
    expect(await answer(b.apiKey, t0 + SNAPSHOT_TTL_MS - 1)).toBe("accepted");
    expect(await answer(b.apiKey, t0 + SNAPSHOT_TTL_MS + 1)).toBe("AGENT_HALTED");
  });

  it("a delegation revoked elsewhere: accepted from this process's key cache until KEY_CACHE_TTL_MS, refused after", async () => {
    const org = await createTestOrg({ label: "rvk-bound-key", policies: POLICIES });
    const a = await delegate(await ctxOf(org.agent.apiKey), "a");
    evictKeyCache(a.keyId);
    const t0 = Date.now();
    expect(await answer(a.apiKey, t0)).toBe("accepted");
    await db().delegation.update({ where: { id: a.delegation.id }, data: { revokedAt: new Date() } });
    await db().apiKey.update({ where: { id: a.keyId }, data: { revokedAt: new Date() } });
    expect(await answer(a.apiKey, t0 + KEY_CACHE_TTL_MS - 1)).toBe("accepted");
    expect(await answer(a.apiKey, t0 + KEY_CACHE_TTL_MS + 1)).toBe("DELEGATION_REVOKED");
  });
});
