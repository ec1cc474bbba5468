import { NextResponse } from "next/server";
import { pingDatabase } from "@gatehouse/db";

const PING_TIMEOUT_MS = 2_000;

// Ready when the database answers within two seconds (and, behind a pooler in transaction mode, its default
// timeouts are in force: @gatehouse/db's pingDatabase). No session: the launcher and load balancers poll it.
export async function GET(): Promise<NextResponse> {
  const headers = { "cache-control": "no-store" };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    const ok = await Promise.race([pingDatabase(), timedOut]);
    return NextResponse.json({ ok }, { status: ok ? 200 : 503, headers });
  } catch (error) {
    console.error("healthz: database check failed", error);
    return NextResponse.json({ ok: false }, { status: 503, headers });
  } finally {
    clearTimeout(timer);
  }
}
