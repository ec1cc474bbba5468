import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { ipLiteralOf, refusedAddress, WEBHOOK_TIMEOUT_MS } from "@gatehouse/core";
import { dbEnv } from "../infra/env";

/**
 * One POST of one signed message to a receiver, with the SSRF guard (docs/webhooks.md): the URL's
 * host — an IP literal, or every address its name resolves to, at connection time, so a name that
 * resolves elsewhere later (DNS rebinding) is checked where the socket connects — may not be private,
 * loopback or link-local unless the instance allows it. Redirects are never followed: a 3xx is a failed
 * attempt, so a redirect to an internal address reaches nothing.
 */

export type Resolve = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface SendOptions {
  /** Reach private addresses too (GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1). */
  allowPrivate?: boolean;
  /** How names resolve (tests inject one that answers what a hostile DNS would). */
  resolve?: Resolve;
  timeoutMs?: number;
}

export interface SendResult {
  ok: boolean;
  /** The receiver's status code (null: no answer). */
  status: number | null;
  /** Why it failed, in words a member can act on (never a secret). */
  error: string | null;
  durationMs: number;
}

const defaultResolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 4, keepAliveMsecs: 10_000 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 4, keepAliveMsecs: 10_000 }),
};

export function allowPrivateWebhooks(): boolean {
  return dbEnv().GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE === true;
}

class RefusedAddress extends Error {
  readonly code = "EGATEHOUSE_REFUSED";
}

/** Why `url` may not be delivered to, checking the literal or every address its name resolves to now; null when it may. */
export async function refusedDestination(url: URL, options: SendOptions = {}): Promise<string | null> {
  if (options.allowPrivate ?? allowPrivateWebhooks()) return null;
  const literal = ipLiteralOf(url);
  if (literal) {
    const why = refusedAddress(literal);
    return why ? `${literal} is ${why}` : null;
  }
  let addresses: Array<{ address: string }>;
  try {
    addresses = await (options.resolve ?? defaultResolve)(url.hostname);
  } catch {
    return `${url.hostname} does not resolve`;
  }
  if (addresses.length === 0) return `${url.hostname} does not resolve`;
  for (const { address } of addresses) {
    const why = refusedAddress(address);
    if (why) return `${url.hostname} resolves to ${address}, ${why}`;
  }
  return null;
}

function guardedLookup(options: SendOptions): LookupFunction {
  const allowPrivate = options.allowPrivate ?? allowPrivateWebhooks();
  const resolve = options.resolve ?? defaultResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (!allowPrivate) {
          for (const { address } of addresses) {
            const why = refusedAddress(address);
            if (why) return callback(new RefusedAddress(`${hostname} resolves to ${address}, ${why}`), "", 4);
          }
        }
        const first = addresses[0];
        if (!first) return callback(new Error(`${hostname} does not resolve`), "", 4);
        if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, "", 4),
    );
  };
}

/** Sends `body` with `headers` to `url`; never throws (a failure is answered). */
export async function sendWebhook(url: string, headers: Record<string, string>, body: string, options: SendOptions = {}): Promise<SendResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): SendResult => ({
    ok: error === null && status !== null && status >= 200 && status < 300,
    status,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done(null, "the endpoint's URL does not parse");
  }
  const allowPrivate = options.allowPrivate ?? allowPrivateWebhooks();
  const literal = ipLiteralOf(target);
  if (literal && !allowPrivate) {
    const why = refusedAddress(literal);
    if (why) return done(null, `refused: ${literal} is ${why}`);
  }
  const client = target.protocol === "https:" ? https : http;
  const agent = agents[target.protocol as "http:" | "https:"];
  if (!agent) return done(null, "the endpoint's URL is not http or https");
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(
      target,
      {
        method: "POST",
        agent,
        lookup: guardedLookup(options),
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "Gatehouse-Webhooks/1" },
      },
      (response) => {
        const status = response.statusCode ?? null;
        // The answer's body is read and dropped (at most 64 KiB is waited for), so the connection is reused.
        let seen = 0;
        response.on("data", (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > 65_536) response.destroy();
        });
        const end = () => {
          if (status !== null && status >= 300 && status < 400) return finish(done(status, `answered ${status}: redirects are not followed`));
          if (status !== null && (status < 200 || status >= 300)) return finish(done(status, `answered ${status}`));
          return finish(done(status, null));
        };
        response.on("end", end);
        response.on("close", end);
        response.on("error", end);
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish(done(null, `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error instanceof RefusedAddress || error.code === "EGATEHOUSE_REFUSED") return finish(done(null, `refused: ${error.message}`));
      finish(done(null, connectionProblem(error)));
    });
    request.end(body);
  });
}

function connectionProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host does not resolve";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return error.code ? `connection failed (${error.code})` : "connection failed";
  }
}
