import type { PolicySourceFormat } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { formatPolicySetOffLoop } from "./check-policies";
import { listActivePolicyVersions } from "./list-active-policy-versions";
import { getPolicyTests } from "./get-policy-tests";

/** The draft as the editor gets it (`PolicyDraft` in the contracts). */
export interface PolicyDraftView {
  source: string;
  format: PolicySourceFormat;
  /** 0: no draft is stored (the source is the active set). */
  revision: number;
  updatedAt: string | null;
  updatedBy: { id: string; email: string } | null;
}

interface DraftRow {
  source: string;
  format: string;
  revision: number;
  updated_at: Date;
  updated_by: string | null;
  email: string | null;
}

export const DRAFT_SELECT = `
  SELECT d.source, d.format, d.revision, d.updated_at, d.updated_by, u.email
  FROM policy_drafts d LEFT JOIN memberships m ON m.id = d.updated_by LEFT JOIN users u ON u.id = m.user_id
  WHERE d.org_id = $1`;

export function draftView(row: DraftRow): PolicyDraftView {
  return {
    source: row.source,
    format: row.format === "json" ? "json" : "yaml",
    revision: row.revision,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by && row.email ? { id: row.updated_by, email: row.email } : null,
  };
}

/** The stored draft (read on the pool directly: a source of up to 1 MB costs Prisma's result mapping tens of milliseconds of the event loop). */
export async function readDraftRow(orgId: string): Promise<PolicyDraftView | null> {
  const [row] = (await db().pool.query<DraftRow>(DRAFT_SELECT, [orgId])).rows;
  return row ? draftView(row) : null;
}

/** With no draft stored, the editor starts from the active set and its tests, as YAML, at revision 0. */
export async function activeSetAsDraft(ctx: Ctx): Promise<PolicyDraftView> {
  const [versions, tests] = await Promise.all([listActivePolicyVersions(ctx.org.id), getPolicyTests(ctx.org.id)]);
  return {
    source: await formatPolicySetOffLoop(ctx.org.id, { set: { policies: versions.map((v) => v.document as object), tests }, format: "yaml" }),
    format: "yaml",
    revision: 0,
    updatedAt: null,
    updatedBy: null,
  };
}
