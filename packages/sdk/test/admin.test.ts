import { describe, expect, expectTypeOf, it } from "vitest";
import { GatehouseAdmin } from "../src/admin.ts";
import { BadRequestError, ConflictError, GatehouseError, PermissionDeniedError } from "../src/errors.ts";
import type { Approval, ApprovalList, PolicyDocument, PolicyMonitor, PolicySetDiff, StoredPolicyList } from "../src/types.ts";
import { ADMIN_KEY, API_KEY, BO, adminClient, apiError, approvalObject, approvedObject, json, rejection } from "./helpers.ts";

const noFetch = async (): Promise<Response> => {
  throw new Error("fetch must not be called");
};

const reviewed: PolicyDocument = {
  name: "large-prs-need-review",
  actions: ["pr.merge"],
  when: { all: [{ field: "metadata.pr_size", op: "gt", value: 50 }] },
  effect: "require_approval",
};

const stored: StoredPolicyList = {
  policies: [{ ...reviewed, agents: ["*"], mode: "enforce", version: 2, contentHash: "cd".repeat(32), versionId: "pov_2" }],
  tests: [],
};

const diff: PolicySetDiff = {
  dryRun: false,
  created: [{ name: "large-prs-need-review", version: 1, contentHash: "ef".repeat(32) }],
  updated: [],
  archived: [{ name: "legacy", version: 4 }],
  unchanged: [],
};

describe("new GatehouseAdmin(options)", () => {
  it.each([
    ["missing", undefined, "MISSING_API_KEY"],
    ["an agent key", API_KEY, "INVALID_API_KEY"],
    ["not a Gatehouse key", "sk_live_123", "INVALID_API_KEY"],
  ])("rejects an apiKey that is %s", (_case, apiKey, code) => {
    const create = () => new GatehouseAdmin({ apiKey: apiKey as string, fetch: noFetch });
    expect(create).toThrowError(expect.objectContaining({ name: "GatehouseError", code }));
  });

  it("checks the shared options", () => {
    const create = () => new GatehouseAdmin({ apiKey: ADMIN_KEY, fetch: noFetch, maxRetries: -1 });
    expect(create).toThrowError(expect.objectContaining({ code: "INVALID_OPTION" }));
  });

  it("does not expose the apiKey as a property", () => {
    expect(JSON.stringify(new GatehouseAdmin({ apiKey: ADMIN_KEY, fetch: noFetch }))).not.toContain(ADMIN_KEY);
  });
});

describe("admin.policies.list()", () => {
  it("GETs /v1/admin/policies with the admin key", async () => {
    const { admin, calls } = adminClient([json(200, stored)], { baseUrl: "https://gh.example.com/" });
    await admin.policies.list();
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization")]).toEqual(["GET", "https://gh.example.com/v1/admin/policies", `Bearer ${ADMIN_KEY}`]);
  });

  it("returns the stored policies, typed", async () => {
    const { admin } = adminClient([json(200, stored)]);
    const result = await admin.policies.list();
    expectTypeOf(result).toEqualTypeOf<StoredPolicyList>();
    expect(result).toEqual(stored);
  });
});

describe("admin.policies.monitor(days)", () => {
  const monitor: PolicyMonitor = {
    days: 2,
    series: [
      { at: "2026-11-21T00:00:00.000Z", wouldBlock: 1 },
      { at: "2026-11-22T00:00:00.000Z", wouldBlock: 3 },
    ],
    byPolicy: [{ policy: "trial-no-push", decided: 0, wouldBlock: 4 }],
  };

  it("GETs /v1/admin/policies/monitor with days, or without it for the server's default", async () => {
    const { admin, calls } = adminClient([json(200, monitor), json(200, monitor)], { baseUrl: "https://gh.example.com" });
    const result = await admin.policies.monitor(2);
    await admin.policies.monitor();
    expectTypeOf(result).toEqualTypeOf<PolicyMonitor>();
    expect(result).toEqual(monitor);
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ["GET", "https://gh.example.com/v1/admin/policies/monitor?days=2"],
      ["GET", "https://gh.example.com/v1/admin/policies/monitor"],
    ]);
  });
});

