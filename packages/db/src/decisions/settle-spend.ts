import type { Tx } from "../infra/client";

/** The org's log-head row lock (the group commit's, every audit append's): taken first by what also touches budget counters or runs. */
export async function lockLogHead(tx: Tx, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM audit_log_heads WHERE org_id = ${orgId} FOR UPDATE`;
}
