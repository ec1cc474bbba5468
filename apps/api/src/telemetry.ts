import { isDenialReason, modelMetricLabel, type ActionResult } from "@gatehouse/core";
import { endSpan, meters, parentOf, recordDecisionError, recordDecisionMetric, recordSpendMetric, startSpan, traceparentOf, tracing, type Ctx } from "@gatehouse/db";
import { trace, type Attributes } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import { ctxOf } from "./auth";
import { toErrorResponse } from "./errors";

/** What a decision call names that a span may carry: identifiers, never metadata, data or arguments. */
interface DecisionCall {
  actionType?: unknown;
  runId?: unknown;
  tool?: { name?: unknown } | undefined;
  spend?: { model?: unknown } | undefined;
}

const EFFECT: Record<ActionResult["status"], string> = { executed: "allow", denied: "deny", requested: "require_approval" };

/** Who asks, known when the call arrives (the key's agent and org). */
function agentAttributes(ctx: Ctx, kind: "execute" | "check"): Attributes {
  const { actor } = ctx;
  return {
    "gatehouse.org.id": ctx.org.id,
    "gatehouse.decision.kind": kind,
    ...(actor.type === "agent" ? { "gen_ai.agent.id": actor.agentId, "gen_ai.agent.name": actor.agentName } : {}),
  };
}

/** The call's identifiers, in the GenAI conventions' names where they have one (docs/telemetry.md, Traces): added once the decision accepted them. */
function callAttributes(body: DecisionCall): Attributes {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const attributes: Attributes = {};
  const actionType = text(body.actionType);
  if (actionType) attributes["gatehouse.action.type"] = actionType;
  const tool = text(body.tool?.name);
  if (tool) attributes["gen_ai.tool.name"] = tool;
  const run = text(body.runId);
  if (run) attributes["gen_ai.conversation.id"] = run;
  const model = text(body.spend?.model);
  if (model) attributes["gen_ai.request.model"] = model;
  return attributes;
}

/** The attributes of the answer: the effect, reason and policy, and where it was recorded. */
function resultAttributes(result: Pick<ActionResult, "status" | "denialReason" | "policyName" | "approvalId"> & { auditEventId?: string }): Attributes {
  return {
    "gatehouse.decision.status": result.status,
    "gatehouse.decision.effect": EFFECT[result.status],
    ...(result.denialReason ? { "gatehouse.decision.reason": result.denialReason } : {}),
    ...(result.policyName ? { "gatehouse.policy.name": result.policyName } : {}),
    ...(result.approvalId ? { "gatehouse.approval.id": result.approvalId } : {}),
    ...(result.auditEventId ? { "gatehouse.audit.event_id": result.auditEventId } : {}),
  };
}

/**
 * Runs a decision (execute or canI) as users' traces see it (docs/telemetry.md): a span `gatehouse.decide` under the
 * request's `traceparent`, with the call's identifiers and the answer's effect, reason and policy, never a metadata
 * value; its kind, effect and reason counted in `gatehouse.decisions` and its time in `gatehouse.decision.duration`
 * (and in the Prometheus metrics, docs/metrics.md: `gatehouse_decisions_total`, `gatehouse_decision_duration_seconds`,
 * and `gatehouse_decision_errors_total` for a call that ends in an error).
 * An approval the decision opens keeps the span's context, so its wait joins the same trace. Observation: with
 * telemetry off, the span is a no-op and only the (no-op) meters are touched.
 */
export async function traceDecision<R extends Pick<ActionResult, "status" | "denialReason" | "policyName" | "approvalId"> & { auditEventId?: string }>(
  request: FastifyRequest,
  kind: "execute" | "check",
  decide: (ctx: Ctx) => Promise<R>,
): Promise<R> {
  const ctx = ctxOf(request);
  const began = performance.now();
  // The call's own identifiers join the span only once the decision accepted them: a value the content rules refuse
  // (a secret as a tool's name, say) is never exported either.
  const span = tracing() ? startSpan("gatehouse.decide", parentOf(request.headers), agentAttributes(ctx, kind)) : null;
  const traced = span ? { ...ctx, traceparent: traceparentOf(trace.setSpan(parentOf({}), span)) ?? undefined } : ctx;
  let result: R;
  try {
    result = await decide(traced as Ctx);
  } catch (error) {
    observe(() => span && endSpan(span, {}, error));
    // By the code the caller is answered with (UNAVAILABLE and INTERNAL are the server's; the others, the call's).
    observe(() => recordDecisionError(kind, toErrorResponse(error, request.id).body.error.code));
    throw error;
  }
  observe(() => {
    const seconds = (performance.now() - began) / 1000;
    recordDecisionMetric(kind, result.status, result.denialReason, seconds);
    const reason = result.denialReason === undefined ? "none" : isDenialReason(result.denialReason) ? result.denialReason : "other";
    meters().decisions.add(1, { "gatehouse.decision.kind": kind, "gatehouse.decision.effect": EFFECT[result.status], "gatehouse.decision.reason": reason });
    meters().decisionDuration.record(seconds, { "gatehouse.decision.kind": kind });
    if (span) endSpan(span, { ...callAttributes((request.body ?? {}) as DecisionCall), ...resultAttributes(result) });
  });
  return result;
}

/** Recording is observation: a throw in it never fails the call it records (the decision is committed by now). */
function observe(record: () => unknown): void {
  try {
    record();
  } catch {
    // Dropped: telemetry fails open.
  }
}

/**
 * Counts an outcome's settled spend in `gatehouse.spend.tokens` and `gatehouse.spend.cost` (and in
 * `gatehouse_spend_tokens_total` and `gatehouse_spend_usd_total`), by model: a model of the built-in price table by the
 * table's name, any other as `other` (modelMetricLabel). The name is the caller's (spend.model on execute, usage.model
 * on the outcome, a wrapped client's model): its spellings, and models an org prices itself, must not multiply the series.
 */
export function recordSpend(spend: { model: string; tokens: number; usd: number | null } | undefined): void {
  if (!spend) return;
  observe(() => {
    const model = modelMetricLabel(spend.model);
    const attributes = { "gen_ai.request.model": model };
    meters().spendTokens.add(spend.tokens, attributes);
    if (spend.usd !== null) meters().spendUsd.add(spend.usd, attributes);
    recordSpendMetric(model, spend.tokens, spend.usd);
  });
}
