import { buildActionResult, parseActionRequest } from "@gatehouse/core";
import type { CheckResult } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { prepareDecision } from "./prepare-decision";

/**
 * canI: the same decision as execute, without recording anything or consuming rate limits, plus
 * `allowed` (it would execute at once) and `needsApproval` (it would wait for a person).
 */
export async function checkAction({ ctx, input, now }: { ctx: Ctx; input: unknown; now?: number }): Promise<CheckResult> {
  requireAgent(ctx); // permission before parsing
  const prepared = await prepareDecision(ctx, parseActionRequest(input), "check", now);
  const { auditEventId: _unused, ...result } = buildActionResult({
    decision: prepared.decision,
    auditEventId: "",
    ...(prepared.gateReason ? { denialReason: prepared.gateReason } : {}),
    ...(prepared.reportOnly ? { reportOnly: prepared.reportOnly } : {}),
  });
  return { ...result, allowed: result.status === "executed", needsApproval: result.status === "requested", dryRun: true };
}
