import { describe, expect, expectTypeOf, it } from "vitest";
import type { CheckResult } from "../src/types.ts";
import { API_KEY, apiError, client, json } from "./helpers.ts";

const wouldDeny = {
  status: "denied",
  denialReason: "CONDITIONS_DENIED",
  policyName: "no-friday-deploys",
  policyVersion: 3,
  conditionsEvaluated: [{ field: "metadata.day", operator: "eq", expected: "fri", actual: "fri", result: true, policy: "no-friday-deploys" }],
  mode: "enforce",
  allowed: false,
  needsApproval: false,
  dryRun: true,
} as const;

describe("canI()", () => {
  it("POSTs actionType, metadata and dataAccessed to /v1/actions/check with the bearer token", async () => {
    const { gatehouse, calls } = client([json(200, wouldDeny)]);
    await gatehouse.canI("deploy.prod", { metadata: { day: "fri" }, dataAccessed: [{ type: "source" }] });
    expect({
      method: calls[0]?.init.method,
      url: calls[0]?.url,
      authorization: calls[0]?.headers.get("authorization"),
      body: calls[0]?.body,
    }).toEqual({
      method: "POST",
      url: "http://localhost:4000/v1/actions/check",
      authorization: `Bearer ${API_KEY}`,
      body: { actionType: "deploy.prod", metadata: { day: "fri" }, dataAccessed: [{ type: "source" }] },
    });
  });

  it("sends no eventId and no Idempotency-Key, since it records nothing", async () => {
    const { gatehouse, calls } = client([json(200, wouldDeny)]);
    await gatehouse.canI("deploy.prod");
    expect([calls[0]?.body, calls[0]?.headers.has("idempotency-key")]).toEqual([{ actionType: "deploy.prod" }, false]);
  });

  it("returns the would-be decision, typed as a CheckResult", async () => {
    const { gatehouse } = client([json(200, wouldDeny)]);
    const result = await gatehouse.canI("deploy.prod");
    expectTypeOf(result).toEqualTypeOf<CheckResult>();
    expect(result).toEqual(wouldDeny);
  });

  it("retries a 503, as any read", async () => {
    const { gatehouse, calls } = client([apiError(503, "UNAVAILABLE"), json(200, wouldDeny)]);
    await gatehouse.canI("deploy.prod");
    expect(calls).toHaveLength(2);
  });

  it("stops when the caller aborts", async () => {
    const { gatehouse, calls } = client([json(200, wouldDeny)]);
    await expect(gatehouse.canI("deploy.prod", { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "APIUserAbortError" });
    expect(calls).toHaveLength(0);
  });
});
