import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { revokeApiKey } from "../src/cascades/revoke-api-key";
import { db } from "../src/infra/client";
import { authenticateApiKey } from "../src/keys/authenticate-api-key";
import { collectCliLogin, decideCliLogin, pendingCliLogin, startCliLogin } from "../src/keys/cli-logins";
import { issueAdminKey } from "../src/keys/issue-admin-key";
import { listAdminKeys } from "../src/keys/list-admin-keys";
import { refreshAdminKey } from "../src/keys/refresh-admin-key";
import { getMemberContext } from "../src/orgs/get-member-context";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "../src/testing";

// Issue 62, point 7: one phished click on a CLI login link must not yield an owner's standing key. The attacker starts
// `gatehouse login --web` on their own machine and sends an owner the link with the code filled in. So: the console
// shows the requesting device, its address and User-Agent; an owner's confirmation needs the code typed (a pre-filled
// code, or another code, is refused and nothing is decided); the key expires in 30 days (refused after it; refreshed
// by itself only), and is listed and revoked with the member's other admin keys.

const DAY = 86_400_000;
let org: TestOrg;
let owner: Ctx;
let admin: TestMember;
let address = 0;
const start = () => startCliLogin({ client: "gatehouse 0.1.0", deviceName: "build-box-7", address: `100.64.7.${(address += 1) % 250}`, userAgent: "node" });
const memberCtx = (userId: string) => getMemberContext({ userId, orgSlug: org.org.slug, requestId: "cli-login-phishing" });

beforeAll(async () => {
  org = await createTestOrg({ label: "cli-phish" });
  owner = await memberCtx(org.owner.userId);
  admin = await addTestMember(org, "admin", "cli-phish-admin");
});

afterAll(async () => {
  await closeSignals();
  await closeRateLimiter();
  await disconnectDb();
});

/** A confirmed login's key, collected at `now`. */
async function keyOf(ctx: Ctx, now: number, typed = true): Promise<{ apiKey: string; id: string; expiresAt: string | null }> {
  const started = await start();
  await decideCliLogin({ ctx, input: { userCode: started.userCode, ...(typed ? { typedCode: started.userCode } : {}), decision: "approve" } });
  const collected = await collectCliLogin({ pollToken: started.pollToken, now });
  if (collected.status !== "approved") throw new Error(`expected a key, got ${collected.status}`);
  return { apiKey: collected.apiKey, id: collected.key.id, expiresAt: collected.key.expiresAt };
}

describe("what the confirming member is shown", () => {
  it("the device the CLI names, the address it came from and its User-Agent", async () => {
    const started = await startCliLogin({ client: "gatehouse 0.1.0", deviceName: "attackers-laptop", address: "203.0.113.66", userAgent: `curl/8.5.0 ${"x".repeat(1_000)}` });
    const shown = await pendingCliLogin({ userCode: started.userCode });
    expect(shown).toMatchObject({ deviceName: "attackers-laptop", address: "203.0.113.66", client: "gatehouse 0.1.0" });
    // Enough of the header to recognise a client; never a place to store a megabyte.
    expect(shown.userAgent).toMatch(/^curl\/8\.5\.0 x+$/);
    expect(shown.userAgent?.length).toBe(300);
  });
});

describe("an owner's confirmation needs the code typed", () => {
  const refused: Array<[string, (code: string) => string | null | undefined]> = [
    ["the link's code only (nothing typed: the pre-filled form)", () => undefined],
    ["an empty typed code", () => ""],
    ["blanks", () => "   "],
    ["null", () => null],
    ["another code (the owner's own terminal shows a different one)", (code) => (code.startsWith("B") ? "CCCC-DDDD" : "BBBB-CCCC")],
    ["something that is not a code", () => "yes please"],
  ];
  it.each(refused)("%s: refused, naming typedCode; nothing decided, no key", async (_name, typedOf) => {
    const started = await start();
    const typedCode = typedOf(started.userCode);
    await expect(decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode, decision: "approve" } })).rejects.toMatchObject({
      code: "VALIDATION",
      details: { issues: [{ path: "typedCode" }] },
    });
    expect((await db().cliLogin.findUniqueOrThrow({ where: { userCode: started.userCode } })).status).toBe("pending");
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "pending", interval: 2 });
  });

  it("the login refused on the link's code alone is confirmed once the owner types it (any case, a space for the dash); refusing needs no typing", async () => {
    const started = await start();
    await expect(decideCliLogin({ ctx: owner, input: { userCode: started.userCode, decision: "approve" } })).rejects.toMatchObject({ code: "VALIDATION" });
    const typed = started.userCode.toLowerCase().replace("-", " ");
    await decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: typed, decision: "approve" } });
    expect((await collectCliLogin({ pollToken: started.pollToken })).status).toBe("approved");
    const unwanted = await start();
    await decideCliLogin({ ctx: owner, input: { userCode: unwanted.userCode, decision: "deny" } });
    expect(await collectCliLogin({ pollToken: unwanted.pollToken })).toEqual({ status: "denied" });
  });

  it("a non-owner may confirm the link's pre-filled code, and a mistyped code refuses them too", async () => {
    const adminCtx = await memberCtx(admin.userId);
    const mistyped = await start();
    await expect(decideCliLogin({ ctx: adminCtx, input: { userCode: mistyped.userCode, typedCode: "BBBB-BBBB", decision: "approve" } })).rejects.toMatchObject({
      details: { issues: [{ path: "typedCode" }] },
    });
    const key = await keyOf(adminCtx, Date.now(), false);
    expect(await authenticateApiKey(key.apiKey)).toMatchObject({ actor: { membershipId: admin.membershipId, role: "admin" } });
  });
});

