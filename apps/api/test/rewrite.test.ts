import { addTestMember, createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { argsDigestOf } from "@gatehouse/core";
import type { FastifyInstance } from "fastify";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startApp, stopApp, writesOf } from "./helpers";

// Graduated effects over the API (docs/policies.md, Rewriting a call): a policy's `redact` and
// `transform` answered as the changes the agent must make, the decision, its log entry and its approval
// bound to the call as rewritten, canI answering what execute decides, and a rewrite that cannot be made
// refusing the call (REWRITE_REFUSED) rather than letting it through as sent.

const POLICIES = [
  {
    name: "charges",
    actions: ["tool.charge"],
    effect: "allow",
    redact: [{ path: "metadata.arguments.internalNote" }, { path: "metadata.arguments.customer.phone", mask: "[phone]" }],
    transform: [
      { path: "metadata.arguments.amount", max: 500 },
      { path: "metadata.arguments.currency", set: "usd" },
    ],
  },
  {
    name: "big-charges",
    actions: ["tool.charge"],
    effect: "require_approval",
    when: { field: "metadata.arguments.amount", op: "gt", value: 1000 },
  },
];

let app: FastifyInstance;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => stopApp(app));

const toolCall = (args: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  actionType: "tool.charge",
  metadata: { arguments: args },
  tool: { name: "charge", arguments: args },
  ...extra,
});
const decide = (o: TestOrg, body: unknown, path = "/v1/actions") => call(app, "POST", path, { key: o.agent.apiKey, body });

