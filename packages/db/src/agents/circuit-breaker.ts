import { BREAKER_ACTOR, breakerGate, transitionRecord, tripOnFailures, type BreakerSettings, type BreakerState, type BreakerTransition } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS } from "../infra/client";
import { databaseFallbackLimiter, rateLimiter } from "../infra/rate-limiter";
import { publishAfterCommit } from "../infra/signals";
import { forgetAgent } from "../snapshots/agent-snapshot";

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
    // The log head first (the lock order: a decision's commit may change this agent's row under it).
    await lockAuditLog(tx, ctx.org.id);
    const updated = await tx.agent.updateMany({ where: { id: agentId, orgId: ctx.org.id, circuitState: from }, data: { circuitState: to, circuitOpenedAt } });
    if (updated.count === 0) return false;
    await appendAuditEntry(tx, ctx.org.id, {
      type: entryType,
      actor: { type: "system", id: BREAKER_ACTOR },
      agentId,
      subjectId: agentId,
      data: { from, to, reason },
    });
    return true;
  }, TX_OPTIONS);
  forgetAgent(agentId);
  // The signal is a hint to other instances (their snapshots are time-bounded): the call that moved
  // the breaker does not wait for Redis to take it.
  if (changed) void publishAfterCommit({ type: "agent.changed", orgId: ctx.org.id, agentId });
  // An opened breaker is an `enforcement.triggered` event: live streams read it now, not at their next tick.
  if (changed && entryType === "agent.circuit_opened") void publishAfterCommit({ type: "audit.appended", orgId: ctx.org.id });
}

/** How long the failure count may wait on Redis before it counts in PostgreSQL instead. */
export const BREAKER_REDIS_WAIT_MS = 100;

/**
 * Counts a failure (a denial by policy, or a failure outcome) in the agent's window and answers the count, this
 * one included; undefined when it could not be counted. Observation: never fails the call, and never holds it on
 * Redis. The count goes to Redis when Redis is up and answers within BREAKER_REDIS_WAIT_MS; otherwise (down,
 * frozen, or just found not answering) to the PostgreSQL counter. During an outage the window is thus split
 * between the two counters: the breaker may open a little later than it would have (it is a safety net on top of
 * policy, which still decides every call). A decision's failure is counted before its commit, which writes the
 * opening (ADR 0049).
 */
export async function countFailure(ctx: Ctx, agentId: string, settings: BreakerSettings): Promise<number | undefined> {
  try {
    const keys = [{ key: `${ctx.org.id}:cb:${agentId}`, windowSeconds: settings.windowSeconds }];
    const primary = rateLimiter();
    let count: number | undefined;
    if (primary.backend === "database" || primary.available()) {
      count = (await primary.count(keys, "consume", { timeoutMs: BREAKER_REDIS_WAIT_MS }).catch(() => undefined))?.[0];
    }
    if (count === undefined && primary.backend === "redis") [count] = await databaseFallbackLimiter().count(keys, "consume");
    return count;
  } catch {
    // The breaker is a safety net on top of policy; losing one count must not fail the agent's call.
    return undefined;
  }
}

/** A failure outcome (`report`): counted, and the breaker opened at its threshold in a transaction of its own. Observation. */
export async function recordFailure(ctx: Ctx, agentId: string, settings: BreakerSettings, what: string): Promise<void> {
  const count = await countFailure(ctx, agentId, settings);
  const trip = count === undefined ? null : tripOnFailures(count, settings, what);
  if (trip) await transitionBreaker(ctx, agentId, trip).catch(() => {});
}
