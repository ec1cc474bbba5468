import { simulatePoliciesBodySchema, type PolicySimulation } from "@gatehouse/contracts";
import { randomUUID } from "node:crypto";
import { ReplayTally, validationError, zodIssues, type PolicyDocument } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { runAdmittedStep, workPool, workTask, type WorkPool } from "../infra/work-pool";
import { workerDatabaseOf } from "../infra/worker-database";
import { contentSettingsOf } from "../content/content-screen";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import { checkPolicySetOffLoop } from "./check-policies";
import type { ReplayCursor, ReplayStepInput, ReplayStepOutput } from "./replay-stored-step";

/** At most this many decisions are replayed; older ones in the window are left out (`truncated`). */
export const MAX_SIMULATED_DECISIONS = 200_000;
/** Decisions a worker reads and evaluates per job (keyset on created_at, id, newest first): another org's job waits little behind one. */
const STEP = 1_000;
const replayStep = workTask<ReplayStepInput, ReplayStepOutput>("@gatehouse/db/work-steps", "replayStoredStep");

/**
 * Replay (`POST /v1/admin/policies/simulate`): evaluates a draft set against the org's recorded
 * decisions of the last `days` days with core's PolicyReplay (compiled once) and answers what would
 * change. Reads only the org's own rows (every query is by org_id), writes nothing. Agents are read
 * as they are now: a delegate is evaluated as its root agent, with its current chain. A draft whose
 * content rules (with the org's content settings) deny a class refuses the recorded calls that still
 * hold such a value (flagged or kept when recorded): they move to deny. Runs in one of
 * the org's fair shares of the pool (infra/fair-share.ts): a loop of replays queues behind itself.
 * Reading and evaluating run on the work pool (infra/work-pool.ts) in the org's turn, a step of
 * decisions at a time (replayStoredStep, with reads of its own); this loop merges the steps' tallies in
 * order, so no row reaches the event loop.
 */
export async function simulatePolicies({
  ctx,
  input,
  now = new Date(),
  work = workPool(),
}: {
  ctx: Ctx;
  input: unknown;
  now?: Date;
  /** Where the evaluation runs (tests pass a pool of their own). */
  work?: WorkPool;
}): Promise<PolicySimulation> {
  requirePermission(ctx, "policies.write");
  const { days: rawDays, ...set } = input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const orgId = ctx.org.id;
  const parsedDays = simulatePoliciesBodySchema.shape.days.safeParse(rawDays);
  if (!parsedDays.success) throw validationError(zodIssues(parsedDays.error, ["days"]));
  // Parsed on the work pool, in the org's turn.
  const { documents } = await checkPolicySetOffLoop(orgId, set, ["documents"]);
  const days = parsedDays.data;
  const to = now;
  const from = new Date(to.getTime() - days * 86_400_000);
  return fairShare().run(ctx.org.id, "policy replay", () => replayDecisions(orgId, documents, days, from, to, work));
}

async function replayDecisions(orgId: string, documents: PolicyDocument[], days: number, from: Date, to: Date, work: WorkPool): Promise<PolicySimulation> {
  const tally = new ReplayTally();
  const content = contentSettingsOf(await orgSettingsSnapshot(orgId));
  const fixed = {
    database: workerDatabaseOf(db().pool),
    orgId,
    replayId: randomUUID(),
    documents,
    content,
    from: from.toISOString(),
    to: to.toISOString(),
    max: MAX_SIMULATED_DECISIONS,
  };
  let read = 0;
  let cursor: ReplayCursor | null = null;
  let truncated = false;
  for (;;) {
    const limit = Math.min(STEP, MAX_SIMULATED_DECISIONS - read);
    if (limit <= 0) {
      // The cap is reached: is anything older left in the window?
      const before = cursor as ReplayCursor;
      const older = await db().pool.query(`SELECT 1 FROM actions WHERE org_id = $1 AND created_at >= $2 AND created_at <= $3 AND (created_at, id) < ($3, $4) LIMIT 1`, [
        orgId,
        from,
        before.at,
        before.id,
      ]);
      truncated = (older.rowCount ?? 0) > 0;
      break;
    }
    const out: ReplayStepOutput = await runAdmittedStep(work, replayStep, { ...fixed, cursor, limit, read }, { key: orgId, what: "policy replay" });
    tally.merge(out.tally);
    read += out.read;
    if (out.read < limit || !out.last) break;
    cursor = out.last;
  }
  return { days, from: from.toISOString(), to: to.toISOString(), truncated, ...tally.result() };
}
