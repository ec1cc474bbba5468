import type { Posture } from "@gatehouse/contracts";
import { scorePosture } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { gatherPostureFacts } from "./gather-posture-facts";

/**
 * The org's posture score now (`GET /v1/posture`, docs/posture.md): any agent key of the org, and
 * members (console, admin keys) with `posture.read` — every role holds it. Computed on each call from
 * the org's own data; nothing is written.
 */
export async function getPosture({ ctx }: { ctx: Ctx }): Promise<Posture> {
  requirePermissionUnlessAgent(ctx, "posture.read");
  // core's result is structurally the contract's Posture: a drift between the two fails to compile here.
  const posture: Posture = scorePosture(await gatherPostureFacts(ctx.org.id));
  return posture;
}
