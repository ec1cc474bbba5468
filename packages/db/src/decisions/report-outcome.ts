import type { Outcome } from "@gatehouse/contracts";
import { outcomeBodySchema } from "@gatehouse/contracts";
import {
  breakerSettings,
  conflict,
  notFound,
  postConditionReason,
  postConditionSettings,
  runIdOf,
  spendSettings,
  usdOf,
  validationError,
  zodIssues,
  type PostConditionViolation,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { recordFailure } from "../agents/circuit-breaker";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { screenForAgent } from "../content/screen-for-agent";
import { orgSettingsSnapshot } from "../orgs/settings-snapshot";
import { settleSpend } from "./settle-spend";
import { agentSnapshot } from "../agents/agent-snapshot";
import { setAgentStatus } from "../agents/set-agent-status";
import { systemCtx } from "../actors/context";
import { getOrgPolicies } from "../policies/policy-cache";
import { publishAfterCommit } from "../infra/signals";

/** Who halts an agent whose outcome broke a post-condition (docs/policies.md, Post-conditions). */
export const POSTCONDITION_ACTOR = { type: "system", id: "postcondition-checker" } as const;

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
  // The outcome's data is screened as a decision's metadata is, by the rules of the action it reports on.
  const data = parsed.data.data === undefined ? undefined : await screenForAgent(ctx, action.actionType, parsed.data.data, "data", "report");
  const findings = [...(screened?.findings ?? []), ...(data?.findings ?? [])];
  // A reported model's name is logged as it is: one the content rules find anything in is refused.
  if (usage?.model !== undefined && (await screenForAgent(ctx, action.actionType, usage.model, "usage.model", "report")).findings.length > 0) {
    throw validationError([{ path: "usage.model", message: "holds content the org's content rules look for (a secret or personal data); send the model's name" }]);
  }
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
  // The post-conditions of the action's policies, tested on this outcome (its data and status), before the write.
  const violations = await checkPostConditions(ctx, action, status, data?.value);
  const settings = await orgSettingsSnapshot(ctx.org.id);
  const halt = violations.length > 0 && postConditionSettings(settings).haltAgent;
  const agentName = violations.length > 0 ? ((await agentSnapshot(ctx.org.id, actor.agentId))?.name ?? actor.agentId) : "";
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
        ...(data ? { data: data.value } : {}),
        ...(usage ? { usage } : {}),
        ...(spend ? { spend } : {}),
      },
    });
    // Each broken post-condition is recorded with the outcome, in its transaction.
    for (const violation of violations) {
      await appendAuditEntry(tx, ctx.org.id, {
        type: "action.postcondition_violated",
        actor: POSTCONDITION_ACTOR,
        agentId: actor.agentId,
        subjectId: action.id,
        data: {
          actionId: action.id,
          auditEventId: action.auditEntryId,
          actionType: action.actionType,
          agentName,
          policy: violation.policy,
          conditionsEvaluated: violation.conditionsEvaluated.map(({ field, operator, expected, actual, result }) => ({ field, operator, expected, actual, result })),
          ...(violation.limit ? { limit: true } : {}),
          halted: halt,
        },
      });
    }
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
      ...(violations.length > 0
        ? {
            violations: violations.map((v) => ({
              policy: v.policy,
              conditionsEvaluated: v.conditionsEvaluated.map(({ field, operator, expected, actual, result }) => ({ field, operator, expected, actual, result })),
            })),
          }
        : {}),
    };
  }, TX_OPTIONS);
  if (!result) {
    // Lost a race with a concurrent report: answer by what won.
    const winner = await db().action.findUniqueOrThrow({ where: { id: action.id } });
    if (same(winner)) return existing(winner);
    throw conflict(`an outcome '${winner.outcomeStatus}' was already reported for this action`, { reported: winner.outcomeStatus });
  }
  if (violations.length > 0) {
    await publishAfterCommit({ type: "audit.appended", orgId: ctx.org.id });
    // With the org's postConditions.haltAgent, the agent that broke it stops (observation of the outcome: a failed halt never fails the report).
    if (halt) {
      const system = systemCtx(ctx.org, POSTCONDITION_ACTOR.id, ctx.requestId);
      const reason = postConditionReason(violations[0]?.policy ?? "", action.actionType);
      await setAgentStatus({ ctx: system, input: { agentId: actor.agentId, status: "halted", body: { reason } } }).catch(() => {});
    }
  }
  if (status === "failure") {
    await recordFailure(ctx, actor.agentId, breakerSettings(settings), `failure outcome of ${action.actionType}`);
  }
  return result;
}

/**
 * The post-conditions an outcome breaks: the enforce-mode policies matching the action and the agent
 * (a delegate's root, as at the decision) that state some, tested with the call's own facts as
 * recorded and `outcome.status` and `outcome.<path>` from this report. Untrusted policies (their
 * integrity check failing) state none.
 */
async function checkPostConditions(
  ctx: Ctx,
  action: { actionType: string; metadata: unknown; dataAccessed: unknown },
  status: string,
  data: Record<string, unknown> | undefined,
): Promise<PostConditionViolation[]> {
  const actor = requireAgent(ctx);
  const [policies, subject] = await Promise.all([getOrgPolicies(ctx.org.id), agentSnapshot(ctx.org.id, actor.delegation?.rootAgentId ?? actor.agentId)]);
  if (policies.tampered.length > 0 || !subject) return [];
  const metadata = action.metadata && typeof action.metadata === "object" && !Array.isArray(action.metadata) ? (action.metadata as Record<string, unknown>) : {};
  const dataAccessed = Array.isArray(action.dataAccessed) ? (action.dataAccessed as Array<{ type: string }>) : [];
  return policies.set.checkPostConditions({
    actionType: action.actionType,
    agent: { id: subject.id, name: subject.name, labels: subject.labels },
    metadata,
    dataAccessed,
    outcome: { ...data, status },
  });
}

/** An outcome's message through the content screen, by the content rules of the action it reports on. */
async function screenOutcomeMessage(ctx: Ctx, actionType: string, message: string | undefined) {
  return message === undefined ? undefined : screenForAgent(ctx, actionType, message, "message", "report");
}
