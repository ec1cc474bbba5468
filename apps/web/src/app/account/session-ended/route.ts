import { NextResponse } from "next/server";
import { signOut } from "@/auth";
import { SIGN_IN_PATH } from "@/auth.config";
import { hasEndedSession } from "@/server/session";

/**
 * Where pages send a session cookie that no longer counts (the password changed, "sign out
 * everywhere", the account is gone): the cookie is cleared and the sign-in page says why. A session
 * that still counts is left alone (a link here cannot sign anyone out).
 */
export async function GET(request: Request): Promise<Response> {
  if (!(await hasEndedSession())) return NextResponse.redirect(new URL("/", request.url), { headers: { "cache-control": "no-store" } });
  await signOut({ redirectTo: `${SIGN_IN_PATH}?notice=ended` });
  return NextResponse.redirect(new URL(`${SIGN_IN_PATH}?notice=ended`, request.url));
}
