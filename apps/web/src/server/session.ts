import "server-only";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { SIGN_IN_PATH } from "@/auth.config";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

/** The signed-in user, or null. Route handlers use this and answer 401 themselves. */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await auth();
  const user = session?.user;
  if (!user?.id) return null;
  return { id: user.id, email: user.email ?? "", name: user.name ?? "" };
}

/** For pages and layouts: the signed-in user, or a redirect to the sign-in page. */
export async function requireSessionUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(SIGN_IN_PATH);
  return user;
}
