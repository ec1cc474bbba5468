import type { Outcome } from "@gatehouse/contracts";
import { outcomeBodySchema } from "@gatehouse/contracts";
import {
  breakerSettings,
  conflict,
  isId,
  notFound,
  postConditionSettings,
  runIdOf,
  spendSettings,
  validationError,
  zodIssues,
  type OutcomeContext,
  type PolicySet as CompiledPolicies,
  type PostConditionViolation,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { countFailure } from "../agents/circuit-breaker";
import { announceAgentChanges } from "../agents/halt-by-system";
import { contentActionsFor, openScreen } from "../content/content-screen";
import { checkScreenedDetectors } from "../snapshots/org-detectors";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import { commitOutcome } from "./group-commit";
import { agentSnapshot } from "../snapshots/agent-snapshot";
import { getOrgPolicies } from "../snapshots/policy-cache";

/** Who halts an agent whose outcome broke a post-condition (docs/policies.md, Post-conditions). */
export const POSTCONDITION_ACTOR = { type: "system", id: "postcondition-checker" } as const;

/** The outcome on record, as the API answers it (its contract). */
export type OutcomeView = Outcome;

/**
 * `report`: the acting agent says how its action went. Only that agent may report (another agent of
 * the org, or another org, gets 404); the first outcome wins: repeating it answers the same, a
 * different one is a 409 and never overwrites. Failures count toward the agent's circuit breaker.
 *
 * The report is one group-commit item (group-commit.ts, ADR 0031): its action is read with the batch's
 * BEGIN and lock, judged there by `judge` below — the run it names, the content screen of its message,
 * data and model by the rules of the action's type, whether it may have an outcome, its post-conditions
 * — and claimed, settled and appended in the same transaction: as many round trips as a decision.
 */
export async function reportOutcome({ ctx, input }: { ctx: Ctx; input: { auditEventId: string; body: unknown } }): Promise<OutcomeView> {
  const actor = requireAgent(ctx);
  const parsed = outcomeBodySchema.safeParse(input.body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  // Not an audit entry id: not found, before any database hit (the batch's read quotes what passes).
  if (!isId("audit", input.auditEventId)) throw notFound("action");
  const { status, usage } = parsed.data;
  const rootAgentId = actor.delegation?.rootAgentId ?? actor.agentId;
  // What the judgement reads, at hand before the batch so it runs without a wait under the lock:
  // the org's settings, its policies, the agent whose policies apply (a delegate's root), and the content screen opened
  // over what the report carries (the org's placeholder key; its own detectors run ahead within the call's budget,
  // off the event loop when large), so the judgement screens with its action type's rules without a wait.
  const [settings, policies, subject, , opened] = await Promise.all([
    orgSettingsSnapshot(ctx.org.id),
    getOrgPolicies(ctx.org.id),
    agentSnapshot(ctx.org.id, rootAgentId),
    checkScreenedDetectors(ctx.org.id, parsed.data.screened),
    openScreen(ctx.org.id, [
      { field: "message", value: parsed.data.message },
      { field: "data", value: parsed.data.data },
      { field: "screened", value: (parsed.data.screened ?? []).map((finding) => finding.path) },
      { field: "usage.model", value: usage?.model },
    ]),
  ]);
  const trusted = policies.tampered.length === 0 && subject ? { set: policies.set, agent: { id: subject.id, name: subject.name, labels: subject.labels } } : null;
  const agentName = (await agentSnapshot(ctx.org.id, actor.agentId))?.name ?? actor.agentId;
  // What the report is judged and planned with under the org's lock (core's judgeOutcome and planOutcome): the run it
  // names, the content screen by the rules of the action's type, the post-conditions of its policies.
  // A failure is counted before the batch, so the breaker's opening it may cause is written in the outcome's commit
  // (ADR 0049). The count stays in the rate counter; a retry of the same report is the same member, counted once.
  const breaker = breakerSettings(settings);
  const failures = status === "failure" ? await countFailure(ctx, actor.agentId, breaker, `outcome:${input.auditEventId}`) : undefined;
  const context: OutcomeContext = {
    report: {
      status,
      message: parsed.data.message,
      data: parsed.data.data,
      usage,
      runId: parsed.data.runId === undefined ? undefined : runIdOf(ctx.org.id, rootAgentId, parsed.data.runId),
      screened: parsed.data.screened ?? [],
    },
    agent: { id: actor.agentId, name: agentName },
    actor: actorRef(actor),
    contentFor: (actionType) => {
      const actions = contentActionsFor(settings, trusted ? trusted.set.contentFor(actionType, trusted.agent) : []);
      return { actions, screen: opened.with(actions) };
    },
    postConditions: (action, reported, data) => (trusted ? checkPostConditions(trusted, action, reported, data) : []),
    haltOnViolation: postConditionSettings(settings).haltAgent,
    postConditionActor: POSTCONDITION_ACTOR,
    // A halt's reason names a policy: screened with the org's settings, like a member's (docs/content.md).
    screenReason: (reason) => opened.with(contentActionsFor(settings, []))(reason, ["reason"]).value,
    breaker: status === "failure" ? { failures, settings: breaker } : undefined,
  };
  // A report whose policies state post-conditions, with the org's postConditions.haltAgent, may halt its agent: its batch
  // commits it alone and reads the approvals the halt would cancel (group-commit.ts).
  const mayHalt = context.haltOnViolation && trusted !== null && trusted.set.statesPostConditions(trusted.agent);

  // Claimed under the org's lock (the first report of an action wins on every process), its reservation
  // settled (docs/budgets.md), its entries appended — each broken post-condition with it — in the batch's one transaction.
  const committed = await commitOutcome({
    kind: "outcome",
    orgId: ctx.org.id,
    auditEventId: input.auditEventId,
    agentId: actor.agentId,
    settings: spendSettings(settings),
    context,
    ...(mayHalt ? { mayHalt } : {}),
  });
  const { action, message } = committed.judged;
  if (!committed.recorded) {
    // Another report of the action came first (committed before, or earlier in the batch): answer by what won.
    const { winner } = committed;
    if (winner.status === status && winner.message === message) {
      return { auditEventId: action.auditEntryId, status, message: winner.message, reportedAt: winner.at.toISOString() };
    }
    throw conflict(`an outcome '${winner.status}' was already reported for this action`, { reported: winner.status });
  }
  // The halt (a broken post-condition, with the org's postConditions.haltAgent) and the breaker's opening were written in
  // the outcome's commit; after it only notifications run.
  await announceAgentChanges(ctx.org.id, actor.agentId, committed);
  return committed.answer;
}

/**
 * The post-conditions an outcome breaks: the enforce-mode policies matching the action and the agent
 * (a delegate's root, as at the decision) that state some, tested with the call's own facts as
 * recorded and `outcome.status` and `outcome.<path>` from this report. Untrusted policies (their
 * integrity check failing) state none: the caller passes none then.
 */
function checkPostConditions(
  trusted: { set: CompiledPolicies; agent: { id: string; name: string; labels: Record<string, string> } },
  action: { actionType: string; metadata: unknown; dataAccessed: unknown },
  status: string,
  data: Record<string, unknown> | undefined,
): PostConditionViolation[] {
  const metadata = action.metadata && typeof action.metadata === "object" && !Array.isArray(action.metadata) ? (action.metadata as Record<string, unknown>) : {};
  const dataAccessed = Array.isArray(action.dataAccessed) ? (action.dataAccessed as Array<{ type: string }>) : [];
  return trusted.set.checkPostConditions({ actionType: action.actionType, agent: trusted.agent, metadata, dataAccessed, outcome: { ...data, status } });
}
