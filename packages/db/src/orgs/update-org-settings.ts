import { updateSettingsBodySchema } from "@gatehouse/contracts";
import { conflict, guardedChanges, mergeOrgSettings, validationError, weakeningChanges, zodIssues, type Permission, type WeakeningChange } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { settingsOf, type OrgSettings } from "./get-org-settings";
import { forgetOrgSettings } from "../snapshots/settings-snapshot";
import { applySignInChange, type SignInPolicyDeps } from "./sign-in-policy";
import { tellOwnersOfRetention, type RetentionNotice } from "./tell-owners-of-retention";

/** details.reason of the CONFLICT a change gets that weakens enforcement while the two-admin rule is in force. */
export const SECOND_APPROVAL_REQUIRED = "SECOND_APPROVAL_REQUIRED";

/** A change a second admin approved (policy-rollout's settings requests): applied as it was asked. */
export interface ApprovedSettingsChange {
  approvalId: string;
  /** The member who asked for it: the sign-in rules (their own email's domain) are theirs. */
  requester: Ctx;
  /** Runs in the change's transaction (marks the request applied); its throw rolls the change back. */
  within: (tx: Tx) => Promise<void>;
}

/**
 * Changes org settings (merged onto the current ones); audited with before and after. The sign-in
 * policy's rules: applySignInChange. While the two-admin rule (`policies.requireSecondApproval`) is in
 * force, a change that weakens enforcement (core's `weakeningChanges` table) is a 409 with
 * `details.reason` SECOND_APPROVAL_REQUIRED and `details.weakened` (each weakened setting's path,
 * before, after and why), and nothing is written: it is asked for through policy-rollout's
 * `changeOrgSettings`, which opens the approval, and applied here (`approved`) when another owner or
 * admin approves it.
 *
 * A change whose weakening needs a permission beside `settings.write` (core's `guardedChanges`: setting or shortening
 * a retention needs `audit.retention`, an owner's, as erasure needs `audit.erase`) is a 403 for a member without it,
 * before the two-admin rule is asked, and nothing is written; when a second admin approves one, it is the member who
 * asked who must still hold it (else a 409, and nothing is applied). Applied without an approval (the rule off), every other owner is told by email
 * (tell-owners-of-retention.ts), as after an erasure.
 */
export async function updateOrgSettings({
  ctx,
  input,
  deps,
  approved,
}: {
  ctx: Ctx;
  input: unknown;
  deps?: SignInPolicyDeps;
  approved?: ApprovedSettingsChange;
}): Promise<OrgSettings> {
  requirePermission(ctx, "settings.write");
  const parsed = updateSettingsBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { after, notice } = await db().$transaction(async (tx): Promise<{ after: OrgSettings; notice: RetentionNotice | null }> => {
    // Locked: two changes at once cannot both merge onto the same "before" (nor leave org_sso_domains behind the setting).
    await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.org.id} FOR UPDATE`;
    const org = await tx.org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
    const before = settingsOf(org.settings);
    // Each setting the change names merged onto its value (core's registry, ORG_SETTINGS); the sign-in policy through
    // its rules (its domains are claimed in org_sso_domains and checked against the requester's own address).
    const { signIn, ...rest } = parsed.data;
    const after: OrgSettings = {
      ...mergeOrgSettings(before, rest),
      signIn: signIn ? await applySignInChange(tx, approved?.requester ?? ctx, before.signIn, signIn, deps) : before.signIn,
    };
    const guarded = guardedChanges(before, after);
    for (const permission of new Set(guarded.map((change) => change.requires))) {
      if (approved) requireOfAsker(approved.requester, permission);
      else requirePermission(ctx, permission);
    }
    const weakened = weakeningChanges(before, after);
    if (!approved && before.policies.requireSecondApproval && weakened.length > 0) throw secondApprovalRequired(weakened);
    await tx.org.update({ where: { id: ctx.org.id }, data: { settings: { ...(org.settings as object), ...after } } });
    await approved?.within(tx);
    const entry = await appendAuditEntry(tx, ctx.org.id, {
      type: "org.settings_changed",
      actor: actorRef(ctx.actor),
      subjectId: ctx.org.id,
      data: { before, after, ...(approved ? { approvalId: approved.approvalId } : {}) },
    });
    return { after, notice: !approved && guarded.length > 0 ? { changes: guarded, entryId: entry.id, entrySeq: entry.seq } : null };
  }, TX_OPTIONS);
  forgetOrgSettings(ctx.org.id);
  await publishAfterCommit({ type: "settings.changed", orgId: ctx.org.id });
  if (notice) tellOwnersOfRetention(ctx, notice);
  return after;
}

/** An approved change that needs `permission` is applied only while the member who asked still holds it (not the approver's to grant). */
function requireOfAsker(requester: Ctx, permission: Permission): void {
  try {
    requirePermission(requester, permission);
  } catch {
    throw conflict(`the approval is recorded, but the change is not applied: the member who asked for it no longer holds the permission ${permission}`);
  }
}

function secondApprovalRequired(weakened: readonly WeakeningChange[]) {
  return conflict(
    `the two-admin rule is in force: ${weakened.map((w) => w.path).join(", ")} ${weakened.length === 1 ? "weakens" : "weaken"} enforcement and need another owner or admin's approval`,
    {
      reason: SECOND_APPROVAL_REQUIRED,
      weakened,
    },
  );
}
