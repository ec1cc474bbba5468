import { newId, randomToken } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, db, disconnectDb } from "../src";
import { createTestOrg } from "../src/testing";

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

/** Each model holding a secret's digest or an encrypted key, with the field a plain read must leave out. */
const SECRET_COLUMNS = [
  ["user", "passwordHash"],
  ["apiKey", "keyHash"],
  ["signingKey", "encryptedPrivateKey"],
  ["invitation", "tokenHash"],
  ["accountToken", "tokenHash"],
  ["webhookEndpoint", "secretEnc"],
  ["webhookEndpoint", "previousSecretEnc"],
  ["orgSlackConnection", "botTokenEnc"],
  ["orgSlackConnection", "signingSecretEnc"],
  ["slackConnectionRequest", "botTokenEnc"],
  ["slackConnectionRequest", "signingSecretEnc"],
] as const;

async function orgWithEverySecret() {
  const org = await createTestOrg({ label: "secret-fields" });
  await db().invitation.create({
    data: {
      id: newId("invitation"),
      orgId: org.org.id,
      email: `invitee-${randomToken(6).toLowerCase()}@example.test`,
      role: "viewer",
      tokenHash: randomToken(32),
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  await db().accountToken.create({
    data: { id: `tok_${randomToken(22)}`, userId: org.owner.userId, purpose: "reset_password", tokenHash: randomToken(32), expiresAt: new Date(Date.now() + 3_600_000) },
  });
  // A webhook endpoint mid-rotation and a Slack app: their sealed secrets.
  await db().webhookEndpoint.create({
    data: { id: newId("webhookEndpoint"), orgId: org.org.id, url: "https://hooks.example.test/in", events: ["*"], secretEnc: "v1:a:b", previousSecretEnc: "v1:c:d", nextSeq: 0n },
  });
  await db().orgSlackConnection.create({ data: { orgId: org.org.id, botTokenEnc: "v1:e:f", signingSecretEnc: "v1:g:h" } });
  // A Slack app waiting for a second admin: its sealed secrets on the request row.
  await db().slackConnectionRequest.create({
    data: { id: newId("slackConnectionRequest"), orgId: org.org.id, approvalId: newId("approval"), botTokenEnc: "v1:i:j", signingSecretEnc: "v1:k:l", teamId: "T0SECRET" },
  });
  return org;
}

describe("secrets' digests and encrypted keys are left out of plain reads", () => {
  it.each(SECRET_COLUMNS)("%s.findFirst and findMany answer without %s; asking for it by name returns it", async (model, field) => {
    const org = await orgWithEverySecret();
    const where = model === "user" ? { id: org.owner.userId } : model === "accountToken" ? { userId: org.owner.userId } : { orgId: org.org.id };
    // One delegate per model, each read the way services and routes read them.
    const delegate = db()[model] as unknown as {
      findFirst(args: object): Promise<Record<string, unknown> | null>;
      findMany(args: object): Promise<Array<Record<string, unknown>>>;
    };
    const first = await delegate.findFirst({ where });
    expect(first).not.toBeNull();
    expect(Object.keys(first ?? {})).not.toContain(field);
    const many = await delegate.findMany({ where });
    expect(many.length).toBeGreaterThan(0);
    for (const row of many) expect(Object.keys(row)).not.toContain(field);
    const opted = await delegate.findFirst({ where, omit: { [field]: false } });
    expect(typeof opted?.[field]).toBe("string");
  });

  it("a relation read through include leaves them out too", async () => {
    const org = await orgWithEverySecret();
    const membership = await db().membership.findFirstOrThrow({ where: { id: org.owner.membershipId }, include: { user: true } });
    expect(Object.keys(membership.user)).not.toContain("passwordHash");
    const agent = await db().agent.findFirstOrThrow({ where: { id: org.agent.id }, include: { apiKeys: true } });
    expect(agent.apiKeys.length).toBeGreaterThan(0);
    for (const key of agent.apiKeys) expect(Object.keys(key)).not.toContain("keyHash");
  });
});
