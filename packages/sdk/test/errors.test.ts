import { describe, expect, expectTypeOf, it } from "vitest";
import {
  APIConnectionError,
  APITimeoutError,
  ApprovalTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  DeniedError,
  GatehouseError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  assertAllowed,
  errorClassForStatus,
} from "../src/errors.ts";
import type { ActionResult, CheckResult } from "../src/types.ts";
import { client, json, rejection } from "./helpers.ts";

describe("errorClassForStatus()", () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [413, PayloadTooLargeError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [599, InternalServerError],
    [418, GatehouseError],
  ])("maps %i to %O", (status, ErrorClass) => {
    expect(errorClassForStatus(status)).toBe(ErrorClass);
  });
});

describe("errors from responses", () => {
  it("carries status, code, message, details and requestId from the error envelope", async () => {
    const envelope = {
      error: { code: "VALIDATION", message: "actionType is required", details: [{ path: "actionType" }], requestId: "req_9" },
    };
    const { gatehouse } = client([json(400, envelope)]);
    const error = await rejection(gatehouse.execute(""));
    expect(error).toMatchObject({
      status: 400,
      code: "VALIDATION",
      message: "actionType is required",
      details: [{ path: "actionType" }],
      requestId: "req_9",
    });
  });

  it("takes the requestId from x-request-id when the body has none", async () => {
    const { gatehouse } = client([new Response("nope", { status: 401, headers: { "x-request-id": "req_hdr" } })]);
    const error = await rejection(gatehouse.execute("pr.merge"));
    expect(error).toMatchObject({ requestId: "req_hdr" });
  });

  it("names the status when the body is not an error envelope", async () => {
    const { gatehouse } = client([new Response("<html>forbidden</html>", { status: 403 })]);
    const error = await rejection(gatehouse.execute("pr.merge"));
    expect(error).toMatchObject({ message: "Request failed with status 403" });
  });

  it("rejects a success response whose body is not JSON, without retrying", async () => {
    const { gatehouse, calls } = client([new Response("<html>ok</html>", { status: 200 }), json(200, {})]);
    const error = await rejection(gatehouse.execute("pr.merge"));
    expect([error instanceof GatehouseError, calls.length]).toEqual([true, 1]);
  });

  it.each([
    ["BadRequestError", new BadRequestError("x")],
    ["APIConnectionError", new APIConnectionError("x")],
    ["APITimeoutError", new APITimeoutError("x")],
    ["ApprovalTimeoutError", new ApprovalTimeoutError("apr_1")],
  ])("%s is a GatehouseError with its own name", (name, error) => {
    expect([error instanceof GatehouseError, error.name]).toEqual([true, name]);
  });
});

describe("DeniedError", () => {
  const result: ActionResult = {
    status: "denied",
    auditEventId: "aud_3",
    approvalId: "apr_3",
    denialReason: "DENIED_BY_REVIEWER",
    message: "Denied by policy 'large-prs-need-review': a reviewer denied it. Do not perform this action.",
    policyName: "large-prs-need-review",
    conditionsEvaluated: [{ field: "metadata.pr_size", operator: "gt", expected: 50, actual: 72, result: true, policy: "large-prs-need-review" }],
  };

  it("exposes the reason, policy, conditions, approval, reviewer and result", () => {
    const error = new DeniedError(result, { decidedBy: "usr_7" });
    expect({
      reason: error.reason,
      policy: error.policy,
      conditions: error.conditions,
      auditEventId: error.auditEventId,
      approvalId: error.approvalId,
      decidedBy: error.decidedBy,
      result: error.result,
    }).toEqual({
      reason: "DENIED_BY_REVIEWER",
      policy: "large-prs-need-review",
      conditions: result.conditionsEvaluated,
      auditEventId: "aud_3",
      approvalId: "apr_3",
      decidedBy: "usr_7",
      result,
    });
  });

  it("says why in its message", () => {
    expect(new DeniedError(result).message).toBe('Action denied by policy "large-prs-need-review": DENIED_BY_REVIEWER');
  });

  it("carries and names the reviewer and their reason", () => {
    const error = new DeniedError(result, { decidedBy: "bo@example.com", decisionReason: "not today" });
    expect([error.decidedBy, error.decisionReason, error.message]).toEqual([
      "bo@example.com",
      "not today",
      'Action denied by policy "large-prs-need-review": DENIED_BY_REVIEWER (by bo@example.com: "not today")',
    ]);
  });

  it("takes the approvalId when the result does not carry it", () => {
    const { approvalId: _omitted, ...withoutApproval } = result;
    expect(new DeniedError(withoutApproval, { approvalId: "apr_9" }).approvalId).toBe("apr_9");
  });
});

describe("assertAllowed()", () => {
  const denied: ActionResult = {
    status: "denied",
    auditEventId: "aud_4",
    denialReason: "CONDITIONS_DENIED",
    message: "Denied by policy 'no-friday-deploys': a deny policy matches it (its conditions hold, or it has none). Do not perform this action.",
    policyName: "no-friday-deploys",
    conditionsEvaluated: [{ field: "metadata.day", operator: "eq", expected: "fri", actual: "fri", result: true, policy: "no-friday-deploys" }],
  };

  it("throws a DeniedError carrying the denial's reason, policy, conditions and result", () => {
    let thrown: unknown;
    try {
      assertAllowed(denied);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DeniedError);
    expect(thrown).toMatchObject({
      reason: "CONDITIONS_DENIED",
      policy: "no-friday-deploys",
      conditions: denied.conditionsEvaluated,
      auditEventId: "aud_4",
      approvalId: undefined,
      result: denied,
    });
  });

  it("throws for a denied canI() answer, which has no audit entry", () => {
    const check: CheckResult = {
      status: "denied",
      denialReason: "NO_POLICY",
      conditionsEvaluated: [],
      allowed: false,
      needsApproval: false,
      dryRun: true,
      message: "Denied: no policy allows this action for this agent (nothing is allowed until a policy with effect allow matches its action type and the agent).",
    };
    expect(() => assertAllowed(check)).toThrowError(expect.objectContaining({ reason: "NO_POLICY", policy: undefined, auditEventId: undefined }));
  });

  it.each(["executed", "requested"] as const)("returns for a result that is %s", (status) => {
    expect(() => assertAllowed({ status, auditEventId: "aud_5", conditionsEvaluated: [], message: "Allowed." })).not.toThrow();
  });

  it("narrows the result's status once it returns", () => {
    const result: ActionResult = { status: "executed", auditEventId: "aud_6", conditionsEvaluated: [], message: "Allowed." };
    assertAllowed(result);
    expectTypeOf(result.status).toEqualTypeOf<"executed" | "requested">();
    expect(result.status).toBe("executed");
  });

  it("names DENIED when the server gave no reason", () => {
    expect(() => assertAllowed({ status: "denied", auditEventId: "aud_7", conditionsEvaluated: [], message: "Denied." })).toThrowError(
      expect.objectContaining({ reason: "DENIED", message: "Action denied: DENIED" }),
    );
  });
});

describe("ApprovalTimeoutError", () => {
  it("carries the approvalId", () => {
    expect(new ApprovalTimeoutError("apr_5").approvalId).toBe("apr_5");
  });

  it("carries the last failure as its cause", () => {
    const failure = new Error("503");
    expect(new ApprovalTimeoutError("apr_5", { cause: failure }).cause).toBe(failure);
  });
});
