import { describe, expect, it } from "vitest";
import {
  APIUserAbortError,
  ApprovalTimeoutError,
  AuthenticationError,
  BadRequestError,
  DeniedError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
} from "../src/errors.ts";
import type { ActionResult } from "../src/types.ts";
import {
  API_KEY,
  APPROVAL_ID,
  BO,
  apiError,
  approvalObject,
  approvedObject,
  client,
  endedObject,
  executed,
  fakeTime,
  hang,
  json,
  rejection,
  requested,
  type Reply,
} from "./helpers.ts";

const WAIT_URL = "http://localhost:4000/v1/approvals/wait";
/** An approval id of the shape the API issues (`apr_` and 22 letters or digits). */
const APR = APPROVAL_ID;
const requestedHere = { ...requested, approvalId: APR };

/** The approval with this test's id. */
const pending = (overrides: Record<string, unknown> = {}) => approvalObject({ id: APR, ...overrides });
const approved = () => ({ ...approvedObject(), id: APR, result: approvedObject().result });
const ended = (...args: Parameters<typeof endedObject>) => ({ ...endedObject(...args), id: APR });

/** What the shared wait answers about one approval: decided, or still pending. */
function answer(approval: Record<string, unknown>): Response {
  const open = approval.status === "pending";
  return json(200, { approvals: open ? [] : [approval], pending: open ? [approval.id] : [], notFound: [] });
}

/** The timeoutMs each wait asked for. */
function holds(calls: Array<{ url: string; body: unknown }>): number[] {
  return calls.filter((call) => call.url === WAIT_URL).map((call) => (call.body as { timeoutMs: number }).timeoutMs);
}

