import NextAuth, { type NextAuthRequest } from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { baseAuthConfig, SIGN_IN_PATH } from "./auth.config";

// Built eagerly (not with a lazy config function): a lazily configured auth(handler) returns a
// promise, and Next.js needs `proxy` to be a function.
const { auth } = NextAuth(baseAuthConfig());

// An optimistic check before a page renders, from the session cookie alone (no database): pages
// need a session, the sign-in page must not have one. Route handlers under /api answer 401
// themselves, and every org page checks the session and the membership again on the server.
// Typed with the event so the middleware overload of auth() applies.
const guard = auth((request: NextAuthRequest, _event: NextFetchEvent) => {
  const { pathname, search } = request.nextUrl;
  const signedIn = Boolean(request.auth?.user?.id);
  if (pathname === SIGN_IN_PATH) {
    return signedIn ? NextResponse.redirect(new URL("/", request.nextUrl)) : NextResponse.next();
  }
  if (signedIn) return NextResponse.next();
  const target = new URL(SIGN_IN_PATH, request.nextUrl);
  if (pathname !== "/") target.searchParams.set("callbackUrl", `${pathname}${search}`);
  return NextResponse.redirect(target);
});

export async function proxy(request: NextRequest, event: NextFetchEvent) {
  const response = await guard(request, event);
  // next-auth re-issues the session cookie on every request it sees here. A prefetch that was in
  // flight when the user signed out would then bring the deleted session back, so the proxy only
  // reads the cookie: sign-in and sign-out are the only writers, and a session lasts a fixed 12 h.
  if (response instanceof Response) response.headers.delete("set-cookie");
  return response;
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon\\.ico|.*\\.(?:png|svg|ico|txt)$).*)"],
};
