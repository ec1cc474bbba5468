import { describe, expect, it } from "vitest";
import { APIUserAbortError, ApprovalTimeoutError, AuthenticationError, DeniedError, InternalServerError, NotFoundError, PermissionDeniedError } from "../src/errors.ts";
import type { ActionResult } from "../src/types.ts";
import { API_KEY, BO, apiError, approvalObject, approvedObject, client, endedObject, executed, fakeTime, hang, json, rejection, requested, type Reply } from "./helpers.ts";

const WAIT_URL = "http://localhost:4000/v1/approvals/apr_1/wait";

/** The timeoutMs each wait asked for. */
function holds(calls: Array<{ url: string }>): number[] {
  return calls.filter((call) => call.url.startsWith(WAIT_URL)).map((call) => Number(new URL(call.url).searchParams.get("timeoutMs")));
}

/** A wait the server holds for its whole timeoutMs (moving the fake clock), then answers still pending. */
function heldPending(time: ReturnType<typeof fakeTime>): Reply {
  return async (url) => {
    time.advance(Number(new URL(url).searchParams.get("timeoutMs")));
    return json(200, approvalObject());
  };
}

/** A response whose body breaks off, as when the connection is reset mid-answer. */
function connectionReset(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(Object.assign(new TypeError("terminated"), { cause: { code: "ECONNRESET" } }));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

describe("gate()", () => {
  it("resolves with the result when the action is executed at once, without waiting", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await expect(gatehouse.gate("pr.merge")).resolves.toEqual(executed);
    expect(calls).toHaveLength(1);
  });

  it("sends the action like execute()", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    await gatehouse.gate("pr.merge", { metadata: { pr: 42 }, dataAccessed: [{ type: "source" }], eventId: "evt_1" });
    expect([calls[0]?.url, calls[0]?.body, calls[0]?.headers.get("idempotency-key")]).toEqual([
      "http://localhost:4000/v1/actions",
      { actionType: "pr.merge", metadata: { pr: 42 }, dataAccessed: [{ type: "source" }], eventId: "evt_1" },
      "evt_1",
    ]);
  });

  it("throws a DeniedError with the reason, policy and conditions when a policy denies", async () => {
    const denied = {
      status: "denied",
      auditEventId: "aud_2",
      denialReason: "CONDITIONS_DENIED",
      policyName: "no-friday-deploys",
      conditionsEvaluated: [{ field: "metadata.day", operator: "eq", expected: "fri", actual: "fri", result: true, policy: "no-friday-deploys" }],
    };
    const { gatehouse, calls } = client([json(200, denied)]);
    const error = await rejection(gatehouse.gate("deploy.prod"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({ reason: "CONDITIONS_DENIED", policy: "no-friday-deploys", conditions: denied.conditionsEvaluated, auditEventId: "aud_2" });
    expect(calls).toHaveLength(1);
  });

  it("waits for the approval and resolves with the executed result once it is approved", async () => {
    const { gatehouse } = client([json(200, requested), json(200, approvalObject({ approvals: 1 })), json(200, approvedObject())]);
    const result = await gatehouse.gate("pr.merge");
    expect(result).toEqual(approvedObject().result);
  });

  it("long-polls GET /v1/approvals/:id/wait with the agent key", async () => {
    const { gatehouse, calls } = client([json(200, requested), json(200, approvedObject())]);
    await gatehouse.gate("pr.merge");
    expect([calls[1]?.init.method, calls[1]?.url, calls[1]?.headers.get("authorization")]).toEqual(["GET", `${WAIT_URL}?timeoutMs=25000`, `Bearer ${API_KEY}`]);
  });

  it("shortens a full hold by up to a fifth at random, so gates that started together wait again spread out", async () => {
    const { gatehouse, calls } = client([json(200, requested), json(200, approvalObject()), json(200, approvedObject())], {}, { random: () => 1 });
    await gatehouse.gate("pr.merge");
    expect(holds(calls)).toEqual([20_000, 20_000]);
  });

  it("calls onRequested once, with the requested result, before it waits", async () => {
    const seen: Array<[ActionResult, number]> = [];
    const { gatehouse, calls } = client([json(200, requested), json(200, approvalObject()), json(200, approvedObject())]);
    await gatehouse.gate("pr.merge", { onRequested: (result) => seen.push([result, calls.length]) });
    expect(seen).toEqual([[requested, 1]]);
  });

  it("does not call onRequested when the action is not waiting", async () => {
    let called = false;
    const { gatehouse } = client([json(200, executed)]);
    await gatehouse.gate("pr.merge", { onRequested: () => (called = true) });
    expect(called).toBe(false);
  });

  it("throws a DeniedError naming the reviewer, their reason and the approval when a reviewer denies", async () => {
    const denied = endedObject("denied", "DENIED_BY_REVIEWER", {
      decidedBy: BO,
      decisionReason: "too big for a Friday",
      votes: [{ member: BO, decision: "deny", reason: "too big for a Friday", at: "2025-06-01T12:05:00.000Z" }],
    });
    const { gatehouse } = client([json(200, requested), json(200, denied)]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({
      reason: "DENIED_BY_REVIEWER",
      code: "DENIED_BY_REVIEWER",
      approvalId: "apr_1",
      decidedBy: "bo@example.com",
      decisionReason: "too big for a Friday",
      policy: "large-prs-need-review",
      conditions: requested.conditionsEvaluated,
      auditEventId: "aud_9",
    });
    expect((error as Error).message).toBe('Action denied by policy "large-prs-need-review": DENIED_BY_REVIEWER (by bo@example.com: "too big for a Friday")');
  });

  it("names the reviewer by name, then id, when the member has no email", async () => {
    const denied = endedObject("denied", "DENIED_BY_REVIEWER", { decidedBy: { id: "mem_4", name: "", email: "" } });
    const { gatehouse } = client([json(200, requested), json(200, denied)]);
    expect(await rejection(gatehouse.gate("pr.merge"))).toMatchObject({ decidedBy: "mem_4" });
  });

  it.each([
    ["expired", "APPROVAL_EXPIRED"],
    ["cancelled", "AGENT_HALTED"],
  ] as const)("throws a DeniedError with the result's reason when the approval is %s", async (status, reason) => {
    const { gatehouse } = client([json(200, requested), json(200, endedObject(status, reason))]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({ reason, approvalId: "apr_1", decidedBy: undefined, decisionReason: undefined });
  });

  it("throws an ApprovalTimeoutError when its deadline passes while the approval is pending", async () => {
    const time = fakeTime();
    const { gatehouse } = client([json(200, requested), heldPending(time), heldPending(time), heldPending(time)], {}, time);
    const error = await rejection(gatehouse.gate("pr.merge", { deadline: new Date(time.now() + 60_000) }));
    expect(error).toBeInstanceOf(ApprovalTimeoutError);
    expect(error).toMatchObject({ approvalId: "apr_1", code: "APPROVAL_TIMEOUT" });
  });

  it("asks the server to hold at most 25 s and never past the deadline", async () => {
    const time = fakeTime();
    const { gatehouse, calls } = client([json(200, requested), heldPending(time), heldPending(time), heldPending(time)], {}, time);
    await rejection(gatehouse.gate("pr.merge", { deadline: time.now() + 60_000.7 }));
    expect(holds(calls)).toEqual([25_000, 25_000, 10_000]);
  });

  it("waits 8 hours when given no deadline", async () => {
    const time = fakeTime();
    const start = time.now();
    const { gatehouse, calls } = client(
      [
        json(200, requested),
        async () => {
          time.set(start + 8 * 3_600_000 - 1_000);
          return json(200, approvalObject());
        },
        heldPending(time),
      ],
      {},
      time,
    );
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect([error instanceof ApprovalTimeoutError, holds(calls)]).toEqual([true, [25_000, 1_000]]);
  });

  it("throws an APIUserAbortError, promptly, when the signal aborts during a wait", async () => {
    const controller = new AbortController();
    const { gatehouse, calls } = client([
      json(200, requested),
      (url, init) => {
        queueMicrotask(() => controller.abort());
        return hang(url, init);
      },
    ]);
    const error = await rejection(gatehouse.gate("pr.merge", { signal: controller.signal }));
    expect([error instanceof APIUserAbortError, calls.length]).toEqual([true, 2]);
  });

  it("stops retrying when the signal aborts during a backoff", async () => {
    const controller = new AbortController();
    const { gatehouse, calls } = client([
      json(200, requested),
      async () => {
        controller.abort();
        return apiError(503, "UNAVAILABLE");
      },
      json(200, approvedObject()),
    ]);
    const error = await rejection(gatehouse.gate("pr.merge", { signal: controller.signal }));
    expect([error instanceof APIUserAbortError, calls.length]).toEqual([true, 2]);
  });

  it("survives an API restart: 503, a network error, a reset connection, 502 and 504, then approved", async () => {
    const { gatehouse, calls } = client(
      [
        json(200, requested),
        apiError(503, "UNAVAILABLE"),
        new TypeError("fetch failed"),
        connectionReset(),
        new Response("Bad Gateway", { status: 502 }),
        new Response("Gateway Timeout", { status: 504 }),
        json(200, approvedObject()),
      ],
      { maxRetries: 0 },
    );
    await expect(gatehouse.gate("pr.merge")).resolves.toEqual(approvedObject().result);
    expect(holds(calls)).toHaveLength(6);
  });

  it("backs off from 250 ms, doubling up to 5 s, between failed waits", async () => {
    const failures = Array.from({ length: 7 }, () => apiError(503, "UNAVAILABLE"));
    const { gatehouse, sleeps } = client([json(200, requested), ...failures, json(200, approvedObject())]);
    await gatehouse.gate("pr.merge");
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it("starts the backoff over after a wait that answered", async () => {
    const { gatehouse, sleeps } = client([
      json(200, requested),
      apiError(503, "A"),
      apiError(503, "B"),
      json(200, approvalObject()),
      apiError(503, "C"),
      json(200, approvedObject()),
    ]);
    await gatehouse.gate("pr.merge");
    expect(sleeps).toEqual([250, 500, 250]);
  });

  it("waits what a Retry-After header asks for", async () => {
    const { gatehouse, sleeps } = client([json(200, requested), apiError(429, "RATE_LIMITED", { "retry-after": "2" }), json(200, approvedObject())]);
    await gatehouse.gate("pr.merge");
    expect(sleeps).toEqual([2000]);
  });

  it("throws an ApprovalTimeoutError carrying the last failure when the API is still down at the deadline", async () => {
    const time = fakeTime();
    const failures = Array.from({ length: 10 }, () => apiError(503, "UNAVAILABLE"));
    const { gatehouse } = client([json(200, requested), ...failures], {}, time);
    const error = await rejection(gatehouse.gate("pr.merge", { deadline: time.now() + 3_000 }));
    expect(error).toBeInstanceOf(ApprovalTimeoutError);
    expect((error as Error).cause).toBeInstanceOf(InternalServerError);
  });

  it("does not cut a wait with the client's own timeout, which is shorter than the hold", async () => {
    const time = fakeTime();
    const slowAnswer: Reply = (_url, init) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(json(200, approvedObject())), 30);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new DOMException("aborted", "AbortError"));
        });
      });
    const { gatehouse } = client([json(200, requested), slowAnswer], { timeout: 5, maxRetries: 0 }, time);
    await expect(gatehouse.gate("pr.merge", { deadline: time.now() + 1_000 })).resolves.toEqual(approvedObject().result);
  });

  it.each([
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
  ])("ends the wait at a %i, with its typed error, without retrying", async (status, ErrorClass) => {
    const { gatehouse, calls } = client([json(200, requested), apiError(status, "NOPE"), json(200, approvedObject())]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect([error instanceof ErrorClass, calls.length]).toEqual([true, 2]);
  });

  it("rejects a deadline that is not a time", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    const error = await rejection(gatehouse.gate("pr.merge", { deadline: new Date("not a date") }));
    expect([error, calls.length]).toEqual([expect.objectContaining({ code: "INVALID_OPTION" }), 0]);
  });
});

