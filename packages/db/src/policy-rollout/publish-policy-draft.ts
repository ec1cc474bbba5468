import { publishPolicyDraftBodySchema, type PolicySetDiff } from "@gatehouse/contracts";
import { approvalTimeoutSetting, forbidden, newId, policySettings, validationError, zodIssues, type PolicyDocument, type PolicyTestCase } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import type { Prisma } from "../generated/prisma/client";
import { db } from "../infra/client";
import { applyPolicies } from "../policies/apply-policies";
import { readDraftRow } from "../policies/policy-draft-view";
import { membershipOf, staleDraftRevision } from "../policies/save-policy-draft";
import { checkPolicySourceOffLoop } from "../policies/check-policies";
import { openSystemApproval } from "./open-system-approval";

/** The action a publish waiting for a second admin is, on the org's `gatehouse-policies` agent. */
export const PUBLISH_ACTION_TYPE = "gatehouse.policies.publish";

export type PublishOutcome = { status: "published"; diff: PolicySetDiff } | { status: "pending_approval"; approvalId: string };

/** The input applyPolicies takes for a parsed set: its documents and its tests (kept with the set when it goes live). */
export function setInput(set: readonly PolicyDocument[], tests: readonly PolicyTestCase[]): { policies: PolicyDocument[]; tests: PolicyTestCase[] } {
  return { policies: [...set], tests: [...tests] };
}

/**
 * Publishes the org's draft (`POST /v1/admin/policies/draft/publish` `{ revision }`): the draft at
 * that revision (a save since → 409 naming `revision`) is parsed (issues with their source line →
 * 400) and its tests run (a failing test → 400 naming `tests[i]`, with its line). Then either it is
 * applied as PUT /v1/admin/policies applies a set (one version per changed policy, audit entries,
 * the draft deleted) → `published` with the diff; or, with the org setting
 * `policies.requireSecondApproval`, the parsed set is recorded and waits for another owner or admin:
 * an action `gatehouse.policies.publish` of the org's `gatehouse-policies` agent, decided through the
 * approvals like any agent's (the publishing member is its requester, so they cannot approve it)
 * → `pending_approval` with its approval id. The draft stays until the set is live (then it goes,
 * unless saved since), so a denied publish loses no work.
 */
export async function publishPolicyDraft({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<PublishOutcome> {
  requirePermission(ctx, "policies.write");
  const body = publishPolicyDraftBodySchema.safeParse(input);
  if (!body.success) throw validationError(zodIssues(body.error));
  const { revision } = body.data;
  const draft = await readDraftRow(ctx.org.id);
  if (!draft || draft.revision !== revision) throw await staleDraftRevision(ctx.org.id, revision);

  // Parsed and tested on the work pool, in the org's turn.
  const parsed = await checkPolicySourceOffLoop(ctx.org.id, { source: draft.source, format: draft.format }, ["documents", "contentHashes", "tests"]);
  if (parsed.failed.length > 0) throw validationError(parsed.failed);
  const set = setInput(parsed.documents, parsed.tests);

  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  if (!policySettings(org.settings).requireSecondApproval) {
    const diff = await applyPolicies({ ctx, input: set, checked: parsed });
    // Published: the draft goes, unless someone saved a newer one meanwhile (theirs stays).
    await db().$executeRaw`DELETE FROM policy_drafts WHERE org_id = ${ctx.org.id} AND revision = ${revision}`;
    return { status: "published", diff };
  }
  return requestPublish(ctx, set, revision, approvalTimeoutSetting(org.settings));
}

async function requestPublish(ctx: Ctx, set: { policies: PolicyDocument[]; tests?: PolicyTestCase[] }, draftRevision: number, timeoutSeconds: number): Promise<PublishOutcome> {
  const requester = membershipOf(ctx);
  if (!requester) throw forbidden("publishing under the two-admin rule needs a member: sign in to the console or use an org admin key");
  // A retried publish (a lost answer) of the same set by the same member answers the approval it opened.
  const [open] = await db().$queryRaw<Array<{ approval_id: string }>>`
    SELECT r.approval_id FROM policy_publish_requests r JOIN approvals a ON a.id = r.approval_id
    WHERE r.org_id = ${ctx.org.id} AND r.requested_by = ${requester} AND r.applied_at IS NULL AND a.status = 'pending'
      AND r.set = ${JSON.stringify(set)}::jsonb
    LIMIT 1`;
  if (open) return { status: "pending_approval", approvalId: open.approval_id };
  // What it would change, for the approvers (and a check that the set applies).
  const diff = await applyPolicies({ ctx, input: set, dryRun: true });
  const requestId = newId("policyPublishRequest");
  // Bound to its approval before the approval exists: only that approval can apply it.
  const approvalId = newId("approval");
  await db().policyPublishRequest.create({
    data: { id: requestId, orgId: ctx.org.id, set: set as unknown as Prisma.InputJsonObject, requestedBy: requester, approvalId, draftRevision },
  });
  const metadata = {
    publishRequestId: requestId,
    draftRevision,
    requestedBy: requester,
    created: diff.created.map((c) => c.name),
    updated: diff.updated.map((c) => c.name),
    archived: diff.archived.map((c) => c.name),
    unchanged: diff.unchanged.length,
    policies: set.policies.length,
    tests: set.tests?.length ?? 0,
  };
  await openSystemApproval(ctx, { actionType: PUBLISH_ACTION_TYPE, metadata, requester, approvalId, timeoutSeconds });
  return { status: "pending_approval", approvalId };
}
