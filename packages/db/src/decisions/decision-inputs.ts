import { budgetPlan, runIdOf, type BudgetPlan, type DecisionInputs } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { contentScreen } from "../content/content-screen";
import { checkScreenedDetectors } from "../snapshots/org-detectors";
import { screenCall } from "../content/screen-call";
import { grantQuery, type GrantQuery } from "./claim-grant";
import type { Prepared } from "./prepare-decision";

/** A call's inputs to the plan, read alike for execute and canI; the grant and the budgets' verdict are each verb's to take or peek. */
export interface ReadInputs {
  inputs: Omit<DecisionInputs, "grant" | "budget" | "haltedAtCommit">;
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
  await checkScreenedDetectors(ctx.org.id, request.screened);
  const pending = contentScreen(ctx.org.id, prepared.content);
  const screen = typeof pending === "function" ? pending : await pending;
  const { metadata, dataAccessed, runName, findings, denied } = screenCall(screen, request, prepared.promptContent ?? prepared.content);
  // The conditions' values come from the call: rewritten only when something in it was.
  const rewritten = findings.some((f) => f.action !== "flagged");
  const conditionsEvaluated = rewritten ? screen(prepared.decision.conditionsEvaluated, ["conditionsEvaluated"]).value : prepared.decision.conditionsEvaluated;
  const at = new Date(now ?? Date.now());
  const refusedBeforePolicy = Boolean(gateReason) || denied;
  // The run the call names (docs/runs.md), keyed by the root agent so a delegate's calls join its root's run.
  const rootAgentId = prepared.delegation?.rootAgentId ?? agent.id;
  const run = request.runId ? { id: runIdOf(ctx.org.id, rootAgentId, request.runId), key: request.runId, rootAgentId, name: runName?.value } : undefined;
  const budget = refusedBeforePolicy
    ? undefined
    : budgetPlan({ orgId: ctx.org.id, rules: prepared.budgetRules, subjectAgentId: prepared.subjectAgentId, runId: run?.id, spend: request.spend, settings: prepared.spend, at });
  return {
    inputs: {
      request,
      ...(prepared.rewritten ? { rewritten: prepared.rewritten } : {}),
      written: { metadata: metadata.value, dataAccessed: dataAccessed.value },
      agent,
      ...(prepared.delegation ? { delegation: prepared.delegation } : {}),
      decision: prepared.decision,
      gateReason,
      tampered: prepared.tampered,
      reportOnly: prepared.reportOnly,
      screen: { findings, denied, conditionsEvaluated, ...(prepared.promptContent ? { content: prepared.promptContent } : {}) },
      approvalTimeoutSeconds: prepared.approvalTimeoutSeconds,
      ...(run ? { run: { id: run.id, runId: run.key } } : {}),
    },
    // A call a policy would hold for a person goes through when a standing grant covers it: never one
    // refused before policy or in a report-only trial.
    grantQuery: grantQuery({
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
    budget,
    run,
    at,
  };
}
