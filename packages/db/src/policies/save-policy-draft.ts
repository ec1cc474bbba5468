import { savePolicyDraftBodySchema } from "@gatehouse/contracts";
import { conflict, MAX_POLICY_SOURCE_BYTES, validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { checkPolicySourceLimitsOffLoop } from "./check-policies";
import { readDraftRow, type PolicyDraftView } from "./policy-draft-view";

/** The membership behind a member's actor (signed in, or an admin key); null for the system. */
export function membershipOf(ctx: Ctx): string | null {
  return ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null;
}

/**
 * Saves the org's draft (`PUT /v1/admin/policies/draft`): stored as written (a draft may be invalid;
 * publishing parses it), at most 1 MB. `revision` is the revision the edit started from (0: none
 * stored): a save since by anyone else is a 409 naming `revision`, so no edit is lost unseen.
 */
export async function savePolicyDraft({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<PolicyDraftView> {
  requirePermission(ctx, "policies.write");
  const parsed = savePolicyDraftBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { source, format, revision } = parsed.data;
  if (Buffer.byteLength(source, "utf8") > MAX_POLICY_SOURCE_BYTES) throw validationError([{ path: "source", message: `must be at most ${MAX_POLICY_SOURCE_BYTES} bytes` }]);
  // Stored as written, but within the source limits (depth, values, keys, strings, anchors): counted, not parsed, on the work pool.
  await checkPolicySourceLimitsOffLoop(ctx.org.id, { source, format });
  const by = membershipOf(ctx);
  // On the pool directly: a source of up to 1 MB as a Prisma parameter costs its query mapping tens of milliseconds of the event loop.
  const { rowCount: saved } =
    revision === 0
      ? await db().pool.query(
          `INSERT INTO policy_drafts (org_id, source, format, revision, updated_by, updated_at)
           VALUES ($1, $2, $3, 1, $4, clock_timestamp())
           ON CONFLICT (org_id) DO NOTHING`,
          [ctx.org.id, source, format, by],
        )
      : await db().pool.query(
          `UPDATE policy_drafts SET source = $2, format = $3, revision = revision + 1, updated_by = $4, updated_at = clock_timestamp()
           WHERE org_id = $1 AND revision = $5`,
          [ctx.org.id, source, format, by, revision],
        );
  if (saved === 0) throw await staleDraftRevision(ctx.org.id, revision);
  const view = await readDraftRow(ctx.org.id);
  if (!view) throw await staleDraftRevision(ctx.org.id, revision);
  return view;
}

/** 409 naming `revision`, with the revision stored now (0: none, it was published or discarded). */
export async function staleDraftRevision(orgId: string, revision: number) {
  const current = (await readDraftRow(orgId))?.revision ?? 0;
  return conflict(
    `the draft changed since revision ${revision} (it is at revision ${current}${current === 0 ? ": published or discarded" : ""}); reload it and apply your edit again`,
    {
      issues: [{ path: "revision", message: `is stale: the draft is at revision ${current}` }],
      revision: current,
    },
  );
}
