import type { Ctx } from "../actors/context";

/** An approval a member's vote just approved (committed). */
export interface ApprovedApproval {
  approvalId: string;
  actionId: string;
  actionType: string;
}

export type ApprovedHook = (ctx: Ctx, approved: ApprovedApproval) => Promise<void>;

const hooks = new Map<string, ApprovedHook>();

/**
 * What Gatehouse does itself when one of its own actions is approved (`gatehouse.policies.publish`:
 * the recorded set goes live). Registered by the folder that owns the action (above this one, so it
 * cannot be imported from here); one hook per action type.
 */
export function onApproved(actionType: string, hook: ApprovedHook): void {
  hooks.set(actionType, hook);
}

/**
 * Runs the hooks of the approvals `ctx`'s vote approved, after the vote's commit, with the voter as
 * actor. Every hook runs; the first failure is thrown after them (the vote stands: the hook's own
 * work is idempotent and can be run again).
 */
export async function runApprovedHooks(ctx: Ctx, approved: readonly ApprovedApproval[]): Promise<void> {
  let failure: unknown;
  for (const item of approved) {
    const hook = hooks.get(item.actionType);
    if (!hook) continue;
    try {
      await hook(ctx, item);
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
