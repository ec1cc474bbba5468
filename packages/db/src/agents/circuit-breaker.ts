import { z } from "zod";
import { db, TX_OPTIONS } from "../client";
import type { Ctx } from "../context";
import { rateLimiter } from "../rate-limiter";
import { publishAfterCommit } from "../signals";
import { forgetAgent } from "../snapshots";
import { appendAuditEntry } from "./append-audit-entries";

/**
 * A per-agent circuit breaker. `failureThreshold` denials or failure outcomes within `windowSeconds`
 * open it: the agent's calls are denied with CIRCUIT_OPEN. After `cooldownSeconds` the next call is a
 * probe (half-open): if it is executed the breaker closes, if it is denied it opens again. A probe
 * that never settles (its process died) is replaced after another cool-down.
 */
export const breakerSettingsSchema = z.strictObject({
  failureThreshold: z.number().int().min(1).max(10_000).default(10),
  windowSeconds: z.number().int().min(1).max(86_400).default(60),
  cooldownSeconds: z.number().int().min(1).max(86_400).default(30),
});
export type BreakerSettings = z.output<typeof breakerSettingsSchema>;

export function breakerSettings(orgSettings: unknown): BreakerSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { circuitBreaker?: unknown }).circuitBreaker : undefined;
  const parsed = breakerSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : breakerSettingsSchema.parse({});
}

export type CircuitState = "closed" | "open" | "half_open";

export interface BreakerAgent {
  id: string;
  circuitState: CircuitState;
  circuitOpenedAt: Date | null;
}

/** Whether a call may be evaluated now; `probe` when this call is the half-open probe. */
export async function passBreaker(agent: BreakerAgent, settings: BreakerSettings, mode: "execute" | "check", now = Date.now()): Promise<{ pass: boolean; probe: boolean }> {
  if (agent.circuitState === "closed") return { pass: true, probe: false };
  const since = agent.circuitOpenedAt?.getTime() ?? 0;
  if (now < since + settings.cooldownSeconds * 1000) return { pass: false, probe: false };
  if (mode === "check") return { pass: true, probe: false };
  const claimed = await db().agent.updateMany({
    where: { id: agent.id, circuitState: agent.circuitState, circuitOpenedAt: agent.circuitOpenedAt },
    data: { circuitState: "half_open", circuitOpenedAt: new Date(now) },
  });
  forgetAgent(agent.id);
  return claimed.count === 1 ? { pass: true, probe: true } : { pass: false, probe: false };
}

async function transition(ctx: Ctx, agentId: string, from: CircuitState, to: CircuitState, reason: string): Promise<void> {
  const changed = await db().$transaction(async (tx) => {
    const updated = await tx.agent.updateMany({
      where: { id: agentId, orgId: ctx.org.id, circuitState: from },
      data: { circuitState: to, circuitOpenedAt: to === "closed" ? null : new Date() },
    });
    if (updated.count === 0) return false;
    await appendAuditEntry(tx, ctx.org.id, {
      type: to === "closed" ? "agent.circuit_closed" : "agent.circuit_opened",
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
    if ((count ?? 0) >= settings.failureThreshold) {
      await transition(ctx, agentId, "closed", "open", `${count} failures or denials in ${settings.windowSeconds}s (last: ${what})`);
    }
  } catch {
    // The breaker is a safety net on top of policy; losing one count must not fail the agent's call.
  }
}

/** The half-open probe settled: executed closes the breaker, anything else opens it again. */
export async function settleProbe(ctx: Ctx, agentId: string, executed: boolean): Promise<void> {
  await transition(ctx, agentId, "half_open", executed ? "closed" : "open", executed ? "probe executed" : "probe denied").catch(() => {});
}
