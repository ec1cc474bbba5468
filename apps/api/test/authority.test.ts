import { createAgent, db, issueAdminKey, type Ctx } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import { hashFromHex, hashLeaf, toHex, verifyInclusion } from "@gatehouse/tlog";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, call, startApp, stopApp, writesOf } from "./helpers";

// Edges of authority inside one org: whose credentials a member may act on (the catalogue's role
// ranking), and which audit entries an agent's key may prove.

let app: FastifyInstance;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await stopApp(app);
});

const keyIdOf = async (member: { membershipId: string }) =>
  (await db().apiKey.findFirstOrThrow({ where: { membershipId: member.membershipId }, orderBy: { createdAt: "asc" } })).id;
const works = async (key: string) => (await call(app, "GET", "/v1/whoami", { key })).statusCode;

describe("a member acts on another member's credentials only from at least their rank", () => {
  let org: TestOrg;

  beforeAll(async () => {
    org = await createTestOrg({ label: "authkeys" });
  });

  it("an admin's key cannot revoke an owner's admin key: 403, nothing written, the key still works", async () => {
    const admin = await addTestMember(org, "admin");
    const owner = await addTestMember(org, "owner", "second-owner");
    const ownerKeyId = await keyIdOf(owner);
    const before = await writesOf(org.org.id);
    const response = await call(app, "DELETE", `/v1/admin/keys/${ownerKeyId}`, { key: admin.apiKey });
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().error).toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/owner/) });
    expect(await writesOf(org.org.id)).toEqual(before);
    expect((await db().apiKey.findUniqueOrThrow({ where: { id: ownerKeyId } })).revokedAt).toBeNull();
    expect(await works(owner.apiKey)).toBe(200);
  });

  it("an admin cannot issue an admin key that acts as an owner (the service, as the console or any caller uses it)", async () => {
    const admin = await addTestMember(org, "admin");
    const ctx: Ctx = {
      org: org.org,
      actor: { type: "adminKey", keyId: await keyIdOf(admin), userId: admin.userId, membershipId: admin.membershipId, role: "admin" },
      requestId: "authority",
    };
    const before = await writesOf(org.org.id);
    const keysBefore = await db().apiKey.count({ where: { membershipId: org.owner.membershipId } });
    await expect(issueAdminKey({ ctx, input: { membershipId: org.owner.membershipId } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await writesOf(org.org.id)).toEqual(before);
    expect(await db().apiKey.count({ where: { membershipId: org.owner.membershipId } })).toBe(keysBefore);
    // For a member of its own rank it may.
    const peer = await addTestMember(org, "admin", "peer");
    const issued = await issueAdminKey({ ctx, input: { membershipId: peer.membershipId } });
    expect(await works(issued.apiKey)).toBe(200);
  });

  it("an admin may revoke another admin's key (equal rank): 200, and the key stops working", async () => {
    const admin = await addTestMember(org, "admin");
    const other = await addTestMember(org, "admin", "other-admin");
    const response = await call(app, "DELETE", `/v1/admin/keys/${await keyIdOf(other)}`, { key: admin.apiKey });
    expect(response.statusCode, response.body).toBe(200);
    expect(await works(other.apiKey)).toBe(401);
  });

  it("an owner may revoke an admin's key: 200, and the key stops working", async () => {
    const admin: TestMember = await addTestMember(org, "admin");
    const before = await writesOf(org.org.id);
    const response = await call(app, "DELETE", `/v1/admin/keys/${await keyIdOf(admin)}`, { key: org.adminKey.apiKey });
    expect(response.statusCode, response.body).toBe(200);
    expect((await writesOf(org.org.id)).auditSize).toBe(before.auditSize + 1);
    expect(await works(admin.apiKey)).toBe(401);
  });

  it("an admin still manages agents' keys", async () => {
    const admin = await addTestMember(org, "admin");
    const agent = await createAgent({ ctx: org.ctx, input: { name: "rotating" } });
    const response = await call(app, "DELETE", `/v1/admin/keys/${agent.keyId}`, { key: admin.apiKey });
    expect(response.statusCode, response.body).toBe(200);
    expect(await works(agent.apiKey)).toBe(401);
  });
});

