import { describe, expect, expectTypeOf, it } from "vitest";
import type { AuditErasure, AuditErasurePending } from "../src/admin.ts";
import { BadRequestError, PermissionDeniedError } from "../src/errors.ts";
import { adminClient, apiError, json, rejection } from "./helpers.ts";

const URL = "http://localhost:4000/v1/admin/audit/erasures";
const erased: AuditErasure = { status: "erased", erasureEntryId: "aud_9", erasureSeq: 9, entries: 2, fields: 3 };
const pending: AuditErasurePending = { status: "pending_approval", approvalId: "apr_1", entries: 2, fields: 3 };

describe("admin.audit.erase()", () => {
  it("POSTs the entries (or the subject) and the reason, and answers what was erased", async () => {
    const { admin, calls } = adminClient([json(200, erased), json(200, { ...erased, erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 })]);
    const result = await admin.audit.erase({ entryIds: ["aud_1", "aud_2"], reason: "GDPR request 42" });
    expectTypeOf(result).toEqualTypeOf<AuditErasure | AuditErasurePending>();
    expect(result).toEqual(erased);
    await admin.audit.erase({ subject: "ada@example.com", reason: "GDPR request 43" });
    expect(calls.map((call) => [call.init.method, call.url, call.body])).toEqual([
      ["POST", URL, { entryIds: ["aud_1", "aud_2"], reason: "GDPR request 42" }],
      ["POST", URL, { subject: "ada@example.com", reason: "GDPR request 43" }],
    ]);
  });

  it("answers the approval to wait for under the two-admin rule (202)", async () => {
    const { admin } = adminClient([json(202, pending)]);
    const result = await admin.audit.erase({ subject: "ada@example.com", reason: "GDPR request 42" });
    expect(result.status === "pending_approval" ? result.approvalId : undefined).toBe("apr_1");
  });

  it("is retried after a lost answer (a repeat erases nothing more), and refusals are typed", async () => {
    const { admin, calls } = adminClient([apiError(503, "UNAVAILABLE"), json(200, erased)]);
    await expect(admin.audit.erase({ entryIds: ["aud_1"], reason: "r" })).resolves.toEqual(erased);
    expect(calls).toHaveLength(2);
    const tooShort = await rejection(adminClient([apiError(400, "VALIDATION")]).admin.audit.erase({ subject: "ada", reason: "r" }));
    expect(tooShort).toBeInstanceOf(BadRequestError);
    const notOwner = await rejection(adminClient([apiError(403, "FORBIDDEN")]).admin.audit.erase({ entryIds: ["aud_1"], reason: "r" }));
    expect(notOwner).toBeInstanceOf(PermissionDeniedError);
  });
});