/** A wait the server holds for its whole timeoutMs (moving the fake clock), then answers still pending. */
function heldPending(time: ReturnType<typeof fakeTime>): Reply {
  return async (_url, init) => {
    time.advance((JSON.parse(String(init.body)) as { timeoutMs: number }).timeoutMs);
    return answer(pending());
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
    const { gatehouse } = client([json(200, requestedHere), answer(pending({ approvals: 1 })), answer(approved())]);
    const result = await gatehouse.gate("pr.merge");
    expect(result).toEqual(approved().result);
  });

  it("long-polls POST /v1/approvals/wait with the agent key and the approval's id", async () => {
    const { gatehouse, calls } = client([json(200, requestedHere), answer(approved())]);
    await gatehouse.gate("pr.merge");
    expect([calls[1]?.init.method, calls[1]?.url, calls[1]?.headers.get("authorization"), calls[1]?.body]).toEqual([
      "POST",
      WAIT_URL,
      `Bearer ${API_KEY}`,
      { approvalIds: [APR], timeoutMs: 25_000 },
    ]);
  });

  it("shortens a full hold by up to a fifth at random, so gates that started together wait again spread out", async () => {
    const { gatehouse, calls } = client([json(200, requestedHere), answer(pending()), answer(approved())], {}, { random: () => 1 });
    await gatehouse.gate("pr.merge");
    expect(holds(calls)).toEqual([20_000, 20_000]);
  });

  it("calls onRequested once, with the requested result, before it waits", async () => {
    const seen: Array<[ActionResult, number]> = [];
    const { gatehouse, calls } = client([json(200, requestedHere), answer(pending()), answer(approved())]);
    await gatehouse.gate("pr.merge", { onRequested: (result) => seen.push([result, calls.length]) });
    expect(seen).toEqual([[requestedHere, 1]]);
  });

  it("does not call onRequested when the action is not waiting", async () => {
    let called = false;
    const { gatehouse } = client([json(200, executed)]);
    await gatehouse.gate("pr.merge", { onRequested: () => (called = true) });
    expect(called).toBe(false);
  });

  it("throws a DeniedError naming the reviewer, their reason and the approval when a reviewer denies", async () => {
    const denied = ended("denied", "DENIED_BY_REVIEWER", {
      decidedBy: BO,
      decisionReason: "too big for a Friday",
      votes: [{ member: BO, decision: "deny", reason: "too big for a Friday", at: "2025-06-01T12:05:00.000Z" }],
    });
    const { gatehouse } = client([json(200, requestedHere), answer(denied)]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({
      reason: "DENIED_BY_REVIEWER",
      code: "DENIED_BY_REVIEWER",
      approvalId: APR,
      decidedBy: "bo@example.com",
      decisionReason: "too big for a Friday",
      policy: "large-prs-need-review",
      conditions: requested.conditionsEvaluated,
      auditEventId: "aud_9",
    });
    expect((error as Error).message).toBe('Action denied by policy "large-prs-need-review": DENIED_BY_REVIEWER (by bo@example.com: "too big for a Friday")');
  });

  it("names the reviewer by name, then id, when the member has no email", async () => {
    const denied = ended("denied", "DENIED_BY_REVIEWER", { decidedBy: { id: "mem_4", name: "", email: "" } });
    const { gatehouse } = client([json(200, requestedHere), answer(denied)]);
    expect(await rejection(gatehouse.gate("pr.merge"))).toMatchObject({ decidedBy: "mem_4" });
  });

  it.each([
    ["expired", "APPROVAL_EXPIRED"],
    ["cancelled", "AGENT_HALTED"],
  ] as const)("throws a DeniedError with the result's reason when the approval is %s", async (status, reason) => {
    const { gatehouse } = client([json(200, requestedHere), answer(ended(status, reason))]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({ reason, approvalId: APR, decidedBy: undefined, decisionReason: undefined });
  });

  it("throws an ApprovalTimeoutError when its deadline passes while the approval is pending", async () => {
    const time = fakeTime();
    const { gatehouse } = client([json(200, requestedHere), heldPending(time), heldPending(time), heldPending(time)], {}, time);
    const error = await rejection(gatehouse.gate("pr.merge", { deadline: new Date(time.now() + 60_000) }));
    expect(error).toBeInstanceOf(ApprovalTimeoutError);
    expect(error).toMatchObject({ approvalId: APR, code: "APPROVAL_TIMEOUT" });
  });

  it("asks the server to hold at most 25 s and never past the deadline", async () => {
    const time = fakeTime();
    const { gatehouse, calls } = client([json(200, requestedHere), heldPending(time), heldPending(time), heldPending(time)], {}, time);
    await rejection(gatehouse.gate("pr.merge", { deadline: time.now() + 60_000.7 }));
    expect(holds(calls)).toEqual([25_000, 25_000, 10_000]);
  });

  it("waits 8 hours when given no deadline", async () => {
    const time = fakeTime();
    const start = time.now();
    const { gatehouse, calls } = client(
      [
        json(200, requestedHere),
        async () => {
          time.set(start + 8 * 3_600_000 - 1_000);
          return answer(pending());
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
      json(200, requestedHere),
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
      json(200, requestedHere),
      async () => {
        controller.abort();
        return apiError(503, "UNAVAILABLE");
      },
      answer(approved()),
    ]);
    const error = await rejection(gatehouse.gate("pr.merge", { signal: controller.signal }));
    expect([error instanceof APIUserAbortError, calls.length]).toEqual([true, 2]);
  });

  it("survives an API restart: 503, a network error, a reset connection, 502 and 504, then approved", async () => {
    const { gatehouse, calls } = client(
      [
        json(200, requestedHere),
        apiError(503, "UNAVAILABLE"),
        new TypeError("fetch failed"),
        connectionReset(),
        new Response("Bad Gateway", { status: 502 }),
        new Response("Gateway Timeout", { status: 504 }),
        answer(approved()),
      ],
      { maxRetries: 0 },
    );
    await expect(gatehouse.gate("pr.merge")).resolves.toEqual(approved().result);
    expect(holds(calls)).toHaveLength(6);
  });

  it("retries a failed wait after 250 ms, then every 500 ms, so it re-attaches as soon as the API is back", async () => {
    const failures = Array.from({ length: 7 }, () => apiError(503, "UNAVAILABLE"));
    const { gatehouse, sleeps } = client([json(200, requestedHere), ...failures, answer(approved())]);
    await gatehouse.gate("pr.merge");
    expect(sleeps).toEqual([250, 500, 500, 500, 500, 500, 500]);
  });

  it("starts the backoff over after a wait that answered", async () => {
    const { gatehouse, sleeps } = client([json(200, requestedHere), apiError(503, "A"), apiError(503, "B"), answer(pending()), apiError(503, "C"), answer(approved())]);
    await gatehouse.gate("pr.merge");
    expect(sleeps).toEqual([250, 500, 250]);
  });

  it("waits what a Retry-After header asks for", async () => {
    const { gatehouse, sleeps } = client([json(200, requestedHere), apiError(429, "RATE_LIMITED", { "retry-after": "2" }), answer(approved())]);
    await gatehouse.gate("pr.merge");
    expect(sleeps).toEqual([2000]);
  });

  it("throws an ApprovalTimeoutError carrying the last failure when the API is still down at the deadline", async () => {
    const time = fakeTime();
    const failures = Array.from({ length: 10 }, () => apiError(503, "UNAVAILABLE"));
    const { gatehouse } = client([json(200, requestedHere), ...failures], {}, time);
    const error = await rejection(gatehouse.gate("pr.merge", { deadline: time.now() + 3_000 }));
    expect(error).toBeInstanceOf(ApprovalTimeoutError);
    expect((error as Error).cause).toBeInstanceOf(InternalServerError);
  });

  it("does not cut a wait with the client's own timeout, which is shorter than the hold", async () => {
    const time = fakeTime();
    const slowAnswer: Reply = (_url, init) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(answer(approved())), 30);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new DOMException("aborted", "AbortError"));
        });
      });
    const { gatehouse } = client([json(200, requestedHere), slowAnswer], { timeout: 5, maxRetries: 0 }, time);
    await expect(gatehouse.gate("pr.merge", { deadline: time.now() + 1_000 })).resolves.toEqual(approved().result);
  });

  it.each([
    [401, AuthenticationError],
    [403, PermissionDeniedError],
  ])("ends the wait at a %i, with its typed error, without retrying", async (status, ErrorClass) => {
    const { gatehouse, calls } = client([json(200, requestedHere), apiError(status, "NOPE"), answer(approved())]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect([error instanceof ErrorClass, calls.length]).toEqual([true, 2]);
  });

  it("ends the wait with a NotFoundError, without retrying, when the server does not find the approval", async () => {
    const { gatehouse, calls } = client([json(200, requestedHere), json(200, { approvals: [], pending: [], notFound: [APR] })]);
    const error = await rejection(gatehouse.gate("pr.merge"));
    expect([error instanceof NotFoundError, (error as NotFoundError).status, calls.length]).toEqual([true, 404, 2]);
  });

  it("rejects a deadline that is not a time", async () => {
    const { gatehouse, calls } = client([json(200, executed)]);
    const error = await rejection(gatehouse.gate("pr.merge", { deadline: new Date("not a date") }));
    expect([error, calls.length]).toEqual([expect.objectContaining({ code: "INVALID_OPTION" }), 0]);
  });
});

