import type { PolicySummary } from "@gatehouse/contracts";
import type { PolicyDocument } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { listActivePolicyVersions } from "./list-active-policy-versions";
import { requirePolicyReader } from "./read-policies-access";
import { PUBLISHER_JOINS, PUBLISHER_LABEL } from "./publisher-label";

const DAY = 86_400_000;

/** An active policy's document with its summary: the list GET /v1/admin/policies answers and the console shows. */
export type PolicySummaryWithDocument = PolicySummary & { document: PolicyDocument };

/**
 * The org's active policies, by name, each with what the console's list shows: its effect, patterns
 * and mode, its current version, when and by whom that version was published (the actor of its
 * `policy.version_published` audit entry, as apply-policies writes it), and how many decisions it
 * decided over the last 7 UTC days (policy_rollups). Three reads, run concurrently.
 */
export async function listPolicySummaries({ ctx, now = Date.now() }: { ctx: Ctx; now?: number }): Promise<PolicySummaryWithDocument[]> {
  requirePolicyReader(ctx);
  const orgId = ctx.org.id;
  const today = Math.floor(now / DAY) * DAY;
  const versions = await listActivePolicyVersions(orgId);
  if (versions.length === 0) return [];
  const pool = db().pool;
  const [published, counted] = await Promise.all([
    pool.query<{ subject_id: string; label: string }>(
      `SELECT ae.subject_id, ${PUBLISHER_LABEL} AS label FROM audit_entries ae${PUBLISHER_JOINS}
       WHERE ae.org_id = $1 AND ae.type = 'policy.version_published' AND ae.subject_id = ANY($2::text[])`,
      [orgId, versions.map((v) => v.id)],
    ),
    pool.query<{ policy_name: string; decided: string }>(
      `SELECT policy_name, SUM(decided) AS decided FROM policy_rollups WHERE org_id = $1 AND bucket >= $2 AND bucket <= $3 GROUP BY policy_name`,
      [orgId, new Date(today - 6 * DAY).toISOString(), new Date(today).toISOString()],
    ),
  ]);
  const publisher = new Map(published.rows.map((r) => [r.subject_id, r.label]));
  const decided = new Map(counted.rows.map((r) => [r.policy_name, Number(r.decided)]));
  return versions.map((v) => {
    const document = v.document as unknown as PolicyDocument;
    return {
      name: v.name,
      effect: document.effect,
      actions: document.actions,
      agents: document.agents,
      mode: document.mode,
      version: v.version,
      versionId: v.id,
      contentHash: v.contentHash,
      updatedAt: v.createdAt.toISOString(),
      updatedBy: publisher.get(v.id) ?? null,
      decisions7d: decided.get(v.name) ?? 0,
      document,
    };
  });
}
