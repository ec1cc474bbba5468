import { breakerGate, type BreakerSettings, type BreakerState } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { databaseFallbackLimiter, rateLimiter } from "../infra/rate-limiter";
import { forgetAgent } from "../snapshots/agent-snapshot";

/**
 * The per-agent circuit breaker's I/O: claiming the half-open probe and counting failures (its moves and their
 * entries are written in the commit of the decision or outcome that makes them, ADR 0049). When it opens, half-opens and closes is decided by the pure
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

/** How long the failure count may wait on Redis before it counts in PostgreSQL instead. */
export const BREAKER_REDIS_WAIT_MS = 100;

/**
 * Counts a failure (a denial by policy, or a failure outcome) in the agent's window and answers the count, this
 * one included; undefined when it could not be counted. Observation: never fails the call, and never holds it on
 * Redis. The count goes to Redis when Redis is up and answers within BREAKER_REDIS_WAIT_MS; otherwise (down,
 * frozen, or just found not answering) to the PostgreSQL counter. During an outage the window is thus split
 * between the two counters: the breaker may open a little later than it would have (it is a safety net on top of
 * policy, which still decides every call). A decision's failure, and a failure outcome, is counted before its commit,
 * which writes the opening (ADR 0049). `member`: a retry of the same failure (a report of the same action) counts once.
 */
export async function countFailure(ctx: Ctx, agentId: string, settings: BreakerSettings, member?: string): Promise<number | undefined> {
  try {
    const keys = [{ key: `${ctx.org.id}:cb:${agentId}`, windowSeconds: settings.windowSeconds }];
    const primary = rateLimiter();
    let count: number | undefined;
    if (primary.backend === "database" || primary.available()) {
      count = (await primary.count(keys, "consume", { timeoutMs: BREAKER_REDIS_WAIT_MS, ...(member ? { member } : {}) }).catch(() => undefined))?.[0];
    }
    if (count === undefined && primary.backend === "redis") [count] = await databaseFallbackLimiter().count(keys, "consume", member ? { member } : {});
    return count;
  } catch {
    // The breaker is a safety net on top of policy; losing one count must not fail the agent's call.
    return undefined;
  }
}
