import NextAuth, { type NextAuthRequest } from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { baseAuthConfig, SIGN_IN_PATH } from "./auth.config";
import { requestIdFrom } from "./server/request-id";

// Built eagerly (not with a lazy config function): a lazily configured auth(handler) returns a
// promise, and Next.js needs `proxy` to be a function.
const { auth } = NextAuth(baseAuthConfig());

// An optimistic check before a page renders, from the session cookie alone (no database): pages
// need a session, the sign-in page must not have one. Route handlers under /api answer 401
// themselves, and every org page checks the session and the membership again on the server.
// Typed with the event so the middleware overload of auth() applies.
/** Account pages for people without a session: sign-up, email verification, password reset, the development outbox. */
const PUBLIC_PATHS = new Set(["/signup", "/signup/check-email", "/verify-email", "/verify-email/resend", "/forgot-password", "/reset-password", "/dev/outbox"]);

const guard = auth((request: NextAuthRequest, _event: NextFetchEvent) => {
  const { pathname, search } = request.nextUrl;
  // An invitation's page answers with or without a session (it offers to sign in or create the account).
  if (PUBLIC_PATHS.has(pathname) || pathname.startsWith("/invite/")) return NextResponse.next();
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

export async function proxy(request: NextRequest, event: NextFetchEvent) {
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
  const response = await guard(request, event);
  // next-auth re-issues the session cookie on every request it sees here. A prefetch that was in
  // flight when the user signed out would then bring the deleted session back, so the proxy only
  // reads the cookie: sign-in and sign-out are the only writers, and a session lasts a fixed 12 h.
  if (response instanceof Response) response.headers.delete("set-cookie");
  return response;
}

export const config = {
  // Route handlers are matched only for the path check above; next-auth's own routes are left alone.
  matcher: ["/((?!api/auth/|_next/static|_next/image|favicon\\.ico|.*\\.(?:png|svg|ico|txt)$).*)"],
};
