import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { db } from "../src/infra/client";
import { authenticateApiKey } from "../src/keys/authenticate-api-key";
import { collectCliLogin, decideCliLogin, normalizeUserCode, PENDING_PER_ADDRESS, pendingCliLogin, startCliLogin } from "../src/keys/cli-logins";
import { getMemberContext } from "../src/orgs/get-member-context";
import { addTestMember, createTestOrg, type TestOrg } from "../src/testing";

// `gatehouse login --web` (issue 44): the CLI asks for a login, a member confirms its code in the console, the CLI's
// poll collects an admin key of that member's, once. What an attacker tries: collecting without a confirmation, twice,
// after a refusal or past the time; confirming someone else's code for an org they are not in; racing two polls;
// a member removed between the confirmation and the poll; filling the table from one address.

let a: TestOrg;
let b: TestOrg;
let owner: Ctx;
let address = 0;
/** A fresh address per login, so the per-address cap is met only where a test means to meet it. */
const start = () => startCliLogin({ client: "gatehouse 0.1.0 on test", address: `192.0.2.${(address += 1) % 250}` });
const memberCtx = (org: TestOrg, userId: string) => getMemberContext({ userId, orgSlug: org.org.slug, requestId: "cli-login-test" });
const adminKeys = (org: TestOrg) => db().apiKey.count({ where: { orgId: org.org.id, kind: "admin" } });

beforeAll(async () => {
  [a, b] = await Promise.all([createTestOrg({ label: "cli-a" }), createTestOrg({ label: "cli-b" })]);
  owner = await memberCtx(a, a.owner.userId);
});

afterAll(async () => {
  await closeSignals();
  await closeRateLimiter();
  await disconnectDb();
});

