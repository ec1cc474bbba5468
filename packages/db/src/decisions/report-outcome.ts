import type { Outcome } from "@gatehouse/contracts";
import { outcomeBodySchema } from "@gatehouse/contracts";
import {
  breakerSettings,
  conflict,
  isId,
  judgeLocalFindings,
  MAX_FINDINGS,
  notFound,
  postConditionReason,
  postConditionSettings,
  runIdOf,
  spendSettings,
  usdOf,
  validationError,
  zodIssues,
  type AuditEntryInput,
  type PolicySet as CompiledPolicies,
  type PostConditionViolation,
  type Screened,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { recordFailure } from "../agents/circuit-breaker";
import { haltBySystem } from "../agents/halt-by-system";
import { contentActionsFor, contentKeyReady, orgScanAhead, screenSync } from "../content/content-screen";
import { checkScreenedDetectors } from "../snapshots/org-detectors";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import { commitOutcome } from "./group-commit";
import type { JudgedOutcome, ReportedAction } from "./commit-item";
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
  // the org's settings, its policies, the agent whose policies apply (a delegate's root), the org's placeholder key
  // and its own detectors' matches in what the report carries.
  // The org's own detectors run ahead over what the judgement will screen, within the call's budget (off the event loop when large).
  const [settings, policies, subject, , , ahead] = await Promise.all([
    orgSettingsSnapshot(ctx.org.id),
    getOrgPolicies(ctx.org.id),
    agentSnapshot(ctx.org.id, rootAgentId),
    contentKeyReady(ctx.org.id),
    checkScreenedDetectors(ctx.org.id, parsed.data.screened),
    orgScanAhead(ctx.org.id, [
      { field: "message", value: parsed.data.message },
      { field: "data", value: parsed.data.data },
      { field: "screened", value: (parsed.data.screened ?? []).map((finding) => finding.path) },
      { field: "usage.model", value: usage?.model },
    ]),
  ]);
  const trusted = policies.tampered.length === 0 && subject ? { set: policies.set, agent: { id: subject.id, name: subject.name, labels: subject.labels } } : null;
  const agentName = (await agentSnapshot(ctx.org.id, actor.agentId))?.name ?? actor.agentId;
  const halting = postConditionSettings(settings).haltAgent;
  // What the judgement found, for the answer and what follows the commit (set again on each try of the batch).
  let judged: { action: ReportedAction; message: string | undefined; violations: PostConditionViolation[] } | undefined;

  const judge = (action: ReportedAction): JudgedOutcome => {
    // A runId named on the report must be the run the decision was recorded in (its root agent's, for a delegate).
    if (parsed.data.runId !== undefined && action.runId !== runIdOf(ctx.org.id, rootAgentId, parsed.data.runId)) {
      throw validationError([{ path: "runId", message: "is not the run this action was recorded in" }]);
    }
    // The message and the data are screened like a decision's metadata, by the content rules of the action they report on.
    const actions = contentActionsFor(settings, trusted ? trusted.set.contentFor(action.actionType, trusted.agent) : []);
    const screen = screenSync(ctx.org.id, actions, ahead);
    const screened = parsed.data.message === undefined ? undefined : refuseDenied(screen(parsed.data.message, ["message"]), "message");
    const data = parsed.data.data === undefined ? undefined : refuseDenied(screen(parsed.data.data, ["data"]), "data");
    const message = screened?.value;
    // What the caller's own screen found in the result it kept (a model's answer, docs/guardrails.md): its paths held like identifiers.
    const local = parsed.data.screened ?? [];
    local.forEach((finding, i) => {
      if (screen(finding.path, []).findings.length > 0) {
        throw validationError([
          { path: `screened[${i}].path`, message: "holds content the org's content rules look for (a secret or personal data); name where it was found, not what" },
        ]);
      }
    });
    const findings = [...(screened?.findings ?? []), ...(data?.findings ?? []), ...judgeLocalFindings(local, actions, "answer").findings].slice(0, MAX_FINDINGS);
    // A reported model's name is logged as it is: one the content rules find anything in is refused.
    if (usage?.model !== undefined && refuseDenied(screen(usage.model, ["usage.model"]), "usage.model").findings.length > 0) {
      throw validationError([{ path: "usage.model", message: "holds content the org's content rules look for (a secret or personal data); send the model's name" }]);
    }
    if (action.status === "denied") throw conflict("the action was denied; there is no outcome to report");
    if (action.status === "requested") throw conflict("the action is waiting for approval; report its outcome once it is approved");
    // The post-conditions of the action's policies, tested on this outcome (its data and status).
    const violations = trusted ? checkPostConditions(trusted, action, status, data?.value) : [];
    judged = { action, message, violations };
    const halt = violations.length > 0 && halting;
    // What every entry of this report is about: the agent, the action and the decision it reports on.
    const about = { agentId: actor.agentId, subjectId: action.id };
    const ofAction = { actionId: action.id, auditEventId: action.auditEntryId, actionType: action.actionType };
    return {
      status,
      message: message ?? null,
      materialize: ({ spend, at }) => ({
        entries: [
          {
            type: "action.outcome",
            actor: actorRef(actor),
            ...about,
            data: {
              ...ofAction,
              status,
              ...(message ? { message } : {}),
              ...(findings.length > 0 ? { findings } : {}),
              ...(data ? { data: data.value } : {}),
              ...(usage ? { usage } : {}),
              ...(spend ? { spend } : {}),
            },
          },
          // What the content screen found in the outcome, as its own typed event (never the values).
          ...(findings.length > 0
            ? [{ type: "guardrail.triggered", actor: actorRef(actor), ...about, data: { ...ofAction, agentName, source: "outcome", findings } } satisfies AuditEntryInput]
            : []),
          // Each broken post-condition is recorded with the outcome, in its transaction.
          ...violations.map((violation): AuditEntryInput => ({
            type: "action.postcondition_violated",
            actor: POSTCONDITION_ACTOR,
            ...about,
            data: {
              ...ofAction,
              agentName,
              policy: violation.policy,
              conditionsEvaluated: violation.conditionsEvaluated.map(({ field, operator, expected, actual, result }) => ({ field, operator, expected, actual, result })),
              ...(violation.limit ? { limit: true } : {}),
              halted: halt,
            },
          })),
        ],
        answer: (entryId: string): OutcomeView => ({
          auditEventId: action.auditEntryId,
          status,
          message: message ?? null,
          reportedAt: at.toISOString(),
          outcomeAuditEventId: entryId,
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
        }),
      }),
    };
  };

  // Claimed under the org's lock (the first report of an action wins on every process), its reservation
  // settled (docs/budgets.md), its entries appended — each broken post-condition with it — in the batch's one transaction.
  const committed = await commitOutcome({
    kind: "outcome",
    orgId: ctx.org.id,
    auditEventId: input.auditEventId,
    agentId: actor.agentId,
    usage,
    settings: spendSettings(settings),
    judge,
  });
  if (!judged) throw new Error("report committed without its judgement");
  const { action, message, violations } = judged;
  if (!committed.recorded) {
    // Another report of the action came first (committed before, or earlier in the batch): answer by what won.
    const { winner } = committed;
    if (winner.status === status && (winner.message ?? undefined) === message) {
      return { auditEventId: action.auditEntryId, status: winner.status as OutcomeView["status"], message: winner.message, reportedAt: winner.at.toISOString() };
    }
    throw conflict(`an outcome '${winner.status}' was already reported for this action`, { reported: winner.status });
  }
  const result = committed.answer as OutcomeView;
  // With the org's postConditions.haltAgent, the agent that broke it stops (observation of the outcome: a failed halt never fails the report).
  if (violations.length > 0 && halting) {
    const reason = postConditionReason(violations[0]?.policy ?? "", action.actionType);
    await haltBySystem(ctx.org.id, actor.agentId, POSTCONDITION_ACTOR.id, reason).catch(() => {});
  }
  if (status === "failure") {
    await recordFailure(ctx, actor.agentId, breakerSettings(settings), `failure outcome of ${action.actionType}`);
  }
  return result;
}

/** A screened value, or the 400 naming `field` when the content rules refuse something in it (nothing of the report is written). */
function refuseDenied<T>(screened: Screened<T>, field: string): Screened<T> {
  if (screened.denied) {
    const refused = screened.findings.filter((f) => f.action === "denied").map((f) => f.detector);
    throw validationError([{ path: field, message: `holds content the org's content rules refuse (${[...new Set(refused)].join(", ")}); report it without that value` }]);
  }
  return screened;
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
