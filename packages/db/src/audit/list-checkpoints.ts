import { checkpointListQuerySchema } from "@gatehouse/contracts";
import { validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { checkpointView, type CheckpointView } from "./checkpoint-audit-log";
import { cosignedNoteSql } from "./cosigned-note";

/** The org's signed checkpoints, largest tree first; the cursor is the tree size to continue below. */
export async function listCheckpoints({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<{ checkpoints: CheckpointView[]; nextCursor: string | null }> {
  const parsed = checkpointListQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { cursor, limit } = parsed.data;
  const { rows } = await db().pool.query(
    `SELECT c.tree_size, c.root_hash, ${cosignedNoteSql("c")} AS note, c.signing_key_id, c.created_at FROM checkpoints c
     WHERE c.org_id = $1 AND c.tree_size < $2 ORDER BY c.tree_size DESC LIMIT $3`,
    [ctx.org.id, cursor ?? String(Number.MAX_SAFE_INTEGER), limit + 1],
  );
  const page = rows.slice(0, limit).map(checkpointView);
  return { checkpoints: page, nextCursor: rows.length > limit ? String(page[page.length - 1]?.treeSize) : null };
}
