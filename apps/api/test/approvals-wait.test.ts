import { createAgent, systemCtx } from "@gatehouse/db";
import { addTestMember, createTestOrg, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

// POST /v1/approvals/wait: one long-poll over a set of approvals (what the SDK's gates share).
// The security table: no key, bad keys, other orgs' and other agents' ids (never decided, never a
// leak, answered exactly like a missing id), oversized and malformed sets; then the behaviour.

let app: FastifyInstance;
let a: TestOrg;
let b: TestOrg;
let approverA: TestMember;
let approverB: TestMember;
/** A second agent of org A, with its own key. */
let siblingKey: string;

const policies = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
];

beforeAll(async () => {
  app = await startApp({ limits: { waitsPerKey: 2 } });
  [a, b] = await Promise.all([createTestOrg({ label: "wait-many-a", policies }), createTestOrg({ label: "wait-many-b", policies })]);
  [approverA, approverB] = await Promise.all([addTestMember(a, "approver"), addTestMember(b, "approver")]);
  siblingKey = (await createAgent({ ctx: systemCtx(a.org, "test"), input: { name: "sibling" } })).apiKey;
});
afterAll(async () => {
  await stopApp(app);
});

let merges = 0;
async function requestApproval(key: string): Promise<string> {
  // Each a different PR: the same call again and again is a loop (docs/loops.md).
  const response = await call(app, "POST", "/v1/actions", { key, body: { actionType: "pr.merge", metadata: { pr: (merges += 1) } } });
  const result = response.json<{ approvalId?: string }>();
  if (!result.approvalId) throw new Error(`expected an approval: ${response.body}`);
  return result.approvalId;
}

const wait = (key: string | undefined, body: unknown) => call(app, "POST", "/v1/approvals/wait", { ...(key === undefined ? {} : { key }), body });
const decide = (key: string, approvalId: string, decision: "approve" | "deny") => call(app, "POST", `/v1/admin/approvals/${approvalId}/decision`, { key, body: { decision } });
const MISSING = "apr_0000000000000000000000";

describe("who may wait on which approvals", () => {
  it.each([
    ["no key", undefined],
    ["a malformed key", "not-a-key"],
    ["an unknown key", "gh_agent_0000000000000000000000000000"],
  ])("%s: 401, nothing waited", async (_name, key) => {
    const approvalId = await requestApproval(a.agent.apiKey);
    const response = await wait(key, { approvalIds: [approvalId], timeoutMs: 0 });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe("UNAUTHENTICATED");
  });

  // Each hostile id, alone and beside one of the caller's own: answered like a missing id, with nothing of the other party's approval.
  const hostile: Array<[string, () => Promise<string>]> = [
    ["another org's approval", () => requestApproval(b.agent.apiKey)],
    [
      "another org's approval, already decided",
      async () => {
        const id = await requestApproval(b.agent.apiKey);
        expect((await decide(approverB.apiKey, id, "approve")).statusCode).toBe(200);
        return id;
      },
    ],
    ["another agent's approval in the same org", () => requestApproval(siblingKey)],
    ["an approval that does not exist", async () => MISSING],
  ];

  it.each(hostile)("%s: not found, answered at once, never decided, no field of it in the answer", async (_name, make) => {
    const foreign = await make();
    const own = await requestApproval(a.agent.apiKey);
    const before = await writesOf(b.org.id);
    for (const approvalIds of [[foreign], [own, foreign]]) {
      const response = await wait(a.agent.apiKey, { approvalIds, timeoutMs: 20_000 });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ approvals: [], pending: approvalIds.filter((id) => id === own), notFound: [foreign] });
    }
    expect(await writesOf(b.org.id)).toEqual(before);
  });

  it("an org admin key sees the approvals of its org's agents, not another org's", async () => {
    const [own, foreign] = await Promise.all([requestApproval(a.agent.apiKey), requestApproval(b.agent.apiKey)]);
    const response = await wait(approverA.apiKey, { approvalIds: [own, foreign], timeoutMs: 0 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ approvals: [], pending: [own], notFound: [foreign] });
  });

  it.each([
    ["no ids", { approvalIds: [] }, "approvalIds"],
    ["1,001 ids", { approvalIds: Array.from({ length: 1001 }, (_, i) => `apr_${String(i).padStart(22, "0")}`) }, "approvalIds"],
    ["a malformed id", { approvalIds: [MISSING, "apr_../../x"] }, "approvalIds[1]"],
    ["an id of another kind", { approvalIds: ["agt_0000000000000000000000"] }, "approvalIds[0]"],
    ["ids that are not text", { approvalIds: [42] }, "approvalIds[0]"],
    ["no list", { approvalIds: "apr_0000000000000000000000" }, "approvalIds"],
    ["a negative timeoutMs", { approvalIds: [MISSING], timeoutMs: -1 }, "timeoutMs"],
    ["an unknown field", { approvalIds: [MISSING], orgId: "org_x" }, ""],
  ])("%s: 400 naming the field, before any wait", async (_name, body, path) => {
    const response = await wait(a.agent.apiKey, body);
    expect(response.statusCode).toBe(400);
    const issues = response.json().error.details.issues as Array<{ path: string }>;
    expect(issues.map((i) => i.path)).toContain(path);
  });
});

