import { endRunBodySchema, type Run } from "@gatehouse/contracts";
import { notFound, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { readRun, runIdFromPath, runView } from "./run-rows";

/**
 * An agent ends one of its runs (the SDK's `run()` does when its callback settles): `completed`,
 * `failed` or `cancelled`, recorded as a `run.ended` entry. Only the run's root agent or the agent that
 * started it may; another agent's run, or another org's, is a 404. Ending it again with the same
 * status answers the run as it is; a later call naming the run picks it up again (docs/runs.md).
 */
export async function endRun({ ctx, input, now = Date.now() }: { ctx: Ctx; input: { id: string; body: unknown }; now?: number }): Promise<Run> {
  const actor = requireAgent(ctx);
  const parsed = endRunBodySchema.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { status } = parsed.data;
  const runId = runIdFromPath(ctx, input.id);
  const run = await readRun(ctx, runId);
  if (!run || (run.root_agent_id !== actor.agentId && run.agent_id !== actor.agentId)) throw notFound("run");
  if (run.status === status) return runView(run, now);
  await db().$transaction(async (tx) => {
    // Under the org's log lock (the entry's append), so an end and a decision of the run are ordered.
    const entry = await appendAuditEntry(tx, ctx.org.id, {
      type: "run.ended",
      actor: actorRef(actor),
      agentId: actor.agentId,
      subjectId: runId,
      data: { runId, runKey: run.key, agentName: actor.agentName, status },
    });
    await tx.run.update({ where: { id: runId }, data: { status, endedAt: entry.createdAt } });
  }, TX_OPTIONS);
  const ended = await readRun(ctx, runId);
  if (!ended) throw notFound("run");
  return runView(ended, now);
}
