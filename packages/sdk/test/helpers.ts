import { GatehouseAdmin, type GatehouseAdminOptions } from "../src/admin.ts";
import { Gatehouse, type GatehouseInternals, type GatehouseOptions } from "../src/client.ts";
import type { Fetch } from "../src/types.ts";

export const API_KEY = "gh_agent_test0123456789";
export const ADMIN_KEY = "gh_admin_test0123456789";

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

export function apiError(
  status: number,
  code: string,
  headers: Record<string, string> = {},
  requestId = `req_${status}`,
): Response {
  return json(status, { error: { code, message: `${code} happened`, requestId } }, headers);
}

export const executed = {
  status: "executed",
  auditEventId: "aud_1",
  policyName: "allow-reads",
  conditionsEvaluated: [],
} as const;

/** A client on a scripted fetch whose waits between retries are recorded instead of slept. */
export function client(
  replies: Reply[],
  options: Partial<GatehouseOptions> = {},
  internals: GatehouseInternals = {},
): { gatehouse: Gatehouse; calls: Call[]; sleeps: number[] } {
  const { fetch, calls } = scriptedFetch(replies);
  const sleeps: number[] = [];
  const gatehouse = new Gatehouse(
    { apiKey: API_KEY, fetch, ...options },
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
export function adminClient(
  replies: Reply[],
  options: Partial<GatehouseAdminOptions> = {},
): { admin: GatehouseAdmin; calls: Call[]; sleeps: number[] } {
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
