import { GatehouseError } from "@gatehouse/sdk";
import { ask, describeCall, governance, register, type Governance, type GatehouseToolOptions } from "./governance.ts";

/** Options of {@link gatehouseNeedsApproval}. */
export interface NeedsApprovalOptions extends GatehouseToolOptions {
  /** The tool's name, as in `tool({ name })`: the action type and the approval's binding are made from it. */
  name: string;
}

/** The shape of `tool({ needsApproval })`: the run context, the call's arguments, its call id. */
export type GatehouseApprovalFunction = (runContext: unknown, input: unknown, callId?: string) => Promise<boolean>;

/**
 * A `needsApproval` for `tool()` decided by Gatehouse: it asks with `execute` (the call's id and the
 * digest of its arguments as the `eventId`) and answers `true` when Gatehouse holds the call for a
 * person, so the run stops with an interruption that `resumeWhenDecided` settles later. A call a
 * policy denies answers `true` too, so it never runs unchecked: `resumeWhenDecided` rejects it with
 * the reason. Give the tool {@link gatehouseInputGuardrail} (same options) as well, which checks
 * every call again just before it runs; `governTool` attaches both, answers a denied call at once,
 * and reports outcomes.
 */
export function gatehouseNeedsApproval(options: NeedsApprovalOptions): GatehouseApprovalFunction {
  return approvalFunction(governance(options), options.name, true);
}

/**
 * The approval function of one tool. `pauseDenied`: whether a denied call stops the run too; false
 * only where the Gatehouse guardrail is attached and refuses it instead.
 */
export function approvalFunction(settings: Governance, name: string, pauseDenied: boolean): GatehouseApprovalFunction {
  const needsApproval: GatehouseApprovalFunction = async (_runContext, input, callId) => {
    // Without the call id the question has no idempotency key: a restart would ask again and open a second approval.
    if (callId === undefined) throw new GatehouseError(`Gatehouse needs the call id of '${name}' to bind its decision`, { code: "MISSING_CALL_ID" });
    const result = await ask(settings, await describeCall(settings, name, input, callId));
    return result.status === "requested" || (pauseDenied && result.status === "denied");
  };
  register(needsApproval, settings);
  return needsApproval;
}
