import { appendAuditEntries } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { lockLogHead } from "../decisions/settle-spend";

export const BUDGET_ACTOR = { type: "system", id: "budgets" } as const;

/** Reservations released per org and sweep: the rest wait for the next sweep. */
const BATCH = 500;

/**
 * The worker's release of reservations whose outcome never came (docs/budgets.md): per org, in one
 * transaction, the reservations past their deadline are claimed `reserved → released` (a settlement
 * racing it takes the row lock first, or finds it released and counts its usage as spent), their
 * counters give back what they held, and each is recorded as a `budget.released` entry. Answers how
 * many it released. `orgId` sweeps one org only (a test's own).
 */
export async function releaseDueReservations({ now = Date.now(), orgId: only }: { now?: number; orgId?: string } = {}): Promise<number> {
  const at = new Date(now);
  const { rows: orgs } = await db().pool.query<{ org_id: string }>(
    `SELECT DISTINCT org_id FROM budget_reservations WHERE status = 'reserved' AND deadline < $1${only ? " AND org_id = $2" : ""}`,
    only ? [at, only] : [at],
  );
  let released = 0;
  for (const { org_id: orgId } of orgs) {
    const count = await db().$transaction(async (tx) => {
      // The log-head lock first, as decisions take it before they reserve: one lock order, no deadlock.
      await lockLogHead(tx, orgId);
      const rows = await tx.$queryRaw<
        Array<{ action_id: string; keys: string[]; tokens: number; micros: number; deadline: Date; action_type: string | null; agent_name: string | null; agent_id: string }>
      >`
        UPDATE budget_reservations r SET status = 'released', closed_at = ${at}
        FROM (
          SELECT action_id FROM budget_reservations WHERE status = 'reserved' AND deadline < ${at} AND org_id = ${orgId}
          ORDER BY deadline LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        ) due
        WHERE r.action_id = due.action_id
        RETURNING r.action_id, r.keys, r.tokens::float8 AS tokens, r.micros::float8 AS micros, r.deadline, r.agent_id,
          (SELECT action_type FROM actions WHERE id = r.action_id) AS action_type,
          (SELECT name FROM agents WHERE id = r.agent_id) AS agent_name`;
      if (rows.length === 0) return 0;
      const back = new Map<string, { tokens: number; micros: number }>();
      for (const row of rows)
        for (const key of row.keys) {
          const sum = back.get(key) ?? { tokens: 0, micros: 0 };
          back.set(key, { tokens: sum.tokens + row.tokens, micros: sum.micros + row.micros });
        }
      const counters = await tx.$queryRaw<Array<{ key: string; name: string }>>`
        UPDATE budget_counters c SET
          reserved_tokens = c.reserved_tokens - x.tokens,
          reserved_micros = c.reserved_micros - x.micros,
          updated_at = ${at}
        FROM jsonb_to_recordset(${JSON.stringify([...back].map(([key, sum]) => ({ key, ...sum })))}::jsonb) AS x(key text, tokens bigint, micros bigint)
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
            actionType: row.action_type ?? "",
            agentName: row.agent_name ?? "",
            tokens: row.tokens,
            micros: row.micros,
            budgets: row.keys.flatMap((key) => refs.get(key) ?? []),
            deadline: row.deadline.toISOString(),
          },
        })),
      );
      return rows.length;
    }, TX_OPTIONS);
    if (count > 0) await publishAfterCommit({ type: "audit.appended", orgId });
    released += count;
  }
  return released;
}
