import type { PolicyVersionList } from "@gatehouse/contracts";
import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { PUBLISHER_JOINS, PUBLISHER_LABEL } from "./publisher-label";

const MAX_VERSIONS = 500;

interface VersionRow {
  id: string;
  version: number;
  content_hash: string;
  document: Record<string, unknown>;
  created_at: Date;
  actor_type: string | null;
  actor_id: string | null;
  label: string | null;
}

/**
 * A policy's versions, newest first (`GET /v1/admin/policies/:name/versions`), each with who
 * published it: the actor of its `policy.version_published` audit entry (subject: the version), with
 * the member's email or the agent's name as its label. Another org's or an unknown name → 404.
 * Readable with any admin key, as the active set is.
 */
export async function listPolicyVersions({ ctx, input }: { ctx: Ctx; input: { name: string } }): Promise<PolicyVersionList> {
  const policy = await db().policy.findFirst({ where: { orgId: ctx.org.id, name: input.name }, select: { id: true, name: true, status: true } });
  if (!policy) throw notFound("policy");
  const rows = await db().$queryRawUnsafe<VersionRow[]>(
    `SELECT pv.id, pv.version, pv.content_hash, pv.document, pv.created_at, ae.actor_type, ae.actor_id, ${PUBLISHER_LABEL} AS label
     FROM policy_versions pv
     LEFT JOIN audit_entries ae ON ae.org_id = pv.org_id AND ae.type = 'policy.version_published' AND ae.subject_id = pv.id${PUBLISHER_JOINS}
     WHERE pv.org_id = $1 AND pv.policy_id = $2
     ORDER BY pv.version DESC
     LIMIT ${MAX_VERSIONS}`,
    ctx.org.id,
    policy.id,
  );
  return {
    name: policy.name,
    status: policy.status,
    versions: rows.map((r) => ({
      version: r.version,
      versionId: r.id,
      contentHash: r.content_hash,
      document: r.document,
      createdAt: r.created_at.toISOString(),
      createdBy: r.actor_type && r.actor_id ? { type: r.actor_type, id: r.actor_id, label: r.label ?? r.actor_id } : null,
    })),
  };
}
