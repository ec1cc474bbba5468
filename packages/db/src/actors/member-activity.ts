import { db } from "../infra/client";

/** A member's `last_active_at` is written at most this often (per process, and by the SQL across processes). */
export const ACTIVITY_EVERY_MS = 60_000;
const MAX_TRACKED = 10_000;

const written = new Map<string, number>();

/**
 * Records that a member acted (through the console, `getMemberContext`, or an admin key,
 * `authenticateApiKey`): at most once a minute per member in this process, and the update itself
 * skips a row written less than a minute ago by another process. Observation, so it fails open: a
 * failed write never fails the request. Raw SQL, so `updated_at` (the row's last change) is untouched.
 */
export function touchMemberActivity(membershipId: string, now = Date.now()): void {
  const last = written.get(membershipId) ?? 0;
  if (now - last < ACTIVITY_EVERY_MS) return;
  if (written.size >= MAX_TRACKED) written.clear();
  written.set(membershipId, now);
  const at = new Date(now);
  db()
    .$executeRaw`UPDATE memberships SET last_active_at = ${at} WHERE id = ${membershipId} AND (last_active_at IS NULL OR last_active_at < ${new Date(now - ACTIVITY_EVERY_MS)})`.catch(
    () => written.delete(membershipId),
  );
}

/** Forgets what this process wrote (tests). */
export function resetMemberActivity(): void {
  written.clear();
}
