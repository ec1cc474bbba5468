import { describe, expectTypeOf, it } from "vitest";
import type { ActionStatus, ApprovalStatus, CircuitState, MemberRole, OutcomeStatus, RunEndStatus } from "../src/index.ts";

// The SDK's unions are the contract's (generated/api.ts), not spelled again by hand (issue 44): a value the API
// adds to one reaches the SDK's types with `npm run openapi`. `npm run typecheck` checks these; a union that
// drifted from the values below does not compile.
describe("the SDK's unions come from the API's contract", () => {
  it("have the values the API answers today", () => {
    expectTypeOf<ActionStatus>().toEqualTypeOf<"executed" | "requested" | "denied">();
    expectTypeOf<OutcomeStatus>().toEqualTypeOf<"success" | "failure" | "partial">();
    expectTypeOf<CircuitState>().toEqualTypeOf<"closed" | "open" | "half_open">();
    expectTypeOf<ApprovalStatus>().toEqualTypeOf<"pending" | "approved" | "denied" | "expired" | "cancelled">();
    expectTypeOf<MemberRole>().toEqualTypeOf<"owner" | "admin" | "approver" | "auditor" | "viewer">();
    expectTypeOf<RunEndStatus>().toEqualTypeOf<"completed" | "failed" | "cancelled">();
  });
});
