import type { Outcome } from "@gatehouse/contracts";
import { outcomeBodySchema } from "@gatehouse/contracts";
import { breakerSettings, conflict, notFound, runIdOf, spendSettings, usdOf, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { recordFailure } from "../agents/circuit-breaker";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { screenForAgent } from "../content/screen-for-agent";
import { orgSettingsSnapshot } from "../orgs/settings-snapshot";
import { settleSpend } from "./settle-spend";

/** The outcome on record, as the API answers it (its contract). */
export type OutcomeView = Outcome;

/**
 * `report`: the acting agent says how its action went. Only that agent may report (another agent of
 * the org, or another org, gets 404); the first outcome wins: repeating it answers the same, a
 * different one is a 409 and never overwrites. Failures count toward the agent's circuit breaker.
 */
export async function reportOutcome({ ctx, input }: { ctx: Ctx; input: { auditEventId: string; body: unknown } }): Promise<OutcomeView> {
  const actor = requireAgent(ctx);
  const parsed = outcomeBodySchema.safeParse(input.body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { status, usage } = parsed.data;
  const action = await db().action.findFirst({ where: { auditEntryId: input.auditEventId, orgId: ctx.org.id, agentId: actor.agentId } });
  if (!action) throw notFound("action");
  // A runId named on the report must be the run the decision was recorded in (its root agent's, for a delegate).
  if (parsed.data.runId !== undefined && action.runId !== runIdOf(ctx.org.id, actor.delegation?.rootAgentId ?? actor.agentId, parsed.data.runId)) {
    throw validationError([{ path: "runId", message: "is not the run this action was recorded in" }]);
  }
  // The message is screened like a decision's metadata, by the content rules of the action it reports on.
  const screened = await screenOutcomeMessage(ctx, action.actionType, parsed.data.message);
  const message = screened?.value;
  const findings = screened?.findings ?? [];
  if (action.status === "denied") throw conflict("the action was denied; there is no outcome to report");
  if (action.status === "requested") throw conflict("the action is waiting for approval; report its outcome once it is approved");
  const existing = (a: typeof action): OutcomeView => ({
    auditEventId: a.auditEntryId,
    status: a.outcomeStatus as OutcomeView["status"],
    message: a.outcomeMessage,
    reportedAt: (a.outcomeAt ?? new Date()).toISOString(),
  });
  const same = (a: typeof action) => a.outcomeStatus === status && (a.outcomeMessage ?? undefined) === message;
  if (action.outcomeStatus) {
    if (same(action)) return existing(action);
    throw conflict(`an outcome '${action.outcomeStatus}' was already reported for this action`, { reported: action.outcomeStatus });
  }
  const result = await db().$transaction(async (tx) => {
    const now = new Date();
    const claimed = await tx.action.updateMany({
      where: { id: action.id, outcomeStatus: null },
      data: { outcomeStatus: status, outcomeMessage: message ?? null, outcomeAt: now },
    });
    if (claimed.count === 0) return null;
    // The reservation it settles (docs/budgets.md), the budgets' counters and the run's spend, in this transaction.
    const spend = await settleSpend(tx, {
      orgId: ctx.org.id,
      action: { id: action.id, runId: action.runId, createdAt: action.createdAt },
      usage,
      settings: spendSettings(await orgSettingsSnapshot(ctx.org.id)),
      now,
    });
    const entry = await appendAuditEntry(tx, ctx.org.id, {
      type: "action.outcome",
      actor: actorRef(actor),
      agentId: actor.agentId,
      subjectId: action.id,
      data: {
        actionId: action.id,
        auditEventId: action.auditEntryId,
        actionType: action.actionType,
        status,
        ...(message ? { message } : {}),
        ...(findings.length > 0 ? { findings } : {}),
        ...(usage ? { usage } : {}),
        ...(spend ? { spend } : {}),
      },
    });
    return {
      auditEventId: action.auditEntryId,
      status,
      message: message ?? null,
      reportedAt: now.toISOString(),
      outcomeAuditEventId: entry.id,
      ...(findings.length > 0 ? { findings } : {}),
      ...(spend
        ? { spend: { model: spend.model, tokens: spend.tokens, usd: spend.micros === null ? null : usdOf(spend.micros), ...(spend.estimated ? { estimated: true } : {}) } }
        : {}),
    };
  }, TX_OPTIONS);
  if (!result) {
    // Lost a race with a concurrent report: answer by what won.
    const winner = await db().action.findUniqueOrThrow({ where: { id: action.id } });
    if (same(winner)) return existing(winner);
    throw conflict(`an outcome '${winner.outcomeStatus}' was already reported for this action`, { reported: winner.outcomeStatus });
  }
  if (status === "failure") {
    await recordFailure(ctx, actor.agentId, breakerSettings(await orgSettingsSnapshot(ctx.org.id)), `failure outcome of ${action.actionType}`);
  }
  return result;
}

/** An outcome's message through the content screen, by the content rules of the action it reports on. */
async function screenOutcomeMessage(ctx: Ctx, actionType: string, message: string | undefined) {
  return message === undefined ? undefined : screenForAgent(ctx, actionType, message, "message", "report");
}
