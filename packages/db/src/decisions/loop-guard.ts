import { createHmac } from "node:crypto";
import { canonicalize, loopSettings, type ActionRequest, type JsonValue, type LoopLimit, type LoopSettings } from "@gatehouse/core";
import { orgSubkey } from "../infra/org-vault";
import type { Sequence } from "../infra/rate-limiter";
import { perSnapshot } from "../snapshots/settings-snapshot";

/**
 * Loop detection's I/O (the rule is core's limits/loops.ts; docs/loops.md). A call's fingerprint is a
 * keyed hash (HMAC with the org's own subkey) of its action and arguments as sent, so the counter
 * holds nothing that fingerprints a value outside the org, nor a digest of a secret the content rules
 * redact. Its repeats and its alternations with the agent's previous call are counted in the same
 * round trip as the decision's rate conditions. The loop's entry, and the halt the org may ask for, follow the
 * refused decision's entry in its commit (core's planDecision; ADR 0049).
 */
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
