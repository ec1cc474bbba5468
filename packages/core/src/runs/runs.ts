import { createHash } from "node:crypto";
import { z } from "zod";
import { safeString } from "../input";

/**
 * Runs (docs/runs.md): the calls an agent makes for one piece of work, grouped by a `runId` the caller
 * chooses, like an `eventId`. The first call that names a runId starts the run, so a run costs no
 * round trip of its own; a delegate's calls naming the same runId join the run of its root agent.
 */

/** A caller's runId: the shape of an eventId, but never `run_…`, which is the shape of the server's run ids. */
export const runKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, "must be 1-200 characters of [A-Za-z0-9._:-]")
  .refine((key) => !key.startsWith("run_"), "must not start with 'run_' (the prefix of the server's run ids)");

/** A run's name, as a person reads it in the console ("triage #4512"); kept on the run, not in the audit log. */
export const runNameSchema = safeString().trim().min(1).max(200);

/** A run the server knows: its id (`run_…`) and the caller's runId. */
export const runRefSchema = z.strictObject({
  id: z.string().describe("The run's id (`run_…`), the same for every call of the agent (or its delegates) naming this runId."),
  runId: z.string().describe("The runId the caller chose."),
});
export type RunRef = z.output<typeof runRefSchema>;

/** How a run was ended by its agent (`POST /v1/runs/:id/end`). */
export const RUN_END_STATUSES = ["completed", "failed", "cancelled"] as const;
export type RunEndStatus = (typeof RUN_END_STATUSES)[number];

/**
 * What a run is doing, as read: `running` (calls within the idle timeout), `waiting` (an approval of
 * the run is pending), `idle` (no call for the idle timeout and nothing pending), or how its agent
 * ended it. A call naming an idle or ended run picks it up again: it is `running` once more.
 */
export const RUN_STATUSES = ["running", "waiting", "idle", ...RUN_END_STATUSES] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run with no call for this long, and no pending approval, reads as `idle` (its end, unless it is picked up again). */
export const RUN_IDLE_SECONDS = 30 * 60;

const BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * The server's id of the run an agent names `key`: derived, not stored first, so the decision that
 * starts a run needs no read to find it (its write creates or touches the row). Scoped by org and
 * root agent: a delegate naming its root's runId joins that run; another agent's runs, or another
 * org's, never collide (128 bits of SHA-256).
 */
export function runIdOf(orgId: string, rootAgentId: string, key: string): string {
  const digest = createHash("sha256").update(`${orgId}\u0000${rootAgentId}\u0000${key}`).digest();
  let n = BigInt(`0x${digest.subarray(0, 16).toString("hex")}`);
  let out = "";
  for (let i = 0; i < 22; i += 1) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return `run_${out}`;
}

/** What a run reads as at `now` (see RUN_STATUSES). */
export function runStatusOf(run: { status: string; lastActivityAt: Date; pendingApprovals: number }, now: number): RunStatus {
  if ((RUN_END_STATUSES as readonly string[]).includes(run.status)) return run.status as RunEndStatus;
  if (run.pendingApprovals > 0) return "waiting";
  return now - run.lastActivityAt.getTime() >= RUN_IDLE_SECONDS * 1000 ? "idle" : "running";
}