describe("waitForApproval()", () => {
  it("picks up an approval again by its id and resolves with the executed result", async () => {
    const { gatehouse, calls } = client([json(200, approvalObject()), json(200, approvedObject())]);
    await expect(gatehouse.waitForApproval("apr_1")).resolves.toEqual(approvedObject().result);
    expect(calls.map((call) => call.url)).toEqual([`${WAIT_URL}?timeoutMs=25000`, `${WAIT_URL}?timeoutMs=25000`]);
  });

  it("answers at once for an approval already decided", async () => {
    const { gatehouse, calls } = client([json(200, endedObject("denied", "DENIED_BY_REVIEWER", { decidedBy: BO }))]);
    const error = await rejection(gatehouse.waitForApproval("apr_1"));
    expect([error instanceof DeniedError, calls.length]).toEqual([true, 1]);
  });

  it("checks once, without holding, when the deadline has already passed", async () => {
    const time = fakeTime();
    const { gatehouse, calls } = client([json(200, approvalObject())], {}, time);
    const error = await rejection(gatehouse.waitForApproval("apr_1", { deadline: time.now() - 1 }));
    expect([error instanceof ApprovalTimeoutError, holds(calls)]).toEqual([true, [0]]);
  });

  it("escapes the approval id in the path", async () => {
    const { gatehouse, calls } = client([json(200, approvedObject())]);
    await gatehouse.waitForApproval("apr/1?x");
    expect(calls[0]?.url).toBe("http://localhost:4000/v1/approvals/apr%2F1%3Fx/wait?timeoutMs=25000");
  });
});

describe("approval()", () => {
  it("GETs /v1/approvals/:id and returns the approval", async () => {
    const { gatehouse, calls } = client([json(200, approvalObject())]);
    await expect(gatehouse.approval("apr_1")).resolves.toEqual(approvalObject());
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(["GET", "http://localhost:4000/v1/approvals/apr_1"]);
  });

  it("throws a NotFoundError for an approval that is not this agent's", async () => {
    const { gatehouse } = client([apiError(404, "NOT_FOUND")]);
    await expect(gatehouse.approval("apr_other")).rejects.toBeInstanceOf(NotFoundError);
  });
});