describe("waiting on a set", () => {
  it("answers at once with the approvals already decided, and the pending ones by id", async () => {
    const [approved, denied, open] = await Promise.all([requestApproval(a.agent.apiKey), requestApproval(a.agent.apiKey), requestApproval(a.agent.apiKey)]);
    await decide(approverA.apiKey, approved, "approve");
    await decide(approverA.apiKey, denied, "deny");
    const response = await wait(a.agent.apiKey, { approvalIds: [approved, open, denied, approved], timeoutMs: 20_000 });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ approvals: Array<{ id: string; status: string; result: { status: string } }>; pending: string[]; notFound: string[] }>();
    expect(body.approvals.map((x) => [x.id, x.status, x.result.status]).sort()).toEqual(
      [
        [approved, "approved", "executed"],
        [denied, "denied", "denied"],
      ].sort(),
    );
    expect([body.pending, body.notFound]).toEqual([[open], []]);
    // Each an outcome: who ended it and its result, nothing of the request (metadata, conditions, votes).
    expect(body.approvals.find((x) => x.id === denied)).toEqual({
      id: denied,
      status: "denied",
      agentId: a.agent.id,
      decidedBy: { id: approverA.membershipId, name: expect.any(String), email: approverA.email },
      decisionReason: null,
      decidedAt: expect.any(String),
      result: expect.objectContaining({ status: "denied", denialReason: "DENIED_BY_REVIEWER" }),
    });
  });

  it("a parked set answers when one of its approvals is decided, with the others still pending", async () => {
    const ids = await Promise.all([0, 1, 2].map(() => requestApproval(a.agent.apiKey)));
    const waiting = wait(a.agent.apiKey, { approvalIds: ids, timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // parked (a decision before that is answered at once anyway)
    expect((await decide(approverA.apiKey, ids[1] as string, "approve")).statusCode).toBe(200);
    const body = (await waiting).json<{ approvals: Array<{ id: string; status: string }>; pending: string[] }>();
    expect(body.approvals.map((x) => [x.id, x.status])).toEqual([[ids[1], "approved"]]);
    expect(body.pending.sort()).toEqual([ids[0], ids[2]].sort());
  });

  it("answers the set still pending when the hold ends", async () => {
    const id = await requestApproval(a.agent.apiKey);
    const response = await wait(a.agent.apiKey, { approvalIds: [id], timeoutMs: 50 });
    expect(response.json()).toEqual({ approvals: [], pending: [id], notFound: [] });
  });

  it("one request holds one of the key's wait slots, however many approvals it covers; past the cap, 429 with Retry-After", async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => requestApproval(siblingKey)));
    const held = [wait(siblingKey, { approvalIds: ids.slice(0, 10), timeoutMs: 2_000 }), wait(siblingKey, { approvalIds: ids.slice(10), timeoutMs: 2_000 })];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await wait(siblingKey, { approvalIds: [ids[0]], timeoutMs: 0 });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.json().error.code).toBe("RATE_LIMITED");
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
  });
});
