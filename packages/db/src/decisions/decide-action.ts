import { claimGrant, grantQuery } from "./claim-grant";
import {
  actionRequestHash,
  afterDecision,
  approvalTimeoutSeconds,
  buildActionResult,
  conflict,
  newId,
  parseActionRequest,
  runIdOf,
  type ActionResult,
  type BudgetVerdict,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import { approvalPageUrl } from "../approvals/approval-page-url";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { recordFailure, transitionBreaker } from "../agents/circuit-breaker";
import { noteIntegration } from "../agents/note-integration";
import { contentScreen } from "../content/content-screen";
import { screenCall } from "../content/screen-call";
import { commitDecision, type Materialized } from "./group-commit";
import { prepareDecision, type GateReason } from "./prepare-decision";
import { recordLoop } from "./loop-guard";
import { RecentAnswers } from "./recent-answers";
import { budgetPlan, reservationOf, underBudget } from "./budget-plan";

/** Answers to recent calls by (agent, eventId), so a retry to this process needs no database read. */
const recent = new RecentAnswers<{ requestHash: string; result: ActionResult }>({ capacity: 20_000, maxAgeMs: 60_000 });

function remember(agentId: string, eventId: string, requestHash: string, result: ActionResult): void {
  recent.set(`${agentId}\u0000${eventId}`, { requestHash, result });
}

/** `metadata.requestedBy` of a call, when it names someone. */
function requesterOf(metadata: Record<string, unknown>): string | null {
  return typeof metadata.requestedBy === "string" ? metadata.requestedBy : null;
}

/**
 * `execute`: decides an agent's request and records it. The action row, its audit entry and (for
 * require_approval) its approval are committed together by the org's group commit (group-commit.ts);
 * nothing is answered before that commit. A repeated eventId answers the original result without a
 * new entry; the same eventId with a different request is a conflict. Content PostgreSQL cannot
 * store (a NUL, an unpaired surrogate) is refused by the parse (core's safe-text checks), before it
 * counts against a rate or joins a group commit (which checks again).
 */
export async function decideAction({ ctx, input, now }: { ctx: Ctx; input: unknown; now?: number }): Promise<ActionResult> {
  const actor = requireAgent(ctx);
  const parsed = parseActionRequest(input);
  if (parsed.eventId) {
    const seen = recent.get(`${actor.agentId}\u0000${parsed.eventId}`);
    if (seen) {
      if (seen.requestHash !== actionRequestHash(actor.agentId, parsed)) {
        throw conflict(`eventId '${parsed.eventId}' was already used for a different request`, { eventId: parsed.eventId });
      }
      return seen.result;
    }
  }
  const prepared = await prepareDecision(ctx, parsed, "execute", now);
  const { request, agent, gateReason } = prepared;
  // Secrets and personal data are screened before anything is written (docs/content.md): what the
  // content rules redact or refuse is replaced by its placeholder in the action, its entry, its
  // result and the conditions' values; the request hash (idempotency, the approval's binding) is of
  // the call as written, so no digest of a redacted value is kept either.
  const pending = contentScreen(ctx.org.id, prepared.content);
  const screen = typeof pending === "function" ? pending : await pending;
  // Identifiers the entry would carry as sent (eventId, runId, action type, tool and model names) are
  // refused when the rules find in them what they would rewrite; canI screens the same (screenCall).
  const { metadata, dataAccessed, runName, findings, denied: contentDenied } = screenCall(screen, request);
  // The conditions' values come from the call: rewritten only when something in it was.
  const rewritten = findings.some((f) => f.action !== "flagged");
  const screened = rewritten ? { ...prepared.decision, conditionsEvaluated: screen(prepared.decision.conditionsEvaluated, ["conditionsEvaluated"]).value } : prepared.decision;
  const written = { ...request, metadata: metadata.value, dataAccessed: dataAccessed.value };
  // Who asked, as the call named them (never the screened value): separation of duties reads it.
  const requesterRef = requesterOf(request.metadata);
  // A call a policy would hold for a person goes through when a standing grant covers it (claim-grant.ts:
  // the same query canI peeks with): never one refused before policy or in a report-only trial.
  const query = grantQuery({
    orgId: ctx.org.id,
    agentId: agent.id,
    actionType: request.actionType,
    metadata: written.metadata,
    requestMetadata: request.metadata,
    decision: screened,
    refusedBeforePolicy: Boolean(gateReason) || contentDenied,
    reportOnly: Boolean(prepared.reportOnly),
    at: new Date(now ?? Date.now()),
  });
  const grant = query ? await claimGrant(query) : null;
  const decision = grant ? { ...screened, effect: "allow" as const } : screened;
  const requestHash = actionRequestHash(agent.id, written);
  // The run the call names (docs/runs.md), keyed by the root agent so a delegate's calls join its root's run.
  const rootAgentId = prepared.delegation?.rootAgentId ?? agent.id;
  const run = request.runId ? { id: runIdOf(ctx.org.id, rootAgentId, request.runId), key: request.runId, rootAgentId, name: runName?.value } : undefined;
  const runRef = run ? { id: run.id, runId: run.key } : undefined;
  // The budgets the call is held to (docs/budgets.md), checked and reserved under the org's lock in the
  // group commit; a call refused before policy is held to none.
  const at = new Date(now ?? Date.now());
  const plan =
    gateReason || contentDenied
      ? undefined
      : budgetPlan({ orgId: ctx.org.id, rules: prepared.budgetRules, subjectAgentId: prepared.subjectAgentId, runId: run?.id, spend: request.spend, settings: prepared.spend, at });

  const materialize = (haltedNow: boolean, verdict?: BudgetVerdict): Materialized => {
    const budgeted = underBudget(decision, verdict);
    const denial: GateReason | undefined =
      gateReason ?? (contentDenied ? "CONTENT_DENIED" : undefined) ?? (haltedNow ? "AGENT_HALTED" : undefined) ?? (budgeted.denied ? "BUDGET_EXCEEDED" : undefined);
    const decided = budgeted.decision;
    const actionId = newId("action");
    const approval =
      !denial && decided.effect === "require_approval" && decided.approval
        ? { id: newId("approval"), expiresAt: new Date(Date.now() + approvalTimeoutSeconds(decided.approval, prepared.approvalTimeoutSeconds) * 1000) }
        : undefined;
    // A denial before policy (or a halt committed first) refuses even in a report-only trial.
    const reportOnly = denial ? undefined : prepared.reportOnly;
    const { auditEventId: _none, ...result } = buildActionResult({
      // A refusal of the content rules names no policy (the org default may be what refused).
      decision: denial === "CONTENT_DENIED" ? { ...decided, policy: undefined } : decided,
      auditEventId: "",
      ...(approval ? { approval: { ...approval, url: approvalPageUrl(ctx.org.slug, approval.id) } } : {}),
      ...(denial ? { denialReason: denial } : {}),
      ...(reportOnly ? { reportOnly } : {}),
      findings,
      ...(request.tool ? { tool: request.tool } : {}),
      ...(runRef ? { run: runRef } : {}),
      ...(verdict?.state ? { budget: verdict.state } : {}),
      ...(grant ? { grant } : {}),
    });
    // What the call reserves against its budgets: recorded (executed, or held for approval), not denied.
    const reservation = plan && result.status !== "denied" ? reservationOf(plan, at, approval?.expiresAt) : undefined;
    return {
      actionId,
      result,
      entry: {
        type: "action.decided",
        actor: actorRef(actor),
        agentId: agent.id,
        subjectId: actionId,
        data: {
          actionId,
          agentName: agent.name,
          ...(prepared.delegation ? { delegation: prepared.delegation } : {}),
          actionType: request.actionType,
          status: result.status,
          ...(result.denialReason ? { denialReason: result.denialReason } : {}),
          ...(decision.policy ? { policy: decision.policy } : {}),
          ...(prepared.tampered.length > 0 ? { tamperedPolicies: prepared.tampered } : {}),
          mode: decision.mode,
          ...(reportOnly ? { reportOnly } : {}),
          monitored: decision.monitored,
          conditionsEvaluated: decision.conditionsEvaluated,
          metadata: written.metadata,
          dataAccessed: written.dataAccessed,
          ...(findings.length > 0 ? { findings } : {}),
          requestHash,
          ...(request.tool ? { tool: request.tool } : {}),
          ...(request.eventId ? { eventId: request.eventId } : {}),
          ...(approval ? { approvalId: approval.id, timeoutAt: approval.expiresAt.toISOString() } : {}),
          ...(runRef ? { run: runRef } : {}),
          ...(reservation ? { reservation: reservation.record } : {}),
          ...(grant ? { grant } : {}),
          // The budget that refused or held it (an allowed call's tightest budget is in its answer only).
          ...(verdict?.state?.exceeded ? { budget: verdict.state } : {}),
        },
      },
      action: {
        actionType: request.actionType,
        metadata: written.metadata,
        dataAccessed: written.dataAccessed,
        status: result.status,
        denialReason: result.denialReason ?? null,
        policyName: decided.policy?.name ?? null,
        policyVersionId: decided.policy?.versionId ?? null,
        mode: decided.mode,
      },
      ...(reservation ? { reservation: reservation.pending } : {}),
      ...(approval && decided.approval
        ? {
            approval: {
              id: approval.id,
              policyVersionId: decided.policy?.versionId ?? null,
              quorum: decided.approval.quorum,
              approverRoles: decided.approval.approverRoles,
              approverMemberIds: decided.approval.approvers,
              excludeAgentOwner: decided.approval.excludeAgentOwner,
              requestedBy: requesterOf(written.metadata),
              requesterRef,
              expiresAt: approval.expiresAt,
            },
          }
        : {}),
    };
  };

  const { result, fresh } = await commitDecision({
    orgId: ctx.org.id,
    agentId: agent.id,
    gateAgentIds: prepared.gateAgentIds,
    eventId: request.eventId,
    requestHash,
    ...(run ? { run } : {}),
    ...(plan ? { budget: { scopes: plan.scopes, cost: plan.cost } } : {}),
    materialize,
  });
  // The recent answers are checked against the call as sent (in memory only, before any screen). A
  // `requested` answer is not kept: its approval may be decided at any moment, and a call asking again
  // (a retried step, a restarted adapter re-attaching) must read where it stands now.
  if (request.eventId && result.status !== "requested") remember(agent.id, request.eventId, actionRequestHash(agent.id, request), result);
  if (request.tool) noteIntegration(ctx, true);
  if (!fresh) return result;
  // The call that first went over its loop limit records the loop (and halts the agent when the org says so).
  if (prepared.loop?.first && result.denialReason === "LOOP_DETECTED") await recordLoop(ctx, agent, request.actionType, prepared.loop, prepared.loop.haltAgent);
  const breaker = afterDecision({
    probe: prepared.probe,
    status: result.status,
    denialReason: result.denialReason,
    deniedBeforePolicy: gateReason !== undefined || contentDenied || result.denialReason === "BUDGET_EXCEEDED",
  });
  if (breaker === "count_failure") await recordFailure(ctx, agent.id, prepared.breaker, `denied ${request.actionType}`);
  else if (breaker !== "none") await transitionBreaker(ctx, agent.id, breaker.settle).catch(() => {});
  return result;
}
