import { hookAction, parseActionRequest, type ActionResult, type CodingAgent, type HookOutcome, type PreToolUse } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { waitForApproval } from "../approvals/wait-for-approval";
import { db } from "../infra/client";
import { checkAction } from "./check-action";
import { decideAction } from "./decide-action";

/** What a coding agent's hook call came to: the outcome the hook answers, and Gatehouse's own decision. */
export interface HookCallDecision {
  outcome: HookOutcome;
  auditEventId: string;
  approvalId?: string;
}

/**
 * A coding agent's PreToolUse call (docs/integrations/coding-agents.md). An allowed or denied call is
 * decided and recorded on its own key (its `tool_use_id`). A call that needs a person first looks for
 * an approval the same call (tool and input) asked for earlier in the same session that nobody has
 * used: it re-attaches to that one instead of asking twice. It then waits, `waitMs` at most in all, for
 * the decision; an approved call is let through once — using the approval is one insert into
 * hook_approval_uses, so two hook calls (on any API processes) can never both run on one approval.
 */
export async function decideHookCall({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { agent: CodingAgent; payload: PreToolUse; waitMs: number; signal?: AbortSignal };
}): Promise<HookCallDecision> {
  const actor = requireAgent(ctx);
  const { eventId, reattachPrefix, ...action } = hookAction(input.agent, input.payload);
  // One budget for the whole call, however many approvals it waits on.
  const waiting = { deadline: Date.now() + input.waitMs, ...(input.signal ? { signal: input.signal } : {}) };
  // An earlier approval of the same call in this session is looked for first (one read); only when one
  // exists is the call asked about (canI) before it is decided, so a call is planned once otherwise.
  const { tool } = parseActionRequest(action);
  const earlier = tool ? await unusedApproval(ctx, actor.agentId, action.actionType, tool, reattachPrefix) : undefined;
  if (earlier && (await checkAction({ ctx, input: action })).status === "requested") {
    const settled = await settle(ctx, earlier, waiting);
    if (settled) return settled;
  }
  const result = await decideAction({ ctx, input: { ...action, eventId } });
  const { auditEventId, approvalId } = result;
  if (result.status !== "requested" || approvalId === undefined) return { outcome: result, auditEventId };
  return (await settle(ctx, { approvalId, auditEventId, result }, waiting)) ?? { outcome: result, auditEventId, approvalId };
}

interface Found {
  approvalId: string;
  auditEventId: string;
  result: ActionResult;
}

/**
 * The newest approval of this agent's same call in the same session that is pending, or approved and
 * not yet used: the same key prefix (made only by the hook route: POST /v1/actions refuses `hook:`
 * keys) and the same tool and digest.
 */
async function unusedApproval(ctx: Ctx, agentId: string, actionType: string, tool: { name: string; argsDigest: string }, prefix: string): Promise<Found | undefined> {
  const { rows } = await db().pool.query<{ approval_id: string; audit_entry_id: string; result: ActionResult }>(
    `SELECT a.id AS approval_id, c.audit_entry_id, c.result
     FROM actions c JOIN approvals a ON a.action_id = c.id
     WHERE c.org_id = $1 AND c.agent_id = $2 AND c.idempotency_key LIKE $3 || '%' AND c.action_type = $4
       AND c.result -> 'tool' ->> 'name' = $5 AND c.result -> 'tool' ->> 'argsDigest' = $6
       AND a.status IN ('pending', 'approved')
       AND NOT EXISTS (SELECT 1 FROM hook_approval_uses u WHERE u.approval_id = a.id)
     ORDER BY c.created_at DESC LIMIT 1`,
    [ctx.org.id, agentId, prefix, actionType, tool.name, tool.argsDigest],
  );
  const row = rows[0];
  return row ? { approvalId: row.approval_id, auditEventId: row.audit_entry_id, result: row.result } : undefined;
}

/**
 * Waits for the approval (until the call's deadline) and answers where it stands: approved and used
 * now by this call → executed; denied, expired or cancelled → denied, with who decided and why; still
 * pending → requested. Undefined when another call used the approval first (the caller then asks anew).
 */
async function settle(ctx: Ctx, found: Found, waiting: { deadline: number; signal?: AbortSignal }): Promise<HookCallDecision | undefined> {
  const { approvalId, auditEventId } = found;
  const timeoutMs = Math.max(0, waiting.deadline - Date.now());
  const view = await waitForApproval({ ctx, input: { approvalId, timeoutMs, ...(waiting.signal ? { signal: waiting.signal } : {}) } });
  if (view.status === "pending") return { outcome: { ...found.result, status: "requested" }, auditEventId, approvalId };
  if (view.status !== "approved") {
    const reviewer = view.decidedBy ? ` ${view.decidedBy.name || view.decidedBy.email} decided${view.decisionReason ? `: "${view.decisionReason}"` : "."}` : "";
    return { outcome: { ...view.result, message: `${view.result.message}${reviewer}` }, auditEventId, approvalId };
  }
  const used = await db().pool.query(`INSERT INTO hook_approval_uses (approval_id, org_id) VALUES ($1, $2) ON CONFLICT (approval_id) DO NOTHING`, [approvalId, ctx.org.id]);
  if (used.rowCount !== 1) return undefined;
  return { outcome: view.result, auditEventId, approvalId };
}
