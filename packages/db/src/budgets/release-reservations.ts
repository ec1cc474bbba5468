import { appendAuditEntries } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { lockAuditLog } from "../audit/lock-audit-log";

export const BUDGET_ACTOR = { type: "system", id: "budgets" } as const;

/** Reservations ended per org and sweep: the rest wait for the next sweep. */
const BATCH = 500;

/**
 * The worker's end of reservations no outcome settled (docs/budgets.md), per org in one transaction:
 * - an action that was **denied** after it reserved (its approval denied, expired or cancelled) gives
 *   its reservation back at once (`released`): it never ran;
 * - an action that **ran** and whose outcome never came by the deadline is **charged** at what it
 *   reserved (`charged`): the call most likely happened, and an agent that never reports must not get
 *   its budget back. A late outcome's usage then replaces the charge.
 * Each is claimed `reserved → released | charged` under the row lock (a settlement racing it waits,
 * then finds it ended), its counters move, and it is recorded as a `budget.released` entry (`charged`
 * says which). Answers how many it ended. `orgId` sweeps one org only (a test's own).
 */
export async function releaseDueReservations({ now = Date.now(), orgId: only }: { now?: number; orgId?: string } = {}): Promise<number> {
  const at = new Date(now);
  const { rows: orgs } = await db().pool.query<{ org_id: string }>(
    `SELECT DISTINCT r.org_id FROM budget_reservations r JOIN actions a ON a.id = r.action_id
     WHERE r.status = 'reserved' AND (r.deadline < $1 OR a.status = 'denied')${only ? " AND r.org_id = $2" : ""}`,
    only ? [at, only] : [at],
  );
  let ended = 0;
  for (const { org_id: orgId } of orgs) {
    const count = await db().$transaction(async (tx) => {
      // The log-head lock first, as decisions take it before they reserve: one lock order, no deadlock.
      await lockAuditLog(tx, orgId);
      const rows = await tx.$queryRaw<
        Array<{
          action_id: string;
          keys: string[];
          tokens: number;
          micros: number;
          deadline: Date;
          action_type: string;
          agent_name: string | null;
          agent_id: string;
          status: string;
        }>
      >`
        UPDATE budget_reservations r SET status = due.next, closed_at = ${at}
        FROM (
          SELECT b.action_id, CASE WHEN a.status = 'denied' THEN 'released' ELSE 'charged' END AS next, a.action_type
          FROM budget_reservations b JOIN actions a ON a.id = b.action_id
          WHERE b.org_id = ${orgId} AND b.status = 'reserved' AND (b.deadline < ${at} OR a.status = 'denied')
          ORDER BY b.deadline LIMIT ${BATCH} FOR UPDATE OF b SKIP LOCKED
        ) due
        WHERE r.action_id = due.action_id
        RETURNING r.action_id, r.keys, r.tokens::float8 AS tokens, r.micros::float8 AS micros, r.deadline, r.agent_id, r.status, due.action_type,
          (SELECT name FROM agents WHERE id = r.agent_id) AS agent_name`;
      if (rows.length === 0) return 0;
      const moves = new Map<string, { tokens: number; micros: number; charged: number; chargedMicros: number }>();
      for (const row of rows)
        for (const key of row.keys) {
          const sum = moves.get(key) ?? { tokens: 0, micros: 0, charged: 0, chargedMicros: 0 };
          sum.tokens += row.tokens;
          sum.micros += row.micros;
          if (row.status === "charged") {
            sum.charged += row.tokens;
            sum.chargedMicros += row.micros;
          }
          moves.set(key, sum);
        }
      const counters = await tx.$queryRaw<Array<{ key: string; name: string }>>`
        UPDATE budget_counters c SET
          reserved_tokens = c.reserved_tokens - x.tokens,
          reserved_micros = c.reserved_micros - x.micros,
          spent_tokens = c.spent_tokens + x.charged,
          spent_micros = c.spent_micros + x.charged_micros,
          updated_at = ${at}
        FROM jsonb_to_recordset(${JSON.stringify([...moves].map(([key, m]) => ({ key, tokens: m.tokens, micros: m.micros, charged: m.charged, charged_micros: m.chargedMicros })))}::jsonb)
          AS x(key text, tokens bigint, micros bigint, charged bigint, charged_micros bigint)
        WHERE c.key = x.key AND c.org_id = ${orgId}
        RETURNING c.key, c.name`;
      const refs = new Map(counters.map((c) => [c.key, { key: c.key, name: c.name }]));
      await appendAuditEntries(
        tx,
        orgId,
        rows.map((row) => ({
          type: "budget.released" as const,
          actor: BUDGET_ACTOR,
          agentId: row.agent_id,
          subjectId: row.action_id,
          data: {
            actionId: row.action_id,
            actionType: row.action_type,
            agentName: row.agent_name ?? "",
            tokens: row.tokens,
            micros: row.micros,
            charged: row.status === "charged",
            budgets: row.keys.flatMap((key) => refs.get(key) ?? []),
            deadline: row.deadline.toISOString(),
          },
        })),
      );
      return rows.length;
    }, TX_OPTIONS);
    if (count > 0) await publishAfterCommit({ type: "audit.appended", orgId });
    ended += count;
  }
  return ended;
}
