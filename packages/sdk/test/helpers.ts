import { GatehouseAdmin, type GatehouseAdminOptions } from "../src/admin.ts";
import { Gatehouse, type GatehouseInternals, type GatehouseOptions } from "../src/client.ts";
import type { Fetch } from "../src/types.ts";

export const API_KEY = "gh_agent_test0123456789";
export const ADMIN_KEY = "gh_admin_test0123456789";
/** An approval id of the shape the API issues, for the calls that check it (waits). */
export const APPROVAL_ID = "apr_0123456789abcdefABCDEF";

/** One scripted answer of the fake fetch: a response, or an error to reject with. */
export type Reply = Response | Error | ((url: string, init: RequestInit) => Promise<Response>);

export interface Call {
  url: string;
  init: RequestInit;
  headers: Headers;
  body: unknown;
}

/** A fetch that answers from a script, in order, and records every call. Fails the test when the script runs out. */
export function scriptedFetch(replies: Reply[]): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({
      url,
      init,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    });
    const reply = replies[calls.length - 1];
    if (reply === undefined) throw new Error(`unexpected call #${calls.length} to ${url}`);
    if (reply instanceof Response) return reply;
    if (reply instanceof Error) throw reply;
    return reply(url, init);
  };
  return { fetch, calls };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export function apiError(status: number, code: string, headers: Record<string, string> = {}, requestId = `req_${status}`): Response {
  return json(status, { error: { code, message: `${code} happened`, requestId } }, headers);
}

export const executed = {
  status: "executed",
  auditEventId: "aud_1",
  policyName: "allow-reads",
  conditionsEvaluated: [],
} as const;

/** A client on a scripted fetch whose waits between retries are recorded instead of slept. */
export function client(replies: Reply[], options: Partial<GatehouseOptions> = {}, internals: GatehouseInternals = {}): { gatehouse: Gatehouse; calls: Call[]; sleeps: number[] } {
  const { fetch, calls } = scriptedFetch(replies);
  const sleeps: number[] = [];
  // Heartbeats are off unless a test asks for them (heartbeat.test.ts): the script is of the calls made.
  const gatehouse = new Gatehouse(
    { apiKey: API_KEY, fetch, heartbeat: false, ...options },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
      ...internals,
    },
  );
  return { gatehouse, calls, sleeps };
}

/** An admin client on a scripted fetch whose waits between retries are recorded instead of slept. */
export function adminClient(replies: Reply[], options: Partial<GatehouseAdminOptions> = {}): { admin: GatehouseAdmin; calls: Call[]; sleeps: number[] } {
  const { fetch, calls } = scriptedFetch(replies);
  const sleeps: number[] = [];
  const admin = new GatehouseAdmin(
    { apiKey: ADMIN_KEY, fetch, ...options },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
    },
  );
  return { admin, calls, sleeps };
}

/** Resolves with what `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** A fetch answer that never settles until the request's signal aborts. */
export function hang(_url: string, init: RequestInit): Promise<Response> {
  return new Promise((_resolve, reject) => {
    init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true });
  });
}

/** A clock that only moves when told, and a sleep that moves it (recording each wait) instead of waiting. */
export function fakeTime(start = Date.parse("2025-06-01T12:00:00Z")): {
  now: () => number;
  set: (ms: number) => void;
  advance: (ms: number) => void;
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
} {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    set: (ms) => {
      time = ms;
    },
    advance: (ms) => {
      time += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      time += ms;
    },
    sleeps,
  };
}

export const requested = {
  status: "requested",
  auditEventId: "aud_9",
  approvalId: "apr_1",
  timeoutAt: "2025-06-01T13:00:00.000Z",
  policyName: "large-prs-need-review",
  conditionsEvaluated: [{ field: "metadata.pr_size", operator: "gt", expected: 50, actual: 80, result: true, policy: "large-prs-need-review" }],
} as const;

export const BO = { id: "mem_2", name: "Bo", email: "bo@example.com" };

/** The approval object of docs/approvals.md, pending, with `overrides`. */
export function approvalObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "apr_1",
    status: "pending",
    agentId: "agt_1",
    agentName: "deploy-bot",
    actionId: "act_1",
    auditEventId: "aud_9",
    actionType: "pr.merge",
    metadata: { pr: 42, pr_size: 80 },
    dataAccessed: [],
    policyName: "large-prs-need-review",
    policyVersion: 3,
    conditionsEvaluated: requested.conditionsEvaluated,
    quorum: 2,
    approvals: 0,
    approverRoles: ["approver", "admin", "owner"],
    approvers: [],
    excludeAgentOwner: false,
    requestedBy: "alice@example.com",
    votes: [],
    decidedBy: null,
    decisionReason: null,
    decidedAt: null,
    expiresAt: "2025-06-01T13:00:00.000Z",
    createdAt: "2025-06-01T12:00:00.000Z",
    result: requested,
    ...overrides,
  };
}

/** The approval object once the quorum approved: its result is the executed action. */
export function approvedObject(): Record<string, unknown> {
  const vote = (member: typeof BO) => ({ member, decision: "approve", reason: "ok", at: "2025-06-01T12:05:00.000Z" });
  return approvalObject({
    status: "approved",
    approvals: 2,
    votes: [vote({ id: "mem_3", name: "Cy", email: "cy@example.com" }), vote(BO)],
    decidedBy: BO,
    decisionReason: "ok",
    decidedAt: "2025-06-01T12:05:00.000Z",
    result: { status: "executed", auditEventId: "aud_9", approvalId: "apr_1", policyName: "large-prs-need-review", conditionsEvaluated: [] },
  });
}

/** The approval object once it ended in `status` with `denialReason`. */
export function endedObject(status: "denied" | "expired" | "cancelled", denialReason: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return approvalObject({
    status,
    decidedAt: "2025-06-01T12:05:00.000Z",
    result: { status: "denied", denialReason, auditEventId: "aud_9", approvalId: "apr_1", policyName: "large-prs-need-review", conditionsEvaluated: requested.conditionsEvaluated },
    ...overrides,
  });
}

/** What one event-stream connection did: whether its body was cancelled, and the signal its fetch got. */
export interface StreamProbe {
  cancelled: boolean;
  signal: AbortSignal | undefined;
}

/**
 * A reply that opens an event stream sending `chunks` (text or bytes), then closing, or, with
 * `{ open: true }`, staying open until the client closes it. `probe` records what happened.
 */
export function eventStream(
  chunks: Array<string | Uint8Array>,
  { open = false, probe, headers = {} }: { open?: boolean; probe?: StreamProbe; headers?: Record<string, string> } = {},
): Reply {
  return async (_url, init) => {
    if (probe !== undefined) probe.signal = init.signal ?? undefined;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
        if (!open) controller.close();
      },
      cancel() {
        if (probe !== undefined) probe.cancelled = true;
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", ...headers } });
  };
}

/** One server-sent event as the API writes it. */
export function sseEvent(id: number, type: string, data: Record<string, unknown> = {}): string {
  const payload = { seq: id, type, at: "2025-06-01T12:00:00.000Z", agentId: "agt_1", actionId: "act_1", actionType: "pr.merge", ...data };
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}
