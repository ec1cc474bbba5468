import NextAuth, { type NextAuthRequest } from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { baseAuthConfig, SIGN_IN_PATH } from "./auth.config";
import { env } from "./env";
import { configuredOrigins, edgeRefusal, type EdgeRefusal } from "./server/edge-guard";
import { requestIdFrom } from "./server/request-id";

// Built eagerly (not with a lazy config function): a lazily configured auth(handler) returns a
// promise, and Next.js needs `proxy` to be a function.
const { auth } = NextAuth(baseAuthConfig());

// An optimistic check before a page renders, from the session cookie alone (no database): pages
// need a session, the sign-in page must not have one. Route handlers under /api answer 401
// themselves, and every org page checks the session and the membership again on the server.
// Typed with the event so the middleware overload of auth() applies.
/** Account pages for people without a session: sign-up, email verification, password reset, sign-in links. */
const PUBLIC_PATHS = new Set(["/signup", "/signup/check-email", "/verify-email", "/verify-email/resend", "/forgot-password", "/reset-password", "/signin/email", "/signin/link"]);

/** Pages that exist only in a process started for development (GATEHOUSE_DEVELOPMENT), open without a session there. */
const DEVELOPMENT_PREFIX = "/dev/";

const guard = auth((request: NextAuthRequest, _event: NextFetchEvent) => {
  const { pathname, search } = request.nextUrl;
  // An invitation's page answers with or without a session (it offers to sign in or create the account).
  if (PUBLIC_PATHS.has(pathname) || pathname.startsWith("/invite/") || pathname.startsWith(DEVELOPMENT_PREFIX)) return NextResponse.next();
  const signedIn = Boolean(request.auth?.user?.id);
  if (pathname === SIGN_IN_PATH) {
    return signedIn ? NextResponse.redirect(new URL("/", request.nextUrl)) : NextResponse.next();
  }
  if (signedIn) return NextResponse.next();
  const target = new URL(SIGN_IN_PATH, request.nextUrl);
  if (pathname !== "/") target.searchParams.set("callbackUrl", `${pathname}${search}`);
  return NextResponse.redirect(target);
});

/** A path segment that is not valid percent-encoded UTF-8 (`%ZZ`, `%ED%A0%80`, a lone surrogate). */
function undecodablePath(pathname: string): boolean {
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}

/** A plain 421 for a foreign host; the console's error envelope for a refused write (plain text on a page's server action). */
function refusalResponse(refusal: EdgeRefusal, request: NextRequest): NextResponse {
  const requestId = requestIdFrom(request.headers);
  const headers = { "cache-control": "no-store", "x-request-id": requestId };
  const plain = { ...headers, "content-type": "text/plain; charset=utf-8" };
  if (refusal.kind === "host") return new NextResponse(refusal.message, { status: refusal.status, headers: plain });
  if (!request.nextUrl.pathname.startsWith("/api/")) return new NextResponse(`Forbidden: ${refusal.message}`, { status: refusal.status, headers: plain });
  const details = refusal.kind === "not-json" ? { details: { issues: [{ path: "body", message: refusal.message }] } } : {};
  return NextResponse.json({ error: { code: refusal.code, message: refusal.message, ...details, requestId } }, { status: refusal.status, headers });
}

export async function proxy(request: NextRequest, event: NextFetchEvent) {
  // Every request passes here first (pages, route handlers, next-auth's endpoints, server actions): a
  // Host that is not the console's (DNS rebinding), a write from another site or, to a route handler,
  // not in JSON, goes no further (server/edge-guard.ts).
  const refusal = edgeRefusal({ method: request.method, pathname: request.nextUrl.pathname, headers: request.headers }, configuredOrigins());
  if (refusal) return refusalResponse(refusal, request);
  // Next.js itself answers 500 for a path it cannot decode, before any route handler runs: refuse it
  // here with the console's error envelope (route handlers) or a plain 400 (pages).
  if (undecodablePath(request.nextUrl.pathname)) {
    const requestId = requestIdFrom(request.headers);
    const message = "the path is not valid percent-encoded UTF-8";
    const headers = { "cache-control": "no-store", "x-request-id": requestId };
    return request.nextUrl.pathname.startsWith("/api/")
      ? NextResponse.json({ error: { code: "VALIDATION", message, details: { issues: [{ path: "path", message }] }, requestId } }, { status: 400, headers })
      : new NextResponse(`Bad request: ${message}`, { status: 400, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
  }
  // Route handlers under /api answer for themselves (401 without a session).
  if (request.nextUrl.pathname.startsWith("/api/")) return NextResponse.next();
  // Development-only pages are not there unless the process was started for development.
  if (request.nextUrl.pathname.startsWith(DEVELOPMENT_PREFIX) && !env().GATEHOUSE_DEVELOPMENT) {
    return new NextResponse("Not found", { status: 404, headers: { "cache-control": "no-store", "content-type": "text/plain; charset=utf-8" } });
  }
  const response = await guard(request, event);
  // next-auth re-issues the session cookie on every request it sees here. A prefetch that was in
  // flight when the user signed out would then bring the deleted session back, so the proxy only
  // reads the cookie: sign-in and sign-out are the only writers, and a session lasts a fixed 12 h.
  if (response instanceof Response) response.headers.delete("set-cookie");
  return response;
}

export const config = {
  // Every request but the build's public files (every /api path, whatever its last segment ends in):
  // route handlers and next-auth's endpoints get the edge checks and the path check above only.
  matcher: ["/api/:path*", "/((?!_next/static|_next/image|favicon\\.ico|.*\\.(?:png|svg|ico|txt)$).*)"],
};
