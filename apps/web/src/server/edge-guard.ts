import { env, isLoopbackHost } from "../env";

// The console's edge, checked by proxy.ts before anything else runs (pages, route handlers, next-auth's
// endpoints, server actions): the Host a request names (DNS rebinding) and where a write comes from
// (cross-site requests). Pure functions of the request's method, path and headers, so the table in
// apps/web/test/edge-guard.test.ts covers them without a server.

/** The origins the console answers as, or null: any host (no GATEHOUSE_CONSOLE_URL, not started for development). */
export interface ConsoleOrigins {
  /** `scheme://host[:port]`, lower case, as a browser sends it in `Origin`. */
  origins: ReadonlySet<string>;
  /** `host[:port]`, lower case, as a browser sends it in `Host`. */
  hosts: ReadonlySet<string>;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"] as const;

/**
 * GATEHOUSE_CONSOLE_URL's origin (with the other loopback names when it is a loopback one: the same
 * console on this machine), and in development the loopback names on the console's port. Without
 * either, null: any host (startup warns, see consoleUrlWarning).
 */
export function consoleOrigins(settings: { consoleUrl: string | undefined; development: boolean; port: number }): ConsoleOrigins | null {
  const origins = new Set<string>();
  if (settings.consoleUrl) {
    const url = new URL(settings.consoleUrl);
    origins.add(url.origin);
    if (isLoopbackHost(url.hostname)) for (const name of LOOPBACK_NAMES) origins.add(originOf(url.protocol, name, url.port));
  }
  if (settings.development) for (const name of LOOPBACK_NAMES) origins.add(originOf("http:", name, String(settings.port)));
  if (origins.size === 0) return null;
  return { origins, hosts: new Set([...origins].map((origin) => new URL(origin).host)) };
}

function originOf(protocol: string, hostname: string, port: string): string {
  return new URL(`${protocol}//${hostname}${port ? `:${port}` : ""}`).origin;
}

/** Said once at startup when the console answers any Host: fine on a closed network, not on the internet. */
export function consoleUrlWarning(allowed: ConsoleOrigins | null): string | null {
  return allowed
    ? null
    : "GATEHOUSE_CONSOLE_URL is not set: the console answers requests for any Host name, which lets a web page reach it by DNS rebinding. Set it to the console's public address (https://console.example.com).";
}

export interface EdgeRequest {
  method: string;
  pathname: string;
  headers: Headers;
}

/** What the proxy answers instead of the request: a plain 421, or the console's error envelope (403, 400). */
export type EdgeRefusal =
  | { kind: "host"; status: 421; message: string }
  | { kind: "cross-site"; status: 403; code: "FORBIDDEN"; message: string }
  | { kind: "not-json"; status: 400; code: "VALIDATION"; message: string };

/** Methods that change nothing; every other one is a write. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Answers the same for every Host: a container or load-balancer health check calls it by address, and it reads nothing of anyone's. */
const ANY_HOST_PATHS = new Set(["/api/healthz"]);

/** next-auth's own endpoints take form posts (its CSRF token is in the form); they get the origin check, not the JSON one. */
const NEXT_AUTH_PREFIX = "/api/auth/";

/**
 * The first refusal that applies, in order: a Host (or X-Forwarded-Host) that is not the console's
 * (421); a write from another site (403): `Sec-Fetch-Site`, when sent, is `same-origin` or `none`,
 * and `Origin` is present and the console's own; a write to a route handler that is not JSON (400).
 */
export function edgeRefusal(request: EdgeRequest, allowed: ConsoleOrigins | null): EdgeRefusal | null {
  const host = hostRefusal(request, allowed);
  if (host) return host;
  if (SAFE_METHODS.has(request.method.toUpperCase())) return null;
  const crossSite = crossSiteRefusal(request.headers, allowed);
  if (crossSite) return { kind: "cross-site", status: 403, code: "FORBIDDEN", message: `cross-site request refused: ${crossSite}` };
  if (request.pathname.startsWith("/api/") && !request.pathname.startsWith(NEXT_AUTH_PREFIX) && !isJsonOrEmpty(request.headers)) {
    return { kind: "not-json", status: 400, code: "VALIDATION", message: "send the request as application/json" };
  }
  return null;
}

function hostRefusal(request: EdgeRequest, allowed: ConsoleOrigins | null): EdgeRefusal | null {
  if (!allowed || ANY_HOST_PATHS.has(request.pathname)) return null;
  // Next.js fills X-Forwarded-Host in from Host when a request has none; one a client sent itself (a
  // page on a rebound name can) must name the console too, or next-auth would build its URLs from it.
  const named = [request.headers.get("host") ?? "", ...(request.headers.get("x-forwarded-host")?.split(",") ?? [])];
  const foreign = named.some((value) => !allowed.hosts.has(value.trim().toLowerCase()));
  return foreign ? { kind: "host", status: 421, message: "Misdirected request: this console does not answer for that host name." } : null;
}

/** Why the write is cross-site, or null when it comes from the console's own pages. */
function crossSiteRefusal(headers: Headers, allowed: ConsoleOrigins | null): string | null {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site is ${site}`;
  const origin = headers.get("origin")?.trim().toLowerCase();
  if (!origin) return "the Origin header is missing";
  if (allowed) return allowed.origins.has(origin) ? null : "the Origin is not this console's";
  // Any host: the Origin must name the host the request was sent to.
  return hostOfOrigin(origin) === headers.get("host")?.trim().toLowerCase() ? null : "the Origin is not this console's";
}

function hostOfOrigin(origin: string): string | null {
  if (!URL.canParse(origin)) return null;
  const url = new URL(origin);
  return url.origin === origin ? url.host : null;
}

/** A body declared `application/json` (with or without parameters: `; charset=utf-8`), or no body at all (a DELETE, a POST that sends nothing). */
function isJsonOrEmpty(headers: Headers): boolean {
  const contentType = headers.get("content-type");
  if (contentType !== null) return contentType.split(";")[0]?.trim().toLowerCase() === "application/json";
  return headers.get("transfer-encoding") === null && (headers.get("content-length") ?? "0").trim() === "0";
}

let configured: { allowed: ConsoleOrigins | null } | undefined;

/** The console's origins from its environment (GATEHOUSE_CONSOLE_URL, GATEHOUSE_DEVELOPMENT, WEB_PORT). */
export function configuredOrigins(): ConsoleOrigins | null {
  const e = env();
  configured ??= { allowed: consoleOrigins({ consoleUrl: e.GATEHOUSE_CONSOLE_URL, development: e.GATEHOUSE_DEVELOPMENT, port: e.WEB_PORT }) };
  return configured.allowed;
}
