import "server-only";
import { cookies } from "next/headers";
import { walPosition, withReplicaReads, writePosition } from "@gatehouse/db";
import { env } from "@/env";

/**
 * Where the console's page reads go (docs/deploying.md "Reads from a replica", ADR 0033). With DATABASE_REPLICA_URL
 * set, the pages and GET routes that ask for it (agents, the audit log, members, invitations, admin keys: nothing a
 * live event refetches) may be answered by the replica while its measured lag is within the bound; a member's own
 * writes are always seen: each write's answer carries the primary's WAL position in this cookie, and a read that
 * carries it uses the replica only once the replica has replayed past it. Without a replica nothing is set and
 * every read goes to the primary.
 */
export const WAL_COOKIE = "gh_wal";

/** How long a write's position steers its writer's reads; longer than any lag a replica may be used at (at most 300 s). */
const WAL_COOKIE_SECONDS = 600;

/** A position past any real one: the member's reads go to the primary. */
const PRIMARY_ONLY = "FFFFFFFF/FFFFFFFF";

/** The reader's own last write from the cookie: none, its position, or (a value that is not a position) the primary's. */
function afterOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  return walPosition(value) === null ? PRIMARY_ONLY : value;
}

/** A server component's page reads: `read` may be answered by the replica, never with less than the member's own last write. */
export async function pageReads<T>(read: () => Promise<T>): Promise<T> {
  return withReplicaReads(afterOf((await cookies()).get(WAL_COOKIE)?.value), read);
}

type WithCookies = { cookies: { get(name: string): { value: string } | undefined } };

/** A GET route handler's reads, as {@link pageReads}, from the request's cookie. */
export function routeReads<T>(request: WithCookies, read: () => Promise<T>): Promise<T> {
  return withReplicaReads(afterOf(request.cookies.get(WAL_COOKIE)?.value), read);
}

/**
 * After a write: the answer sets the cookie to the primary's position now (or keeps the later one the request
 * carried: two writes answered out of order do not move it back), so the member's next reads see the write.
 * Without a replica, nothing. If the position cannot be read, the member reads from the primary until the cookie
 * expires or a later write: their write is never hidden from them, and the answer stands. Secure on an https console.
 */
export async function markWrite(request: WithCookies, response: Response): Promise<Response> {
  let position: string | null;
  try {
    position = await writePosition();
  } catch {
    position = PRIMARY_ONLY;
  }
  if (position === null) return response;
  const carried = afterOf(request.cookies.get(WAL_COOKIE)?.value);
  if (carried !== null && (walPosition(carried) ?? 0n) > (walPosition(position) ?? 0n)) position = carried;
  const secure = (env().AUTH_URL ?? env().GATEHOUSE_CONSOLE_URL ?? "").startsWith("https:");
  const cookie = `${WAL_COOKIE}=${position}; Path=/; Max-Age=${WAL_COOKIE_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
  try {
    response.headers.append("set-cookie", cookie);
    return response;
  } catch {
    // A response with immutable headers (Response.redirect): the same answer, with the cookie.
    const copy = new Response(response.body, response);
    copy.headers.append("set-cookie", cookie);
    return copy;
  }
}
