import { db } from "../infra/client";

/**
 * A checkpoint's note as served: the log's signed note with the witnesses' cosignature lines after
 * its own signature (docs/audit.md, Witnesses), in a stable order. `alias` is the checkpoints row.
 * Readers that do not know the witnesses ignore the extra lines (signed-note: unknown keys).
 */
export function cosignedNoteSql(alias: string): string {
  return `${alias}.note || COALESCE((SELECT string_agg(w.line, '' ORDER BY w.witness_key) FROM checkpoint_cosignatures w WHERE w.org_id = ${alias}.org_id AND w.tree_size = ${alias}.tree_size), '')`;
}

/** The served note of the org's checkpoint of `treeSize` (with the cosignatures it has gathered so far), or null. */
export async function cosignedNoteAt(orgId: string, treeSize: number): Promise<string | null> {
  const { rows } = await db().pool.query<{ note: string }>(`SELECT ${cosignedNoteSql("c")} AS note FROM checkpoints c WHERE c.org_id = $1 AND c.tree_size = $2`, [
    orgId,
    String(treeSize),
  ]);
  return rows[0]?.note ?? null;
}
