import { NextResponse } from "next/server";
import { pingDatabase, replicaStatus } from "@gatehouse/db";

const PING_TIMEOUT_MS = 2_000;

// Ready when the database answers within two seconds (and, behind a pooler in transaction mode, its default
// timeouts are in force: @gatehouse/db's pingDatabase). No session: the launcher and load balancers poll it.
// With a replica for page reads (DATABASE_REPLICA_URL), the answer says whether it serves reads and its measured
// lag; a replica that is behind or down is not an outage (reads go to the primary), so it never makes this 503.
export async function GET(): Promise<NextResponse> {
  const headers = { "cache-control": "no-store" };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    const ok = await Promise.race([pingDatabase(), timedOut]);
    const replica = replicaStatus();
    const body = replica.configured ? { ok, replica: { usable: replica.usable, lagMs: replica.lagMs, maxLagMs: replica.maxLagMs } } : { ok };
    return NextResponse.json(body, { status: ok ? 200 : 503, headers });
  } catch (error) {
    console.error("healthz: database check failed", error);
    return NextResponse.json({ ok: false }, { status: 503, headers });
  } finally {
    clearTimeout(timer);
  }
}
