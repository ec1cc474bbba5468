/** How an approval ended without approving, as a reviewer or Gatehouse left it. */
export interface Ending {
  /** Why, as Gatehouse names it: `DENIED_BY_REVIEWER`, `APPROVAL_EXPIRED`, `AGENT_HALTED`, … */
  reason: string;
  /** Who denied it, when a reviewer did. */
  decidedBy?: string | undefined;
  /** The reviewer's reason, when they gave one. */
  decisionReason?: string | undefined;
}

/** One sentence for the model: who denied the call and why, or how its approval ended. */
export function deniedMessage(toolName: string, ending: Ending): string {
  if (ending.decidedBy !== undefined || ending.decisionReason !== undefined) {
    const who = ending.decidedBy === undefined ? "A reviewer" : `A reviewer (${ending.decidedBy})`;
    const why = ending.decisionReason === undefined ? "" : `: ${JSON.stringify(ending.decisionReason)}`;
    return `${who} denied this call of '${toolName}'${why}. Do not perform this action.`;
  }
  return `Gatehouse did not approve this call of '${toolName}' (${ending.reason}). Do not perform this action.`;
}
