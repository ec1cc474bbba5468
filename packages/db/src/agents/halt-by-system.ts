import { systemHalt, type BreakerMove, type PendingApproval, type SystemHalt } from "@gatehouse/core";
import { announceApprovals } from "../approvals/announce-approvals";
import { endingsWrite } from "../approvals/end-approvals";
import { appendAuditEntries } from "../audit/append-audit-entries";
import type { Bind } from "../audit/log-store";
import { lockAuditLog } from "../audit/lock-audit-log";
import type { Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { forgetAgent } from "../snapshots/agent-snapshot";

/**
 * Halts by the system (a loop, a broken post-condition, an anomaly; docs/agents.md): one shape, core's
 * `systemHalt` — the agent halted with the system part's name, an `agent.halted` entry by it, and the
 * pending approvals of the agent and of its delegates cancelled (their waiters hear AGENT_HALTED). A loop's halt
 * is written in its decision's commit and a broken post-condition's in its outcome's (the agents contributor,
 * commit-contributors.ts); an anomaly's here, in its caller's transaction (haltInTx), under the org's log lock
 * first (the lock order: the log head, then approvals).
 */

/**
 * The pending approvals of an agent and of its delegates (the subtree of live delegations below it), locked.
 * `org` and `agent` are SQL expressions: literals (the group commit's first round trip) or parameters. An
 * approval another transaction holds is skipped: only an expiry locks approvals before the log head, and it is
 * ending that approval itself.
 */
export function pendingUnderSql(org: string, agent: string): string {
  return `WITH RECURSIVE tree AS (
      SELECT d.id, d.child_agent_id FROM delegations d WHERE d.org_id = ${org} AND d.parent_agent_id = ${agent} AND d.revoked_at IS NULL
      UNION ALL
      SELECT d.id, d.child_agent_id FROM delegations d JOIN tree ON d.parent_delegation_id = tree.id WHERE d.org_id = ${org} AND d.revoked_at IS NULL
    )
    SELECT a.id AS "approvalId", a.agent_id AS "agentId", a.action_id AS "actionId", c.action_type AS "actionType"
    FROM approvals a JOIN actions c ON c.id = a.action_id
    WHERE a.org_id = ${org} AND (a.agent_id = ${agent} OR a.agent_id IN (SELECT child_agent_id FROM tree)) AND a.status = 'pending'
    ORDER BY a.id FOR UPDATE OF a SKIP LOCKED`;
}

/** What a commit changes on an agent's row: a halt by the system, and its breaker's move. */
export interface AgentChange {
  id: string;
  halt?: { by: string; reason: string };
  breaker?: { from: string; to: string; openedAt: Date | null };
}

/**
 * The agents' changes as one common table expression of a larger statement (a row may be changed once per
 * statement): a halt applies to an agent still active, a breaker's move only from the state it starts from.
 */
export function agentChangesWrite(orgId: string, changes: readonly AgentChange[], at: Date): Array<(bind: Bind) => string> {
  if (changes.length === 0) return [];
  const rows = changes.map((c) => ({
    id: c.id,
    halt_by: c.halt?.by ?? null,
    halt_reason: c.halt?.reason ?? null,
    cb_from: c.breaker?.from ?? null,
    cb_to: c.breaker?.to ?? null,
    cb_opened_at: c.breaker?.openedAt ?? null,
  }));
  return [
    (bind) => {
      const now = `${bind(at)}::timestamptz`;
      const halting = `(x.halt_by IS NOT NULL AND g.status = 'active')`;
      const moving = `(x.cb_to IS NOT NULL AND g.circuit_state::text = x.cb_from)`;
      return `changed_agents AS (
    UPDATE agents AS g SET
      status = CASE WHEN ${halting} THEN 'halted'::agent_status ELSE g.status END,
      halted_at = CASE WHEN ${halting} THEN ${now} ELSE g.halted_at END,
      halted_reason = CASE WHEN ${halting} THEN x.halt_reason ELSE g.halted_reason END,
      halted_by_membership_id = CASE WHEN ${halting} THEN NULL ELSE g.halted_by_membership_id END,
      halted_by_system = CASE WHEN ${halting} THEN x.halt_by ELSE g.halted_by_system END,
      circuit_state = CASE WHEN ${moving} THEN x.cb_to::circuit_state ELSE g.circuit_state END,
      circuit_opened_at = CASE WHEN ${moving} THEN x.cb_opened_at ELSE g.circuit_opened_at END,
      updated_at = ${now}
    FROM jsonb_to_recordset(${bind(JSON.stringify(rows))}::jsonb) AS x(id text, halt_by text, halt_reason text, cb_from text, cb_to text, cb_opened_at timestamptz)
    WHERE g.id = x.id AND g.org_id = ${bind(orgId)}
  )`;
    },
  ];
}

/** Halts' rows as common table expressions of a larger statement: the agents (only while still active) and the cancellations. */
export function haltsWrite(
  orgId: string,
  halts: readonly SystemHalt[],
  at: Date,
  breakers: ReadonlyArray<{ agentId: string } & NonNullable<AgentChange["breaker"]>> = [],
): Array<(bind: Bind) => string> {
  const changes = new Map<string, AgentChange>();
  for (const h of halts) changes.set(h.agentId, { id: h.agentId, halt: { by: h.by, reason: h.reason } });
  for (const { agentId, ...breaker } of breakers) changes.set(agentId, { ...(changes.get(agentId) ?? { id: agentId }), breaker });
  return [
    ...agentChangesWrite(orgId, [...changes.values()], at),
    ...endingsWrite(
      orgId,
      halts.flatMap((h) => h.endings),
    ),
  ];
}

/**
 * Halts agents inside the caller's transaction, which holds (or here takes) the org's log lock: those still
 * active, with their entries and cancellations. Answers the halts made, for `announceHalts` after the commit.
 */
export async function haltInTx(tx: Tx, orgId: string, halts: ReadonlyArray<{ agentId: string; by: string; reason: string }>): Promise<SystemHalt[]> {
  if (halts.length === 0) return [];
  await lockAuditLog(tx, orgId);
  const made: SystemHalt[] = [];
  for (const { agentId, by, reason } of halts) {
    const agent = await tx.agent.findFirst({ where: { id: agentId, orgId }, select: { id: true, name: true, status: true } });
    if (!agent || agent.status !== "active" || made.some((h) => h.agentId === agentId)) continue;
    const pending = await tx.$queryRawUnsafe<PendingApproval[]>(pendingUnderSql("$1", "$2"), orgId, agentId);
    made.push(systemHalt(agent, by, reason, pending));
  }
  if (made.length === 0) return [];
  await appendAuditEntries(
    tx,
    orgId,
    made.flatMap((h) => h.entries),
  );
  const values: unknown[] = [];
  const ctes = haltsWrite(orgId, made, new Date()).map((cte) => cte((value) => `$${values.push(value)}`));
  await tx.$executeRawUnsafe(`WITH ${ctes.join(", ")} SELECT 1`, ...values);
  return made;
}

/** After the commit of halts: every instance forgets the agents' cached status, and the cancelled approvals' waiters are woken. Observation. */
export async function announceHalts(orgId: string, halts: readonly SystemHalt[]): Promise<void> {
  for (const halt of halts) {
    forgetAgent(halt.agentId);
    await publishAfterCommit({ type: "agent.changed", orgId, agentId: halt.agentId });
  }
  await announceApprovals(
    orgId,
    halts.flatMap((h) => h.endings.map((e) => e.approvalId)),
  );
}

/**
 * After the commit of what a decision or an outcome did to its agent: a halt announced (announceHalts), and a
 * breaker's move a hint to every instance to drop its snapshot of the agent (time-bounded anyway). Observation.
 */
export async function announceAgentChanges(orgId: string, agentId: string, changed: { halt?: SystemHalt | undefined; breaker?: BreakerMove | undefined }): Promise<void> {
  if (changed.halt) await announceHalts(orgId, [changed.halt]);
  if (changed.breaker) {
    forgetAgent(agentId);
    void publishAfterCommit({ type: "agent.changed", orgId, agentId });
  }
}
