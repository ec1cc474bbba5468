import { buildActionResult, parseActionRequest, runIdOf } from "@gatehouse/core";
import { budgetPlan, peekBudgets, underBudget } from "./budget-plan";
import type { CheckResult } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { contentScreen } from "../content/content-screen";
import { screenCall } from "../content/screen-call";
import { grantQuery, peekGrant } from "./claim-grant";
import { prepareDecision } from "./prepare-decision";

/**
 * canI: the same decision as execute (its content screen and standing grants included), without recording anything, consuming rate limits or a grant's use, plus
 * `allowed` (it would execute at once) and `needsApproval` (it would wait for a person).
 */
export async function checkAction({ ctx, input, now }: { ctx: Ctx; input: unknown; now?: number }): Promise<CheckResult> {
  requireAgent(ctx); // permission before parsing
  const prepared = await prepareDecision(ctx, parseActionRequest(input), "check", now);
  // The same content screen as execute: the findings it would make, and its refusal (nothing is written either way).
  const pending = contentScreen(ctx.org.id, prepared.content);
  const screen = typeof pending === "function" ? pending : await pending;
  // Its identifiers refused as execute refuses them (400 naming the field), its run's name screened too.
  const screened = screenCall(screen, prepared.request);
  const { findings, denied: contentDenied } = screened;
  // The budgets as they stand (one read when some apply): what execute would do now, nothing reserved.
  const { request } = prepared;
  const plan =
    prepared.gateReason || contentDenied
      ? undefined
      : budgetPlan({
          orgId: ctx.org.id,
          rules: prepared.budgetRules,
          subjectAgentId: prepared.subjectAgentId,
          runId: request.runId ? runIdOf(ctx.org.id, prepared.delegation?.rootAgentId ?? prepared.agent.id, request.runId) : undefined,
          spend: request.spend,
          settings: prepared.spend,
          at: new Date(now ?? Date.now()),
        });
  // A standing grant that would cover the call, as execute would claim it (claim-grant.ts), none taken.
  const query = grantQuery({
    orgId: ctx.org.id,
    agentId: prepared.agent.id,
    actionType: request.actionType,
    metadata: screened.metadata.value,
    requestMetadata: request.metadata,
    decision: prepared.decision,
    refusedBeforePolicy: Boolean(prepared.gateReason) || contentDenied,
    reportOnly: Boolean(prepared.reportOnly),
    at: new Date(now ?? Date.now()),
  });
  const grant = query ? await peekGrant(query) : null;
  const decision = grant ? { ...prepared.decision, effect: "allow" as const } : prepared.decision;
  const verdict = plan ? await peekBudgets(ctx.org.id, plan) : undefined;
  const budgeted = underBudget(decision, verdict);
  const denialReason = prepared.gateReason ?? (contentDenied ? "CONTENT_DENIED" : undefined) ?? (budgeted.denied ? "BUDGET_EXCEEDED" : undefined);
  const rewritten = findings.some((f) => f.action !== "flagged");
  const { auditEventId: _unused, ...result } = buildActionResult({
    decision: {
      ...(rewritten ? { ...budgeted.decision, conditionsEvaluated: screen(budgeted.decision.conditionsEvaluated, ["conditionsEvaluated"]).value } : budgeted.decision),
      // A refusal of the content rules names no policy (the org default may be what refused), as execute answers.
      ...(denialReason === "CONTENT_DENIED" ? { policy: undefined } : {}),
    },
    auditEventId: "",
    ...(denialReason ? { denialReason } : {}),
    ...(prepared.reportOnly ? { reportOnly: prepared.reportOnly } : {}),
    findings,
    ...(prepared.request.tool ? { tool: prepared.request.tool } : {}),
    ...(verdict?.state ? { budget: verdict.state } : {}),
    ...(grant ? { grant } : {}),
  });
  return { ...result, allowed: result.status === "executed", needsApproval: result.status === "requested", dryRun: true };
}
