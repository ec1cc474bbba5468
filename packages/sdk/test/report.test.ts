import { describe, expect, expectTypeOf, it } from "vitest";
import { BadRequestError, ConflictError, NotFoundError } from "../src/errors.ts";
import type { Outcome } from "../src/types.ts";
import { apiError, client, json, rejection } from "./helpers.ts";

const AUDIT_ID = "aud_0123456789abcdefghijkl";
const recorded = {
  auditEventId: AUDIT_ID,
  status: "failure",
  message: "merge conflict",
  reportedAt: "2025-06-01T12:00:00.000Z",
  outcomeAuditEventId: "aud_9876543210zyxwvutsrqpo",
} as const;

describe("report()", () => {
  it("POSTs status and message to /v1/actions/:auditEventId/outcome", async () => {
    const { gatehouse, calls } = client([json(200, recorded)]);
    await gatehouse.report(AUDIT_ID, { status: "failure", message: "merge conflict" });
    expect([calls[0]?.init.method, calls[0]?.url, calls[0]?.body]).toEqual([
      "POST",
      `http://localhost:4000/v1/actions/${AUDIT_ID}/outcome`,
      { status: "failure", message: "merge conflict" },
    ]);
  });

  it("leaves message out of the body when none is given", async () => {
    const { gatehouse, calls } = client([json(200, { ...recorded, status: "success", message: null })]);
    await gatehouse.report(AUDIT_ID, { status: "success" });
    expect(calls[0]?.body).toEqual({ status: "success" });
  });

  it("escapes the auditEventId in the path", async () => {
    const { gatehouse, calls } = client([apiError(400, "VALIDATION")]);
    await rejection(gatehouse.report("aud_1/../../admin", { status: "success" }));
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/actions/aud_1%2F..%2F..%2Fadmin/outcome");
  });

  it("retries the same report: the server keeps the first outcome, so a repeat answers it", async () => {
    const { gatehouse, calls } = client([apiError(503, "UNAVAILABLE"), new TypeError("fetch failed"), json(200, recorded)]);
    await gatehouse.report(AUDIT_ID, { status: "failure", message: "merge conflict" });
    expect(calls.map((call) => call.body)).toEqual(Array(3).fill({ status: "failure", message: "merge conflict" }));
  });

  it("returns the outcome on record, typed as an Outcome", async () => {
    const { gatehouse } = client([json(200, recorded)]);
    const outcome = await gatehouse.report(AUDIT_ID, { status: "failure", message: "merge conflict" });
    expectTypeOf(outcome).toEqualTypeOf<Outcome>();
    expect(outcome).toEqual(recorded);
  });

  it("throws a ConflictError, without retrying, when a different outcome was already reported", async () => {
    const conflict = json(409, {
      error: { code: "CONFLICT", message: "an outcome 'success' was already reported for this action", details: { reported: "success" }, requestId: "req_c" },
    });
    const { gatehouse, calls } = client([conflict, json(200, recorded)]);
    const error = await rejection(gatehouse.report(AUDIT_ID, { status: "failure" }));
    expect([error instanceof ConflictError, calls.length]).toEqual([true, 1]);
    expect(error).toMatchObject({ status: 409, details: { reported: "success" }, requestId: "req_c" });
  });

  it("throws a NotFoundError for an action that is not this agent's", async () => {
    const { gatehouse } = client([apiError(404, "NOT_FOUND")]);
    await expect(gatehouse.report(AUDIT_ID, { status: "success" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("throws a BadRequestError for a status the server does not know", async () => {
    const { gatehouse } = client([apiError(400, "VALIDATION")]);
    // A caller without types could send anything; the server is the judge.
    const status = "done" as unknown as "success";
    await expect(gatehouse.report(AUDIT_ID, { status })).rejects.toBeInstanceOf(BadRequestError);
  });
});
