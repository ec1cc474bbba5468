import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { ipLiteralOf, refusedAddress, WEBHOOK_TIMEOUT_MS } from "@gatehouse/core";
import { dbEnv } from "./env";

/**
 * A POST to a URL an org configured (a webhook receiver, a witness), with the SSRF guard (docs/webhooks.md): the URL's
 * host — an IP literal, or every address its name resolves to, at connection time, so a name that
 * resolves elsewhere later (DNS rebinding) is checked where the socket connects — may not be private,
 * loopback or link-local unless the instance allows it. Redirects are never followed: a 3xx is a failed
 * attempt, so a redirect to an internal address reaches nothing. A refusal says only that
 * ({@link REFUSED_PRIVATE}): never the address a name resolved to nor its kind, which would make the guard an
 * oracle on the instance's internal DNS for whoever sets a URL (an admin saving a webhook, a witness policy).
 */

/** The one refusal text for a destination that is, or resolves to, an address the guard refuses. */
export const REFUSED_PRIVATE = "private or reserved address";

export type Resolve = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface SendOptions {
  /** Reach private addresses too (GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1). */
  allowPrivate?: boolean;
  /** How names resolve (tests inject one that answers what a hostile DNS would). */
  resolve?: Resolve;
  timeoutMs?: number;
  /** Gives up when it aborts (the caller's client went away): answered as a failure, the request destroyed. */
  signal?: AbortSignal;
}

export interface SendResult {
  ok: boolean;
  /** The receiver's status code (null: no answer). */
  status: number | null;
  /** Why it failed, in words a member can act on (never a secret). */
  error: string | null;
  durationMs: number;
}

export interface PostResult extends SendResult {
  /** The answer's body (UTF-8, at most `maxResponseBytes`); "" when there was none. */
  body: string;
  contentType: string | null;
  /** The answer's headers ({} when there was no answer). */
  headers: http.IncomingHttpHeaders;
}

export interface PostRequest {
  headers: Record<string, string>;
  body: string;
  contentType: string;
  userAgent: string;
  /** Keep at most this much of the answer's body; more fails the request. Default: read and drop up to 64 KiB. */
  maxResponseBytes?: number;
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
  if (literal) return refusedAddress(literal) ? REFUSED_PRIVATE : null;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await (options.resolve ?? defaultResolve)(url.hostname);
  } catch {
    return `${url.hostname} does not resolve`;
  }
  if (addresses.length === 0) return `${url.hostname} does not resolve`;
  return addresses.some(({ address }) => refusedAddress(address) !== null) ? REFUSED_PRIVATE : null;
}

function guardedLookup(options: SendOptions): LookupFunction {
  const allowPrivate = options.allowPrivate ?? allowPrivateWebhooks();
  const resolve = options.resolve ?? defaultResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (!allowPrivate) {
          if (addresses.some(({ address }) => refusedAddress(address) !== null)) return callback(new RefusedAddress(REFUSED_PRIVATE), "", 4);
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

/** POSTs `request` to `url`; never throws (a failure is answered). A non-2xx answer is a failure, with its body kept. */
export async function postGuarded(url: string, request: PostRequest, options: SendOptions = {}): Promise<PostResult> {
  const started = performance.now();
  const keep = request.maxResponseBytes;
  let kept: Buffer[] = [];
  let contentType: string | null = null;
  let headers: http.IncomingHttpHeaders = {};
  const done = (status: number | null, error: string | null): PostResult => ({
    ok: error === null && status !== null && status >= 200 && status < 300,
    status,
    error,
    durationMs: Math.round(performance.now() - started),
    body: Buffer.concat(kept).toString("utf8"),
    contentType,
    headers,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done(null, "the endpoint's URL does not parse");
  }
  const allowPrivate = options.allowPrivate ?? allowPrivateWebhooks();
  const literal = ipLiteralOf(target);
  if (literal && !allowPrivate && refusedAddress(literal)) return done(null, `refused: ${REFUSED_PRIVATE}`);
  const client = target.protocol === "https:" ? https : http;
  const agent = agents[target.protocol as "http:" | "https:"];
  if (!agent) return done(null, "the endpoint's URL is not http or https");
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const outgoing = client.request(
      target,
      {
        method: "POST",
        agent,
        lookup: guardedLookup(options),
        headers: { ...request.headers, "content-type": request.contentType, "content-length": Buffer.byteLength(request.body), "user-agent": request.userAgent },
      },
      (response) => {
        const status = response.statusCode ?? null;
        contentType = response.headers["content-type"] ?? null;
        headers = response.headers;
        // The answer's body is kept up to `keep`, or read and dropped (at most 64 KiB is waited for), so the connection is reused.
        let seen = 0;
        response.on("data", (chunk: Buffer) => {
          seen += chunk.length;
          if (keep === undefined) {
            // Nothing to keep (a webhook): past 64 KiB the rest is not waited for, and the status decides.
            if (seen > 65_536) response.destroy();
            return;
          }
          if (seen <= keep) kept.push(chunk);
          else {
            kept = [];
            response.destroy();
            finish(done(status, `the answer is larger than ${keep} bytes`));
          }
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
      outgoing.destroy();
      finish(done(null, `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => {
      outgoing.destroy();
      finish(done(null, "cancelled: the caller went away"));
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    outgoing.on("close", () => options.signal?.removeEventListener("abort", onAbort));
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      if (error instanceof RefusedAddress || error.code === "EGATEHOUSE_REFUSED") return finish(done(null, `refused: ${error.message}`));
      finish(done(null, connectionProblem(error)));
    });
    outgoing.end(request.body);
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
