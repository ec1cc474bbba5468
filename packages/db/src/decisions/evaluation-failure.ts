import {
  approvalOptionsSchema,
  approvalTimeoutSetting,
  breakerSettings,
  policySettings,
  screenCall,
  spendSettings,
  untaggedScreen,
  type ActionRequest,
  type Decision,
  type EvaluationFailure,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { ancestorsOf } from "../actors/delegation-chain";
import { contentActionsFor } from "../content/content-screen";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import { agentSnapshot } from "../snapshots/agent-snapshot";
import type { ReadInputs } from "./decision-inputs";
import { NO_DECISION, type Prepared } from "./prepare-decision";
import type { EvaluationFailed } from "./evaluation-steps";

/**
 * What a call that could not be evaluated is decided from: nothing the failed evaluation found. The org's
 * failure policy is the decision (`deny` refuses it, EVALUATION_FAILED; `require_approval` holds it for a
 * person, by the approval defaults); nothing of its content is written (its metadata, data access, run and
 * conditions are not recorded, as for CONTENT_LIMIT); its identifiers are screened by the built-in detectors
 * under the org's content defaults (the org's own detectors may be what failed), refused with a 400 when
 * they hold anything, as always. A halted agent is refused for its halt, whatever the failure policy. The error itself goes to the server's log by its name and step only.
 */
export async function failedEvaluation(ctx: Ctx, request: ActionRequest, failure: EvaluationFailed, now: number | undefined): Promise<{ prepared: Prepared; read: ReadInputs }> {
  const actor = requireAgent(ctx);
  const cause = failure.cause instanceof Error ? failure.cause.name : typeof failure.cause;
  console.error(`[decisions] org ${ctx.org.id}: a decision could not be evaluated at its ${failure.step} step (${cause}); the org's failure policy decides it`);
  // The settings are a snapshot in memory; a settings read that fails leaves the defaults (deny).
  const settings = await orgSettingsSnapshot(ctx.org.id).catch(() => undefined);
  const failurePolicy = policySettings(settings).failurePolicy;
  const content = contentActionsFor(settings, []);
  const call = screenCall(untaggedScreen(content), request, content, { withoutContent: true });
  const chain = actor.delegation;
  const delegation = chain
    ? { rootAgentId: chain.rootAgentId, rootAgentName: chain.rootAgentName, depth: chain.depth, chain: [chain.rootAgentName, ...chain.links.map((l) => l.agentName)] }
    : undefined;
  // A halted agent (or one under a halted ancestor) stops whatever failed: the halt is read as every decision reads it.
  const gateAgentIds = chain ? ancestorsOf(chain) : [];
  const halted = await Promise.all([actor.agentId, ...gateAgentIds].map((id) => agentSnapshot(ctx.org.id, id)))
    .then((rows) => rows.some((row) => row?.status === "halted"))
    .catch(() => false);
  const decision: Decision =
    failurePolicy === "require_approval" && !halted
      ? { effect: "require_approval", mode: "enforce", approval: approvalOptionsSchema.parse({}), conditionsEvaluated: [], monitored: [] }
      : NO_DECISION;
  const gateReason = halted ? ("AGENT_HALTED" as const) : failurePolicy === "deny" ? ("EVALUATION_FAILED" as const) : undefined;
  const evaluation: EvaluationFailure = { step: failure.step, failurePolicy };
  const agent = { id: actor.agentId, name: actor.agentName, labels: {}, circuitState: "closed" as const };
  const approvalTimeoutSeconds = approvalTimeoutSetting(settings);
  const prepared: Prepared = {
    request,
    sent: request,
    agent,
    ...(delegation ? { delegation } : {}),
    gateAgentIds,
    decision,
    ...(gateReason ? { gateReason } : {}),
    tampered: [],
    probe: false,
    breaker: breakerSettings(settings),
    approvalTimeoutSeconds,
    content,
    promptContent: undefined,
    budgetRules: [],
    spend: spendSettings(settings),
    subjectAgentId: delegation?.rootAgentId ?? agent.id,
  };
  const read: ReadInputs = {
    inputs: {
      request,
      rewritten: undefined,
      written: { metadata: {}, dataAccessed: [] },
      agent: { id: agent.id, name: agent.name },
      delegation,
      decision,
      gateReason,
      tampered: [],
      reportOnly: undefined,
      screen: { findings: call.findings, denied: call.denied, limited: undefined, conditionsEvaluated: [], content: undefined },
      approvalTimeoutSeconds,
      run: undefined,
      failure: evaluation,
      loop: undefined,
    },
    grantQuery: null,
    budget: undefined,
    run: undefined,
    at: new Date(now ?? Date.now()),
  };
  return { prepared, read };
}
