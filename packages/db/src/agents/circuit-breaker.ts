import { breakerGate, transitionRecord, tripOnFailures, type BreakerSettings, type BreakerState, type BreakerTransition } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { rateLimiter } from "../infra/rate-limiter";
import { publishAfterCommit } from "../infra/signals";
import { forgetAgent } from "./agent-snapshot";

/**
 * The per-agent circuit breaker's I/O: claiming the half-open probe, counting failures and storing
 * transitions with their audit entries. When it opens, half-opens and closes is decided by the pure
 * rules in core (`breakerGate`, `tripOnFailures`, `probeTransition`, `afterDecision`).
 */
export interface BreakerAgent extends BreakerState {
  id: string;
}

/** Whether a call may be evaluated now; `probe` when this call claimed the half-open probe. */
export async function passBreaker(agent: BreakerAgent, settings: BreakerSettings, mode: "execute" | "check", now = Date.now()): Promise<{ pass: boolean; probe: boolean }> {
  const gate = breakerGate(agent, settings, mode, now);
  if (gate !== "probe") return { pass: gate === "pass", probe: false };
  const claimed = await db().agent.updateMany({
    where: { id: agent.id, circuitState: agent.circuitState, circuitOpenedAt: agent.circuitOpenedAt },
    data: { circuitState: "half_open", circuitOpenedAt: new Date(now) },
  });
  forgetAgent(agent.id);
  return claimed.count === 1 ? { pass: true, probe: true } : { pass: false, probe: false };
}

/** Moves the agent's breaker `from` → `to` (only if it still stands at `from`), audited. */
export async function transitionBreaker(ctx: Ctx, agentId: string, transition: BreakerTransition): Promise<void> {
  const { from, to, reason } = transition;
  const { circuitOpenedAt, entryType } = transitionRecord(transition, new Date());
  const changed = await db().$transaction(async (tx) => {
    const updated = await tx.agent.updateMany({ where: { id: agentId, orgId: ctx.org.id, circuitState: from }, data: { circuitState: to, circuitOpenedAt } });
    if (updated.count === 0) return false;
    await appendAuditEntry(tx, ctx.org.id, {
      type: entryType,
      actor: { type: "system", id: "circuit-breaker" },
      agentId,
      subjectId: agentId,
      data: { from, to, reason },
    });
    return true;
  }, TX_OPTIONS);
  forgetAgent(agentId);
  if (changed) await publishAfterCommit({ type: "agent.changed", orgId: ctx.org.id, agentId });
}

/** A denial or failure outcome: counts toward opening the breaker. Observation: never fails the call. */
export async function recordFailure(ctx: Ctx, agentId: string, settings: BreakerSettings, what: string): Promise<void> {
  try {
    const [count] = await rateLimiter().count([{ key: `${ctx.org.id}:cb:${agentId}`, windowSeconds: settings.windowSeconds }], "consume");
    const trip = tripOnFailures(count ?? 0, settings, what);
    if (trip) await transitionBreaker(ctx, agentId, trip);
  } catch {
    // The breaker is a safety net on top of policy; losing one count must not fail the agent's call.
  }
}