describe("a policy that rewrites a call", () => {
  it("answers the changes, binds the decision to the arguments as rewritten, and logs the rewritten call, never what was removed", async () => {
    const o = await createTestOrg({ label: "rw-allow", policies: POLICIES });
    const args = { amount: 750, currency: "eur", internalNote: "VIP, do not refund", customer: { id: "cus_1", phone: "+1 415 555 0100" } };
    const asked = (await decide(o, toolCall(args), "/v1/actions/check")).json<Record<string, unknown>>();
    const answer = await decide(o, toolCall(args, { eventId: "charge-1" }));
    expect(answer.statusCode, answer.body).toBe(200);
    const result = answer.json<Record<string, unknown> & { auditEventId: string }>();
    const rewritten = { amount: 500, currency: "usd", customer: { id: "cus_1", phone: "[phone]" } };
    expect(result).toMatchObject({
      status: "executed",
      policyName: "charges",
      tool: { name: "charge", argsDigest: argsDigestOf(rewritten) },
      rewritten: {
        changes: [
          { path: "metadata.arguments.currency", op: "set", value: "usd", policy: "charges" },
          { path: "metadata.arguments.amount", op: "set", value: 500, policy: "charges" },
          { path: "metadata.arguments.customer.phone", op: "set", value: "[phone]", policy: "charges" },
          { path: "metadata.arguments.internalNote", op: "remove", policy: "charges" },
        ],
      },
    });
    expect(result.message).toContain("with 4 changes the policies make to the call");
    // canI answers what execute decided.
    for (const field of ["status", "tool", "rewritten", "message"]) expect(asked[field], field).toEqual(result[field]);

    const events = (await call(app, "GET", "/v1/audit?type=action.decided", { key: o.adminKey.apiKey })).json<{ events: Array<{ data: Record<string, unknown> }> }>().events;
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ metadata: { arguments: rewritten }, tool: { argsDigest: argsDigestOf(rewritten) }, rewritten: result.rewritten });
    expect(JSON.stringify(events)).not.toContain("do not refund");
    expect(JSON.stringify(events)).not.toContain("555 0100");

    // A retry of the same call (the same eventId) gets the same answer; the same eventId with other arguments is a conflict.
    const again = (await decide(o, toolCall(args, { eventId: "charge-1" }))).json<Record<string, unknown>>();
    expect(again.auditEventId).toBe(result.auditEventId);
    expect((await decide(o, toolCall({ ...args, amount: 751 }, { eventId: "charge-1" }))).statusCode).toBe(409);
  });

  it("held for a person: the approval shows the call as rewritten, and the approved result carries the changes the agent must make", async () => {
    const o = await createTestOrg({ label: "rw-approval", policies: POLICIES });
    const approver = await addTestMember(o, "approver", "rw-approver");
    const args = { amount: 5000, internalNote: "ask finance" };
    const result = (await decide(o, toolCall(args))).json<{ status: string; approvalId: string; rewritten: unknown; tool: unknown }>();
    expect(result.status).toBe("requested");
    expect(result.rewritten).toEqual({
      changes: [
        { path: "metadata.arguments.currency", op: "set", value: "usd", policy: "charges" },
        { path: "metadata.arguments.amount", op: "set", value: 500, policy: "charges" },
        { path: "metadata.arguments.internalNote", op: "remove", policy: "charges" },
      ],
    });
    const shown = (await call(app, "GET", `/v1/admin/approvals/${result.approvalId}`, { key: approver.apiKey })).json<Record<string, unknown>>();
    expect(shown).toMatchObject({ metadata: { arguments: { amount: 500, currency: "usd" } }, tool: result.tool });
    expect(JSON.stringify(shown)).not.toContain("ask finance");
    const decided = await call(app, "POST", `/v1/admin/approvals/${result.approvalId}/decision`, { key: approver.apiKey, body: { decision: "approve" } });
    expect(decided.statusCode, decided.body).toBe(200);
    const approved = (await call(app, "GET", `/v1/approvals/${result.approvalId}`, { key: o.agent.apiKey })).json<{ status: string; result: Record<string, unknown> }>();
    expect(approved.status).toBe("approved");
    expect(approved.result).toMatchObject({ status: "executed", rewritten: result.rewritten, tool: result.tool });
  });

  it("refuses a call it cannot rewrite with REWRITE_REFUSED, by the policy whose rewrite it is: never let through as sent", async () => {
    const o = await createTestOrg({ label: "rw-refused", policies: POLICIES });
    // A bounded amount sent as text (a cap dodged by a type) …
    const text = (await decide(o, toolCall({ amount: "99999" }))).json<Record<string, unknown>>();
    expect(text).toMatchObject({ status: "denied", denialReason: "REWRITE_REFUSED", policyName: "charges" });
    expect(text).not.toHaveProperty("rewritten");
    // … and a tool call whose metadata is not its arguments (the adapter's metadata function picked some).
    const args = { amount: 900, card: "tok_visa" };
    const picked = (await decide(o, { actionType: "tool.charge", metadata: { arguments: { amount: 900 } }, tool: { name: "charge", argsDigest: argsDigestOf(args) } })).json<
      Record<string, unknown>
    >();
    expect(picked).toMatchObject({ status: "denied", denialReason: "REWRITE_REFUSED" });
    // A call without a tool is rewritten in its metadata, whatever shape it has.
    const plain = (await decide(o, { actionType: "tool.charge", metadata: { arguments: { amount: 600 } } })).json<Record<string, unknown>>();
    expect(plain).toMatchObject({ status: "executed", rewritten: { changes: [{ path: "metadata.arguments.currency" }, { path: "metadata.arguments.amount", value: 500 }] } });
  });

  it("a policy set with a rewrite it cannot hold is refused at publication with a 400 naming the field, and nothing is written", async () => {
    const o = await createTestOrg({ label: "rw-publish", policies: POLICIES });
    const before = await writesOf(o.org.id);
    const cases: Array<[unknown, string]> = [
      [{ name: "d", actions: ["tool.x"], effect: "deny", redact: [{ path: "metadata.a" }] }, "policies[0].redact"],
      [{ name: "r", actions: ["tool.x"], effect: "allow", redact: [{ path: "metadata.requestedBy" }] }, "policies[0].redact[0].path"],
      [{ name: "t", actions: ["tool.x"], effect: "allow", transform: [{ path: "metadata.a", max: 1, set: 2 }] }, "policies[0].transform[0].set"],
      [{ name: "t", actions: ["tool.x"], effect: "allow", transform: [{ path: "metadata.a", set: { nested: true } }] }, "policies[0].transform[0].set"],
    ];
    for (const [policy, field] of cases) {
      const answer = await call(app, "PUT", "/v1/admin/policies", { key: o.adminKey.apiKey, body: { policies: [policy] } });
      expect(answer.statusCode, answer.body).toBe(400);
      const issues = answer.json<{ error: { details: { issues: Array<{ path: string }> } } }>().error.details.issues;
      expect(issues.map((issue) => issue.path)).toContain(field);
    }
    expect(await writesOf(o.org.id)).toEqual(before);
  });

  it("canI answers what execute decides over amounts, notes and shapes (fast-check)", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            amount: fc.oneof(fc.integer({ min: -10, max: 3000 }), fc.constant("12")),
            currency: fc.constantFrom("usd", "eur"),
            internalNote: fc.constantFrom("n1", "n2"),
            customer: fc.record({ phone: fc.constantFrom("+1 202 555 0101", "none") }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        async (args) => {
          // An org of its own each time: refusals count against the agent's circuit breaker.
          const o = await createTestOrg({ label: `rw-prop-${n++}`, policies: POLICIES });
          const asked = (await decide(o, toolCall(args), "/v1/actions/check")).json<Record<string, unknown>>();
          const done = (await decide(o, toolCall(args))).json<Record<string, unknown>>();
          for (const field of ["status", "denialReason", "policyName", "tool", "rewritten"]) expect(asked[field], field).toEqual(done[field]);
          if (typeof args.amount === "string") expect(done.denialReason).toBe("REWRITE_REFUSED");
        },
      ),
      { seed: 3307, numRuns: 20 },
    );
  }, 120_000);
});
