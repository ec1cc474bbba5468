import type { Ctx } from "../actors/context";
import { checkpointAuditLog, type CheckpointView } from "./checkpoint-audit-log";

/** `GET /v1/audit/checkpoint`: a checkpoint covering every entry committed before the call. */
export async function getCheckpoint({ ctx }: { ctx: Ctx }): Promise<CheckpointView> {
  return checkpointAuditLog(ctx.org.id);
}