describe("waitForApproval()", () => {
  it("picks up an approval again by its id and resolves with the executed result", async () => {
    const { gatehouse, calls } = client([answer(pending()), answer(approved())]);
    await expect(gatehouse.waitForApproval(APR)).resolves.toEqual(approved().result);
    expect(calls.map((call) => [call.url, call.body])).toEqual([
      [WAIT_URL, { approvalIds: [APR], timeoutMs: 25_000 }],
      [WAIT_URL, { approvalIds: [APR], timeoutMs: 25_000 }],
    ]);
  });

  it("answers at once for an approval already decided", async () => {
    const { gatehouse, calls } = client([answer(ended("denied", "DENIED_BY_REVIEWER", { decidedBy: BO }))]);
    const error = await rejection(gatehouse.waitForApproval(APR));
    expect([error instanceof DeniedError, calls.length]).toEqual([true, 1]);
  });

  it("checks once, without holding, when the deadline has already passed", async () => {
    const time = fakeTime();
    const { gatehouse, calls } = client([answer(pending())], {}, time);
    const error = await rejection(gatehouse.waitForApproval(APR, { deadline: time.now() - 1 }));
    expect([error instanceof ApprovalTimeoutError, holds(calls)]).toEqual([true, [0]]);
  });

  it.each(["apr/1?x", "apr_1", `${APR}x`, ""])("refuses the malformed id %j with a BadRequestError, without a request (it would fail the shared wait)", async (id) => {
    const { gatehouse, calls } = client([]);
    const error = await rejection(gatehouse.waitForApproval(id));
    expect([error instanceof BadRequestError, calls.length]).toEqual([true, 0]);
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