describe("the key a CLI login issues", () => {
  it("expires 30 days after it is collected, and is refused from then on", async () => {
    const now = Date.now();
    const key = await keyOf(owner, now);
    expect(key.expiresAt).toBe(new Date(now + 30 * DAY).toISOString());
    await expect(authenticateApiKey(key.apiKey, now + 30 * DAY - 1_000)).resolves.toMatchObject({ actor: { keyId: key.id } });
    await expect(authenticateApiKey(key.apiKey, now + 30 * DAY)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(authenticateApiKey(key.apiKey, now + 365 * DAY)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("is listed with the member's admin keys, and revoking it there stops it", async () => {
    const key = await keyOf(owner, Date.now());
    const listed = (await listAdminKeys({ ctx: owner })).find((k) => k.id === key.id);
    expect(listed).toMatchObject({ name: "cli: build-box-7", expiresAt: key.expiresAt, revokedAt: null, mine: true });
    await revokeApiKey({ ctx: owner, input: { keyId: key.id } });
    await expect(authenticateApiKey(key.apiKey)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await listAdminKeys({ ctx: owner })).find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
  });

  it("is refreshed by itself before it expires: a successor for 30 days from then, the old secret dead at once", async () => {
    const now = Date.now();
    const key = await keyOf(owner, now);
    const asKey: Ctx = { ...(await authenticateApiKey(key.apiKey, now)), requestId: "refresh" };
    const later = now + 20 * DAY;
    const fresh = await refreshAdminKey({ ctx: asKey, input: { keyId: key.id }, now: later });
    expect(fresh.expiresAt).toBe(new Date(later + 30 * DAY).toISOString());
    await expect(authenticateApiKey(key.apiKey, later)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(authenticateApiKey(fresh.apiKey, later)).resolves.toMatchObject({ actor: { keyId: fresh.id, membershipId: org.owner.membershipId } });
    const entries = await db().auditEntry.findMany({ where: { orgId: org.org.id, subjectId: { in: [key.id, fresh.id] } }, orderBy: { seq: "asc" }, select: { type: true } });
    expect(entries.map((e) => e.type)).toEqual(["key.issued", "key.issued", "key.revoked"]);
  });

  it("a refresh by anyone but the key itself, or of a key that does not refresh, or of another org's key, is refused", async () => {
    const now = Date.now();
    const key = await keyOf(owner, now);
    // The member's session, and another key of theirs: 403, the key unchanged.
    await expect(refreshAdminKey({ ctx: owner, input: { keyId: key.id } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const other: Ctx = { ...(await authenticateApiKey(org.adminKey.apiKey)), requestId: "refresh" };
    await expect(refreshAdminKey({ ctx: other, input: { keyId: key.id } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // A standing key (issued without refreshDays) does not refresh itself into a longer life.
    await expect(refreshAdminKey({ ctx: other, input: { keyId: org.adminKey.id } })).rejects.toMatchObject({ code: "CONFLICT" });
    const expiring = await issueAdminKey({ ctx: owner, input: { membershipId: org.owner.membershipId, name: "for a week", expiresInDays: 7 } });
    const asExpiring: Ctx = { ...(await authenticateApiKey(expiring.apiKey)), requestId: "refresh" };
    await expect(refreshAdminKey({ ctx: asExpiring, input: { keyId: expiring.id } })).rejects.toMatchObject({ code: "CONFLICT" });
    // Another org's key id: 404.
    const elsewhere = await createTestOrg({ label: "cli-phish-b" });
    await expect(refreshAdminKey({ ctx: other, input: { keyId: elsewhere.adminKey.id } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(authenticateApiKey(key.apiKey)).resolves.toMatchObject({ actor: { keyId: key.id } });
  });
});
