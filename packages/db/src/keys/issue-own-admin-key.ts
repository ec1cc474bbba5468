import { issueAdminKeyBodySchema, type IssuedAdminKey } from "@gatehouse/contracts";
import { forbidden, validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { issueAdminKey } from "./issue-admin-key";

/**
 * A personal admin key of the member asking, signed in to the console or calling with one of their
 * admin keys: `keys.own` first (approvers and auditors hold it too: the key reaches what their role
 * may, never more), then the body (`{ name?, expiresInDays? }`, 400 naming the field),
 * then {@link issueAdminKey} for their own membership (its transaction and its `key.issued` entry).
 * The key acts with the member's role at the time of each request; it is answered once. An
 * `idempotencyKey` makes a retry answer a fresh secret for the same key (see issueAdminKey).
 */
export async function issueOwnAdminKey({ ctx, input }: { ctx: Ctx; input: { body?: unknown; idempotencyKey?: string | undefined } }): Promise<IssuedAdminKey> {
  requirePermission(ctx, "keys.own");
  const parsed = issueAdminKeyBodySchema.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") throw forbidden("a personal admin key is issued to a member");
  const { name, expiresInDays } = parsed.data;
  return issueAdminKey({ ctx, input: { membershipId: actor.membershipId, name, ...(expiresInDays === undefined ? {} : { expiresInDays }), idempotencyKey: input.idempotencyKey } });
}
