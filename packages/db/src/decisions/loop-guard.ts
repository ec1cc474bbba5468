import { createHmac } from "node:crypto";
import { canonicalize, loopReason, loopSettings, type ActionRequest, type JsonValue, type LoopFinding, type LoopLimit, type LoopSettings } from "@gatehouse/core";
import { systemCtx, type Ctx } from "../actors/context";
import { setAgentStatus } from "../agents/set-agent-status";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { orgSubkey } from "../infra/org-vault";
import { db, TX_OPTIONS } from "../infra/client";
import type { Sequence } from "../infra/rate-limiter";
import { publishAfterCommit } from "../infra/signals";
import { perSnapshot } from "../snapshots/settings-snapshot";

/**
 * Loop detection's I/O (the rule is core's limits/loops.ts; docs/loops.md). A call's fingerprint is a
 * keyed hash (HMAC with the org's own subkey) of its action and arguments as sent, so the counter
 * holds nothing that fingerprints a value outside the org, nor a digest of a secret the content rules
 * redact. Its repeats and its alternations with the agent's previous call are counted in the same
 * round trip as the decision's rate conditions.
 */
export const LOOP_ACTOR = { type: "system", id: "loop-detector" } as const;

const keys = new Map<string, Promise<Buffer>>();

/** The org's fingerprint key, derived once per process. */
export function loopKey(orgId: string): Promise<Buffer> {
  let key = keys.get(orgId);
  if (!key) {
    key = orgSubkey(orgId, "loop-fingerprint");
    key.catch(() => keys.delete(orgId));
    keys.set(orgId, key);
  }
  return key;
}

/** 128 bits of the keyed hash of what makes two calls "the same call". */
export function loopFingerprint(key: Buffer, request: ActionRequest): string {
  const { actionType, metadata, dataAccessed, tool } = request;
  const text = canonicalize({ actionType, metadata, dataAccessed, ...(tool ? { tool } : {}) } as unknown as JsonValue);
  return createHmac("sha256", key).update(text, "utf8").digest("hex").slice(0, 32);
}

/** What the rate counter counts for a call held to `limit`: its repeats (a ref) and its alternations (the sequence). */
export function loopCounting(orgId: string, agentId: string, limit: LoopLimit, fingerprint: string): { ref: { key: string; windowSeconds: number }; sequence: Sequence } {
  return {
    ref: { key: `${orgId}:loop:${limit.windowSeconds}:${agentId}:${fingerprint}`, windowSeconds: limit.windowSeconds },
    sequence: {
      lastKey: `${orgId}:loop-last:${agentId}`,
      pairPrefix: `${orgId}:loop-pair:${agentId}:`,
      value: fingerprint,
      windowSeconds: limit.windowSeconds,
    },
  };
}

/** `loops` of a settings snapshot object: parsed once per snapshot. */
export const loopSettingsOf: (settings: unknown) => LoopSettings = perSnapshot(loopSettings);

/**
 * The call that first went over its loop limit (it was refused): an `agent.loop_detected` entry (a
 * `loop.detected` event), appended after the decision's commit, and with the org's `loops.haltAgent` the
 * agent halted by the system (an `enforcement.triggered`). The refusal already stands; this never fails the call.
 */
export async function recordLoop(ctx: Ctx, agent: { id: string; name: string }, actionType: string, finding: LoopFinding, halt: boolean): Promise<void> {
  try {
    await db().$transaction(
      (tx) =>
        appendAuditEntry(tx, ctx.org.id, {
          type: "agent.loop_detected",
          actor: LOOP_ACTOR,
          agentId: agent.id,
          subjectId: agent.id,
          data: {
            agentName: agent.name,
            kind: finding.kind,
            actionType,
            count: finding.count,
            maxRepeats: finding.limit.maxRepeats,
            windowSeconds: finding.limit.windowSeconds,
            source: finding.limit.source,
            halted: halt,
          },
        }),
      TX_OPTIONS,
    );
    await publishAfterCommit({ type: "audit.appended", orgId: ctx.org.id });
    if (halt) {
      const system = systemCtx(ctx.org, LOOP_ACTOR.id, ctx.requestId);
      await setAgentStatus({ ctx: system, input: { agentId: agent.id, status: "halted", body: { reason: loopReason(finding, actionType) } } });
    }
  } catch {
    // Observation: the call is refused whatever happens here; a lost entry must not fail it.
  }
}