describe("a CLI login from the console", () => {
  it("waits until a member confirms it, then answers that member's new admin key once", async () => {
    const started = await start();
    expect(started).toMatchObject({ userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/), pollToken: expect.stringMatching(/^ghcli_/), expiresIn: 600, interval: 2 });
    expect(started.verificationUriComplete).toBe(`https://console.gatehouse.test/cli-login?code=${started.userCode}`);
    // Only the hash of the poll secret is stored.
    expect(JSON.stringify(await db().cliLogin.findUniqueOrThrow({ where: { userCode: started.userCode } }))).not.toContain(started.pollToken);
    expect(await pendingCliLogin({ userCode: started.userCode.toLowerCase().replace("-", " ") })).toMatchObject({ client: "gatehouse 0.1.0 on test" });
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "pending", interval: 2 });

    const before = await adminKeys(a);
    await decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: started.userCode, decision: "approve" } });
    const collected = await collectCliLogin({ pollToken: started.pollToken });
    if (collected.status !== "approved") throw new Error(`expected a key, got ${collected.status}`);
    expect(collected.org).toEqual({ slug: a.org.slug, name: a.org.name });
    // The key acts as the member who confirmed, in the org they chose; issued and audited as theirs.
    const principal = await authenticateApiKey(collected.apiKey);
    expect(principal).toMatchObject({ org: { id: a.org.id }, actor: { type: "adminKey", membershipId: a.owner.membershipId } });
    expect(await adminKeys(a)).toBe(before + 1);
    const issued = await db().auditEntry.findFirstOrThrow({ where: { orgId: a.org.id, type: "key.issued", subjectId: collected.key.id } });
    expect(issued.actorId).toBe(a.owner.membershipId);
    // Once: every later poll hears the login is gone, and no second key is made.
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "expired" });
    expect(await adminKeys(a)).toBe(before + 1);
    await expect(pendingCliLogin({ userCode: started.userCode })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a refused login gives nothing, and cannot be confirmed after", async () => {
    const started = await start();
    const before = await adminKeys(a);
    await decideCliLogin({ ctx: owner, input: { userCode: started.userCode, decision: "deny" } });
    await expect(decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: started.userCode, decision: "approve" } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "denied" });
    expect(await adminKeys(a)).toBe(before);
  });

  it("past its ten minutes: nobody confirms it, the poll hears expired", async () => {
    const started = await start();
    await db().cliLogin.update({ where: { userCode: started.userCode }, data: { expiresAt: new Date(Date.now() - 1) } });
    await expect(decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: started.userCode, decision: "approve" } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "expired" });
  });

  it("a confirmed login lapses at its time too: the poll after it gets no key", async () => {
    const started = await start();
    await decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: started.userCode, decision: "approve" } });
    await db().cliLogin.update({ where: { userCode: started.userCode }, data: { expiresAt: new Date(Date.now() - 1) } });
    const before = await adminKeys(a);
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "expired" });
    expect(await adminKeys(a)).toBe(before);
  });

  it("two polls racing after the confirmation: one key between them", async () => {
    const started = await start();
    await decideCliLogin({ ctx: owner, input: { userCode: started.userCode, typedCode: started.userCode, decision: "approve" } });
    const before = await adminKeys(a);
    const polls = await Promise.all(Array.from({ length: 6 }, () => collectCliLogin({ pollToken: started.pollToken })));
    expect(polls.filter((p) => p.status === "approved")).toHaveLength(1);
    expect(polls.filter((p) => p.status === "expired")).toHaveLength(5);
    expect(await adminKeys(a)).toBe(before + 1);
  });

  it("the key is the confirming member's, with their role, in their org: another org's member never reaches org A", async () => {
    const auditor = await addTestMember(a, "auditor", "cli-auditor");
    const started = await start();
    await decideCliLogin({ ctx: await memberCtx(a, auditor.userId), input: { userCode: started.userCode, decision: "approve" } });
    const collected = await collectCliLogin({ pollToken: started.pollToken });
    if (collected.status !== "approved") throw new Error(`expected a key, got ${collected.status}`);
    expect(await authenticateApiKey(collected.apiKey)).toMatchObject({ org: { id: a.org.id }, actor: { membershipId: auditor.membershipId, role: "auditor" } });
    // B's owner confirms a code: the key is B's, whatever org the CLI had in mind; they have no context in A at all.
    await expect(memberCtx(a, b.owner.userId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const other = await start();
    await decideCliLogin({ ctx: await memberCtx(b, b.owner.userId), input: { userCode: other.userCode, typedCode: other.userCode, decision: "approve" } });
    const theirs = await collectCliLogin({ pollToken: other.pollToken });
    expect(theirs.status === "approved" && (await authenticateApiKey(theirs.apiKey)).org.id).toBe(b.org.id);
  });

  it("a member removed between the confirmation and the poll gets no key", async () => {
    const approver = await addTestMember(a, "approver", "cli-removed");
    const started = await start();
    await decideCliLogin({ ctx: await memberCtx(a, approver.userId), input: { userCode: started.userCode, decision: "approve" } });
    await db().membership.update({ where: { id: approver.membershipId }, data: { removedAt: new Date() } });
    const before = await adminKeys(a);
    expect(await collectCliLogin({ pollToken: started.pollToken })).toEqual({ status: "expired" });
    expect(await adminKeys(a)).toBe(before);
  });

  it("bad input is a 400 naming the field; an unknown secret or code is simply not there", async () => {
    await expect(collectCliLogin({ pollToken: "not-a-token" })).rejects.toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "pollToken" }] } });
    expect(await collectCliLogin({ pollToken: `ghcli_${"x".repeat(43)}` })).toEqual({ status: "expired" });
    await expect(decideCliLogin({ ctx: owner, input: { userCode: "nope", decision: "approve" } })).rejects.toMatchObject({
      code: "VALIDATION",
      details: { issues: [{ path: "userCode" }] },
    });
    await expect(decideCliLogin({ ctx: owner, input: { userCode: "BBBB-CCCC", typedCode: "BBBB-CCCC", decision: "approve" } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(normalizeUserCode(" bcdf ghjk ")).toBe("BCDF-GHJK");
    expect(normalizeUserCode("AEIO-UBCD")).toBeNull();
  });

  it("one address cannot keep more than its share waiting", async () => {
    const from = { client: "flood", address: "198.51.100.7" };
    await Promise.all(Array.from({ length: PENDING_PER_ADDRESS }, () => startCliLogin(from)));
    await expect(startCliLogin(from)).rejects.toMatchObject({ code: "RATE_LIMITED" });
    // Others are not held back by it.
    await expect(start()).resolves.toMatchObject({ pollToken: expect.stringMatching(/^ghcli_/) });
  });
});
