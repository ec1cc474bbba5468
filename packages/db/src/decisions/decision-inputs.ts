import { budgetPlan, ContentLimitError, runIdOf, screenCall, screenJudged, type BudgetPlan, type ContentLimitName, type DecisionInputs, type ScreenedCall } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { collectingScreen, openScreen } from "../content/content-screen";
import { checkScreenedDetectors } from "../snapshots/org-detectors";
import { grantQuery, type GrantQuery } from "./claim-grant";
import type { Prepared } from "./prepare-decision";
import { atStep, atStepAsync } from "./evaluation-steps";

/** A call's inputs to the plan, read alike for execute and canI; the grant and the budgets' verdict are each verb's to take or peek. */
export interface ReadInputs {
  inputs: Omit<DecisionInputs, "grant" | "budget" | "haltedAtCommit" | "pendingAtCommit" | "breaker" | "breakerAtCommit">;
  /** What a standing grant would be looked for with (null when none may cover the call). */
  grantQuery: GrantQuery | null;
  /** The budgets the call is held to (undefined when none applies, or it is refused before them). */
  budget: BudgetPlan | undefined;
  /** The run the call names, keyed by its root agent, with the name its call gave (screened). */
  run: { id: string; key: string; rootAgentId: string; name: string | undefined } | undefined;
  at: Date;
}

/**
 * Everything after `prepareDecision` that both verbs read, in one place: the content screen
 * (docs/content.md: identifiers refused with a 400 naming the field, metadata, data access and the
 * run's name rewritten as the rules say, the conditions' values with them), the run, the budgets'
 * plan (docs/budgets.md; a declared model without a price is a 400 naming `spend.model`) and the
 * query a standing grant would answer (claim-grant.ts).
 */
export async function readDecisionInputs(ctx: Ctx, prepared: Prepared, now: number | undefined): Promise<ReadInputs> {
  const { request, agent, gateReason } = prepared;
  const { metadata, dataAccessed, runName, findings, denied, conditionsEvaluated, limited } = await atStepAsync("screen", async () => {
    await checkScreenedDetectors(ctx.org.id, request.screened);
    return screenDecision(ctx.org.id, prepared);
  });
  const at = new Date(now ?? Date.now());
  const refusedBeforePolicy = Boolean(gateReason) || denied || limited !== undefined;
  // The run the call names (docs/runs.md), keyed by the root agent so a delegate's calls join its root's run.
  const rootAgentId = prepared.delegation?.rootAgentId ?? agent.id;
  const run = request.runId ? { id: runIdOf(ctx.org.id, rootAgentId, request.runId), key: request.runId, rootAgentId, name: runName?.value } : undefined;
  const budget = refusedBeforePolicy
    ? undefined
    : atStep("budgets", () =>
        budgetPlan({ orgId: ctx.org.id, rules: prepared.budgetRules, subjectAgentId: prepared.subjectAgentId, runId: run?.id, spend: request.spend, settings: prepared.spend, at }),
      );
  return {
    inputs: {
      request,
      rewritten: prepared.rewritten,
      written: { metadata: metadata.value, dataAccessed: dataAccessed.value },
      agent,
      delegation: prepared.delegation,
      decision: prepared.decision,
      gateReason,
      tampered: prepared.tampered,
      reportOnly: prepared.reportOnly,
      screen: { findings, denied, limited, conditionsEvaluated, content: prepared.promptContent },
      approvalTimeoutSeconds: prepared.approvalTimeoutSeconds,
      run: run ? { id: run.id, runId: run.key } : undefined,
      failure: undefined,
      loop: prepared.loop,
    },
    // A call a policy would hold for a person goes through when a standing grant covers it: never one
    // refused before policy or in a report-only trial.
    grantQuery: atStep("grants", () =>
      grantQuery({
        orgId: ctx.org.id,
        agentId: agent.id,
        actionType: request.actionType,
        metadata: metadata.value,
        requestMetadata: prepared.sent.metadata,
        decision: prepared.decision,
        refusedBeforePolicy,
        reportOnly: Boolean(prepared.reportOnly),
        at,
      }),
    ),
    budget,
    run,
    at,
  };
}

type ScreenedDecision = ScreenedCall & { conditionsEvaluated: Prepared["decision"]["conditionsEvaluated"]; limited: ContentLimitName | undefined };

/**
 * The call through the content screen (screenCall), with the conditions' values rewritten as the call's
 * were. What the screen will read is collected first, so the org's own detectors run over all of it within
 * the call's budget (docs/content-detectors.md, "Budgets"), off the event loop when it is large. A call
 * past a limit of that budget is decided, fail closed: refused (CONTENT_LIMIT) and recorded with its
 * identifiers screened as always and nothing of its content — no metadata, data access, run name or
 * conditions' values — since what could not be screened may not be written.
 */
async function screenDecision(orgId: string, prepared: Prepared): Promise<ScreenedDecision> {
  const { request } = prepared;
  const local = prepared.promptContent ?? prepared.content;
  const conditions = prepared.decision.conditionsEvaluated;
  const values: Array<{ field: string; value: unknown }> = [];
  const collect = collectingScreen(values);
  screenCall(collect, request, local);
  collect(conditions, ["conditionsEvaluated"]);
  try {
    const screen = (await openScreen(orgId, values, { actions: prepared.content })).with(prepared.content);
    // The screen's step of the one judgement (core's judge-call.ts), over the call as its policies rewrote it.
    return { ...screenJudged(screen, prepared, local), limited: undefined };
  } catch (error) {
    if (!(error instanceof ContentLimitError)) throw error;
    const identifiers: Array<{ field: string; value: unknown }> = [];
    screenCall(collectingScreen(identifiers), request, local, { withoutContent: true });
    const screen = (await openScreen(orgId, identifiers, { actions: prepared.content })).with(prepared.content);
    const call = screenCall(screen, request, local, { withoutContent: true });
    return { ...call, conditionsEvaluated: conditions.map(({ actual: _unscreened, ...condition }) => condition), limited: error.limit };
  }
}