describe("an agent's key proves only its own agent's audit entries", () => {
  let org: TestOrg;
  let agentB: { apiKey: string; id: string };
  let ownEntry: string;
  let otherEntry: string;

  const execute = async (key: string) => {
    const response = await call(app, "POST", "/v1/actions", { key, body: { actionType: "pr.open" } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().auditEventId as string;
  };
  const seqOf = async (id: string) => Number((await db().auditEntry.findUniqueOrThrow({ where: { id } })).seq);
  const proof = (query: string, key = org.agent.apiKey) => call(app, "GET", `/v1/audit/proof?${query}`, { key });

  beforeAll(async () => {
    org = await createTestOrg({ label: "authproof", policies: ALLOW_ALL_PR });
    agentB = await createAgent({ ctx: org.ctx, input: { name: "agent-b" } });
    ownEntry = await execute(org.agent.apiKey);
    otherEntry = await execute(agentB.apiKey);
    await execute(org.agent.apiKey);
  });

  it("another agent's entry is 404 exactly like an entry that does not exist, by id and by seq", async () => {
    const missing = await proof("entryId=aud_0000000000000000000000");
    expect(missing.statusCode).toBe(404);
    const byId = await proof(`entryId=${otherEntry}`);
    expect(byId.statusCode, byId.body).toBe(404);
    expect(byId.json().error.code).toBe("NOT_FOUND");
    expect(byId.json().error.message).toBe(missing.json().error.message);
    const bySeq = await proof(`seq=${await seqOf(otherEntry)}`);
    expect(bySeq.statusCode, bySeq.body).toBe(404);
    expect(bySeq.json().error.message).toBe(missing.json().error.message);
    // Entries of nobody's agent (the org's own changes) are not the agent's either.
    const orgEntry = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, agentId: null } });
    expect((await proof(`seq=${orgEntry.seq}`)).statusCode).toBe(404);
  });

  it("its own entry is proven, by id and by seq, and the proof verifies against the checkpoint", async () => {
    const entry = await db().auditEntry.findUniqueOrThrow({ where: { id: ownEntry } });
    for (const query of [`entryId=${ownEntry}`, `seq=${entry.seq}`]) {
      const response = await proof(query);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ type: "inclusion", entryId: ownEntry, seq: Number(entry.seq), leafHash: toHex(hashLeaf(entry.canonical)) });
      expect(body.checkpoint.rootHash).toBe(body.rootHash);
      expect(
        verifyInclusion(
          body.seq,
          body.treeSize,
          hashFromHex(body.leafHash),
          body.proof.map((h: string) => hashFromHex(h)),
          hashFromHex(body.checkpoint.rootHash),
        ),
      ).toEqual({ ok: true });
    }
  });

  it("admin keys still prove any entry; consistency proofs and checkpoints stay open to agents", async () => {
    expect((await proof(`entryId=${otherEntry}`, org.adminKey.apiKey)).statusCode).toBe(200);
    expect((await proof(`seq=${await seqOf(otherEntry)}`, org.adminKey.apiKey)).statusCode).toBe(200);
    expect((await proof("from=1")).json()).toMatchObject({ type: "consistency", from: 1 });
    expect((await call(app, "GET", "/v1/audit/checkpoint", { key: org.agent.apiKey })).statusCode).toBe(200);
  });

  it("nothing the agent's key lists holds another agent's entries", async () => {
    for (const path of ["/v1/audit?limit=100", `/v1/audit?limit=100&agentId=${agentB.id}`]) {
      const events = (await call(app, "GET", path, { key: org.agent.apiKey })).json().events as Array<{ id: string; agentId: string | null }>;
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((e) => e.agentId !== org.agent.id)).toEqual([]);
    }
  });
});