describe("admin.policies.apply()", () => {
  it("PUTs { policies } to /v1/admin/policies as JSON", async () => {
    const { admin, calls } = adminClient([json(200, diff)]);
    await admin.policies.apply([reviewed]);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("content-type"), calls[0]?.body]).toEqual([
      "PUT",
      "http://localhost:4000/v1/admin/policies",
      "application/json",
      { policies: [reviewed] },
    ]);
  });

  it("asks for ?dryRun=true on a dry run", async () => {
    const { admin, calls } = adminClient([json(200, { ...diff, dryRun: true })]);
    await admin.policies.apply([reviewed], { dryRun: true });
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/admin/policies?dryRun=true");
  });

  it("returns the diff, typed", async () => {
    const { admin } = adminClient([json(200, diff)]);
    const result = await admin.policies.apply([reviewed]);
    expectTypeOf(result).toEqualTypeOf<PolicySetDiff>();
    expect(result).toEqual(diff);
  });

  it("retries a 503 with the same body: applying the same set twice changes nothing the second time", async () => {
    const { admin, calls, sleeps } = adminClient([apiError(503, "UNAVAILABLE"), json(200, diff)]);
    await admin.policies.apply([reviewed]);
    const sent = calls.map((call) => call.body);
    expect([sent.length, sent[0], sleeps]).toEqual([2, sent[1], [500]]);
  });

  it("throws a BadRequestError carrying the field paths of a rejected set, without retrying", async () => {
    const issues = [{ path: "policies[0].effect", message: "Invalid option" }];
    const { admin, calls } = adminClient([json(400, { error: { code: "VALIDATION", message: "policies[0].effect: Invalid option", details: { issues }, requestId: "req_v" } })]);
    const error = await rejection(admin.policies.apply([reviewed]));
    expect([error instanceof BadRequestError, calls.length]).toEqual([true, 1]);
    expect(error).toMatchObject({ details: { issues }, requestId: "req_v" });
  });

  it("throws a PermissionDeniedError when the member's role may not change policies", async () => {
    const { admin } = adminClient([apiError(403, "FORBIDDEN")]);
    await expect(admin.policies.apply([reviewed])).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe("admin.policies.test() and simulate()", () => {
  const tests = [{ name: "big merges wait", request: { actionType: "pr.merge", metadata: { pr_size: 80 } }, expect: { effect: "require_approval" as const } }];

  it("POSTs { policies, tests } to /v1/admin/policies/test and returns the run", async () => {
    const run = {
      passed: 1,
      failed: 0,
      results: [{ name: "big merges wait", passed: true, expected: { effect: "require_approval" }, actual: { effect: "require_approval", policy: "large-prs-need-review" } }],
    };
    const { admin, calls } = adminClient([json(200, run)]);
    await expect(admin.policies.test([reviewed], tests)).resolves.toEqual(run);
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual(["POST", "http://localhost:4000/v1/admin/policies/test", { policies: [reviewed], tests }]);
  });

  it("POSTs { policies, days } to /v1/admin/policies/simulate (days left to the server unless given)", async () => {
    const simulation = {
      days: 3,
      from: "2026-11-19T00:00:00.000Z",
      to: "2026-11-22T00:00:00.000Z",
      evaluated: 0,
      skipped: 0,
      truncated: false,
      changed: 0,
      transitions: [],
      byActionType: [],
      byAgent: [],
      samples: [],
    };
    const { admin, calls } = adminClient([json(200, simulation), json(200, simulation)]);
    await expect(admin.policies.simulate([reviewed], { days: 3 })).resolves.toEqual(simulation);
    await admin.policies.simulate([reviewed]);
    expect([calls[0]?.url, calls[0]?.body, calls[1]?.body]).toEqual([
      "http://localhost:4000/v1/admin/policies/simulate",
      { policies: [reviewed], days: 3 },
      { policies: [reviewed] },
    ]);
  });

  it("apply sends the set's tests when given", async () => {
    const { admin, calls } = adminClient([json(200, diff)]);
    await admin.policies.apply([reviewed], { tests });
    expect(calls[0]?.body).toEqual({ policies: [reviewed], tests });
  });
});

describe("admin.whoami()", () => {
  it("GETs /v1/whoami and returns the member behind the key", async () => {
    const me = {
      org: { id: "org_1", slug: "acme", name: "Acme" },
      member: { id: "mem_1", userId: "usr_1", email: "ada@acme.test", role: "admin" },
      key: { id: "key_2", prefix: "gh_admin_ab12", lastFour: "1234", kind: "admin" },
    };
    const { admin, calls } = adminClient([json(200, me)]);
    await expect(admin.whoami()).resolves.toEqual(me);
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/whoami");
  });

  it("is a GatehouseError subclass on failure", async () => {
    const { admin } = adminClient([apiError(401, "UNAUTHENTICATED")]);
    await expect(admin.whoami()).rejects.toBeInstanceOf(GatehouseError);
  });
});

describe("admin.approvals", () => {
  const page = { approvals: [approvalObject()], nextCursor: "cur_2" };

  it("list() GETs /v1/admin/approvals with the admin key and returns the page, typed", async () => {
    const { admin, calls } = adminClient([json(200, page)]);
    const result = await admin.approvals.list();
    expectTypeOf(result).toEqualTypeOf<ApprovalList>();
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.headers.get("authorization"), result]).toEqual([
      "GET",
      "http://localhost:4000/v1/admin/approvals",
      `Bearer ${ADMIN_KEY}`,
      page,
    ]);
  });

  it("list() sends status, agentId, actionType, cursor and limit as the query", async () => {
    const { admin, calls } = adminClient([json(200, page)]);
    await admin.approvals.list({ status: "all", agentId: "agt_1", actionType: "pr.merge", cursor: "cur_2", limit: 10 });
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/admin/approvals?status=all&agentId=agt_1&actionType=pr.merge&cursor=cur_2&limit=10");
  });

  it("get() GETs /v1/admin/approvals/:id", async () => {
    const { admin, calls } = adminClient([json(200, approvalObject())]);
    const approval = await admin.approvals.get("apr_1");
    expectTypeOf(approval).toEqualTypeOf<Approval>();
    expect([calls[0]?.init.method, calls[0]?.url, approval]).toEqual(["GET", "http://localhost:4000/v1/admin/approvals/apr_1", approvalObject()]);
  });

  it("approve() POSTs { decision: approve, reason } to /v1/admin/approvals/:id/decision and returns the approval", async () => {
    const { admin, calls } = adminClient([json(200, approvedObject())]);
    await expect(admin.approvals.approve("apr_1", { reason: "ok" })).resolves.toEqual(approvedObject());
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual([
      "POST",
      "http://localhost:4000/v1/admin/approvals/apr_1/decision",
      { decision: "approve", reason: "ok" },
    ]);
  });

  it("deny() POSTs { decision: deny } without a reason when none is given", async () => {
    const denied = approvalObject({ status: "denied", decidedBy: BO });
    const { admin, calls } = adminClient([json(200, denied)]);
    await admin.approvals.deny("apr_1");
    expect([calls[0]?.url, calls[0]?.body]).toEqual(["http://localhost:4000/v1/admin/approvals/apr_1/decision", { decision: "deny" }]);
  });

  it("retries a vote as the same vote: the server answers a member's repeated vote without counting it again", async () => {
    const { admin, calls } = adminClient([apiError(503, "UNAVAILABLE"), json(200, approvedObject())]);
    await admin.approvals.approve("apr_1");
    expect(calls.map((call) => call.body)).toEqual([{ decision: "approve" }, { decision: "approve" }]);
  });

  it("throws a ConflictError, without retrying, on a vote for a decided approval", async () => {
    const { admin, calls } = adminClient([apiError(409, "APPROVAL_DECIDED"), json(200, approvedObject())]);
    const error = await rejection(admin.approvals.deny("apr_1"));
    expect([error instanceof ConflictError, calls.length]).toEqual([true, 1]);
  });

  it("throws a PermissionDeniedError when separation of duties bars the member", async () => {
    const { admin } = adminClient([apiError(403, "SEPARATION_OF_DUTIES")]);
    await expect(admin.approvals.approve("apr_1")).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
