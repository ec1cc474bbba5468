import "server-only";
import { cookies } from "next/headers";
import { withReplicaReads, writePosition } from "@gatehouse/db";

/**
 * Where the console's page reads go (docs/deploying.md "Reads from a replica"). With DATABASE_REPLICA_URL
 * set, a page's lists and a GET route's answer may come from the replica while its measured lag is within
 * the bound; a member's own writes are always seen: each write's answer carries the primary's WAL
 * position in this cookie, and a read that carries it uses the replica only once the replica has replayed
 * past it. Without a replica nothing is set and every read goes to the primary.
 */
export const WAL_COOKIE = "gh_wal";

/** How long a write's position steers its writer's reads; far longer than any lag a replica is used at. */
const WAL_COOKIE_SECONDS = 600;

/** A position past any real one: the member's reads go to the primary (when the write's position could not be read). */
const PRIMARY_ONLY = "FFFFFFFF/FFFFFFFF";

/** A server component's page reads: `read` may be answered by the replica, never with less than the member's own last write. */
export async function pageReads<T>(read: () => Promise<T>): Promise<T> {
  const after = (await cookies()).get(WAL_COOKIE)?.value ?? null;
  return withReplicaReads(after, read);
}

/** A GET route handler's reads, as {@link pageReads}, from the request's cookie. */
export function routeReads<T>(request: { cookies: { get(name: string): { value: string } | undefined } }, read: () => Promise<T>): Promise<T> {
  return withReplicaReads(request.cookies.get(WAL_COOKIE)?.value ?? null, read);
}

/**
 * After a write: the answer sets the cookie to the primary's position now, so the member's next reads see
 * the write. Without a replica, nothing. If the position cannot be read, the member reads from the primary
 * until the cookie expires or the next write: their write is never hidden from them, and the answer stands.
 */
export async function markWrite(response: Response, secure: boolean): Promise<Response> {
  let position: string | null;
  try {
    position = await writePosition();
  } catch {
    position = PRIMARY_ONLY;
  }
  if (position === null) return response;
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
