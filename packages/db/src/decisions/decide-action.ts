import {
  actionRequestHash,
  countsAsFailure,
  isUnevaluatedRequestHash,
  unevaluatedRequestHash,
  conflict,
  newId,
  parseActionRequest,
  planDecision,
  requesterOf,
  type ActionResult,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import { approvalPageUrl } from "../approvals/approval-page-url";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { countFailure } from "../agents/circuit-breaker";
import { announceAgentChanges } from "../agents/halt-by-system";
import { noteCalls } from "../posture/note-calls";
import { noteIntegration } from "../agents/note-integration";
import { recordDecisionLatency } from "../health/decision-latency";
import { grantCandidates } from "./claim-grant";
import { commitDecision, type CommitFacts, type Materialized } from "./group-commit";
import { evaluateCall } from "./evaluate-call";
import { atStepAsync } from "./evaluation-steps";
import { RecentAnswers } from "./recent-answers";

/** Answers to recent calls by (agent, eventId), so a retry to this process needs no database read. */
const recent = new RecentAnswers<{ requestHash: string; result: ActionResult }>({ capacity: 20_000, maxAgeMs: 60_000 });

function remember(agentId: string, eventId: string, requestHash: string, result: ActionResult): void {
  recent.set(`${agentId}\u0000${eventId}`, { requestHash, result });
}

/**
 * `execute`: decides an agent's request and records it. The action row, its audit entry and (for
 * require_approval) its approval are committed together by the org's group commit (group-commit.ts);
 * nothing is answered before that commit. A repeated eventId answers the original result without a
 * new entry; the same eventId with a different request is a conflict. Content PostgreSQL cannot
 * store (a NUL, an unpaired surrogate) is refused by the parse (core's safe-text checks), before it
 * counts against a rate or joins a group commit (which checks again).
 */
export async function decideAction(args: { ctx: Ctx; input: unknown; now?: number }): Promise<ActionResult> {
  const began = performance.now();
  const { result, fresh } = await decide(args);
  // How long a new decision took to answer, for the governance health (health/decision-latency.ts): a refusal, or
  // a repeated eventId answered from what was recorded, is not one.
  if (fresh) recordDecisionLatency(args.ctx.org.id, performance.now() - began);
  return result;
}

async function decide({ ctx, input, now }: { ctx: Ctx; input: unknown; now?: number }): Promise<{ result: ActionResult; fresh: boolean }> {
  const actor = requireAgent(ctx);
  const parsed = parseActionRequest(input);
  if (parsed.eventId) {
    const seen = recent.get(`${actor.agentId}\u0000${parsed.eventId}`);
    if (seen) {
      if (!isUnevaluatedRequestHash(seen.requestHash) && seen.requestHash !== actionRequestHash(actor.agentId, parsed)) {
        throw conflict(`eventId '${parsed.eventId}' was already used for a different request`, { eventId: parsed.eventId });
      }
      return { result: seen.result, fresh: false };
    }
  }
  // Secrets and personal data are screened before anything is written (docs/content.md): what the
  // content rules redact or refuse is replaced by its placeholder in the action, its entry, its
  // result and the conditions' values; the request hash (idempotency, the approval's binding) is of
  // the call as written, so no digest of a redacted value is kept either. canI reads the same.
  // The standing grants that may cover a call the policies hold for a person: the batch uses the first
  // still valid under the org's lock, and takes a use only when it records the call undenied (canI only peeks).
  const {
    prepared,
    read,
    looked: grantsToTry,
  } = await evaluateCall(
    ctx,
    parsed,
    "execute",
    now,
    ({ grantQuery }) => (grantQuery ? atStepAsync("grants", () => grantCandidates(grantQuery)) : Promise.resolve(undefined)),
    undefined,
  );
  const { request, sent, agent } = prepared;
  const { inputs, budget, run, at } = read;
  // The hash of the call as written. The screen hands back what it changed nothing in as it is, so a call no policy
  // rewrote and the screen left alone is written as sent: its hash is the one the recent answers keep, made once.
  const sentHash = request.eventId ? actionRequestHash(agent.id, sent) : undefined;
  const asSent = request === sent && inputs.written.metadata === sent.metadata && inputs.written.dataAccessed === sent.dataAccessed;
  const requestHash = inputs.failure
    ? unevaluatedRequestHash(agent.id, request)
    : asSent && sentHash !== undefined
      ? sentHash
      : actionRequestHash(agent.id, { ...request, ...inputs.written });
  // Who asked, as the call named them (never the screened value): separation of duties reads it.
  const requesterRef = requesterOf(sent.metadata);
  // A call that will count as the agent's failure is counted now, so the breaker's opening it may cause is written
  // in its commit (ADR 0049); the count stays in the rate counter.
  const failures = countsAsFailure(inputs, prepared.probe) ? await countFailure(ctx, agent.id, prepared.breaker) : undefined;
  // The plan is made under the org's lock, from the agents' status and the budgets' counters as committed.
  const materialize = (facts: CommitFacts): Materialized =>
    planDecision(
      {
        ...inputs,
        grant: facts.grant ?? null,
        haltedAtCommit: facts.halted,
        pendingAtCommit: facts.pendingApprovals,
        breaker: { probe: prepared.probe, failures, settings: prepared.breaker },
        breakerAtCommit: facts.circuitState,
        budget: budget ? { plan: budget, verdict: facts.budget, at } : undefined,
      },
      {
        actor: actorRef(actor),
        actionId: newId("action"),
        approvalId: newId("approval"),
        requestHash,
        requesterRef,
        now: facts.at,
        approvalUrl: (id) => approvalPageUrl(ctx.org.slug, id),
      },
    ).rows;

  const { result, fresh, halt, breaker } = await commitDecision({
    orgId: ctx.org.id,
    agentId: agent.id,
    gateAgentIds: prepared.gateAgentIds,
    eventId: request.eventId,
    requestHash,
    ...(run ? { run } : {}),
    ...(budget ? { budget: { scopes: budget.scopes, cost: budget.cost } } : {}),
    ...(grantsToTry ? { grant: { candidates: grantsToTry, at } } : {}),
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    // The call that first went over its loop limit records the loop, and halts the agent when the org says so, in its commit.
    ...(prepared.loop?.first && prepared.loop.haltAgent ? { mayHalt: true } : {}),
    materialize,
  });
  // The recent answers are checked against the call as sent (in memory only, before any screen). A
  // `requested` answer is not kept: its approval may be decided at any moment, and a call asking again
  // (a retried step, a restarted adapter re-attaching) must read where it stands now.
  if (request.eventId && sentHash !== undefined && result.status !== "requested") remember(agent.id, request.eventId, inputs.failure ? requestHash : sentHash, result);
  if (request.tool) noteIntegration(ctx, true);
  if (!fresh) return { result, fresh };
  noteCalls(ctx, { spend: request.spend !== undefined, tool: request.tool !== undefined });
  // A halt or a breaker's move made in the commit: every instance forgets the agent's cached copy, and the cancelled approvals' waiters wake.
  await announceAgentChanges(ctx.org.id, agent.id, { halt, breaker });
  return { result, fresh };
}
