import type { Ctx } from "../actors/context";

/** An approval a member's vote just approved (committed). */
export interface ApprovedApproval {
  approvalId: string;
  actionId: string;
  actionType: string;
}

export type ApprovedHook = (ctx: Ctx, approved: ApprovedApproval) => Promise<void>;

/**
 * What Gatehouse does itself when one of its own actions is approved (`gatehouse.policies.publish`:
 * the recorded set goes live), by action type. The table is written out by the folder that owns those
 * actions (policy-rollout/decide-approval.ts, above this one, so it cannot be imported from here) and
 * handed to the vote; nothing is registered by importing a module.
 */
export type ApprovedHooks = Readonly<Record<string, ApprovedHook>>;

/**
 * Runs the hooks of the approvals `ctx`'s vote approved, after the vote's commit, with the voter as
 * actor. Every hook runs; the first failure is thrown after them (the vote stands: the hook's own
 * work is idempotent and can be run again).
 */
export async function runApprovedHooks(ctx: Ctx, hooks: ApprovedHooks, approved: readonly ApprovedApproval[]): Promise<void> {
  let failure: unknown;
  for (const item of approved) {
    const hook = Object.hasOwn(hooks, item.actionType) ? hooks[item.actionType] : undefined;
    if (!hook) continue;
    try {
      await hook(ctx, item);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
