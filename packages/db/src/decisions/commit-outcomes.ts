import { notFound, settleOutcome, type AuditEntryInput, type ReservationRow, type Settlement } from "@gatehouse/core";
import type pg from "pg";
import type { Bind } from "../audit/log-store";
import type { OutcomeCommitted, PendingOutcome, ReportedAction } from "./commit-item";

/**
 * Outcomes (`report`) in the org's group commit (group-commit.ts): what they read with BEGIN and the
 * lock — their actions' outcome columns and their reservations (locked), with the names of the
 * counters those touch — how each is claimed and settled in the batch, and the one statement that
 * writes them. Under the lock every outcome of the org is ordered, so the first report of an action
 * wins on every process, and a settlement never races a decision reserving on the same counters.
 */
interface OutcomeState {
  /** By the audit entry of the decision reported on: the action as stored and its outcome so far (this batch's included). */
  actions: Map<string, { row: ReportedAction & { agentId: string }; status: string | null; message: string | null; at: Date | null }>;
  reservations: Map<string, ReservationRow>;
}

/** What one recorded outcome writes. */
export interface SettledOutcome {
  actionId: string;
  runId: string | null;
  status: string;
  message: string | null;
  settlement: Settlement | undefined;
}

/**
 * The statements outcomes add to the batch's first round trip (none without outcomes): their actions
 * (by the audit entries their decisions recorded) and their reservations, locked. The entry ids are
 * request text, checked to be `aud_` ids (letters and digits only) before they were queued, and quoted.
 */
export function outcomeReads(orgId: string, outcomes: readonly PendingOutcome[], lit: (value: string) => string): string[] {
  if (outcomes.length === 0) return [];
  const entries = [...new Set(outcomes.map((o) => o.auditEventId))].map(lit).join(", ");
  return [
    `SELECT id, audit_entry_id, agent_id, action_type, status::text AS status, run_id, created_at, metadata, data_accessed, outcome_status, outcome_message, outcome_at
     FROM actions WHERE org_id = ${lit(orgId)} AND audit_entry_id IN (${entries})`,
    `SELECT r.action_id, r.keys, r.model, r.price, r.tokens::float8 AS tokens, r.micros::float8 AS micros, r.status,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('key', c.key, 'name', c.name)) FROM budget_counters c WHERE c.org_id = r.org_id AND c.key = ANY(r.keys)), '[]'::jsonb) AS budgets
     FROM budget_reservations r JOIN actions a ON a.id = r.action_id
     WHERE r.org_id = ${lit(orgId)} AND a.org_id = ${lit(orgId)} AND a.audit_entry_id IN (${entries}) FOR UPDATE OF r`,
  ];
}

interface ActionRead {
  id: string;
  audit_entry_id: string;
  agent_id: string;
  action_type: string;
  status: ReportedAction["status"];
  run_id: string | null;
  created_at: Date;
  metadata: unknown;
  data_accessed: unknown;
  outcome_status: string | null;
  outcome_message: string | null;
  outcome_at: Date | null;
}

export function loadOutcomes(results: pg.QueryResult[]): OutcomeState {
  const [actions, reservations] = results as [pg.QueryResult<ActionRead>?, pg.QueryResult<ReservationRow & { action_id: string }>?];
  return {
    actions: new Map(
      (actions?.rows ?? []).map((r) => [
        r.audit_entry_id,
        {
          row: {
            id: r.id,
            auditEntryId: r.audit_entry_id,
            agentId: r.agent_id,
            actionType: r.action_type,
            status: r.status,
            runId: r.run_id,
            createdAt: r.created_at,
            metadata: r.metadata,
            dataAccessed: r.data_accessed,
          },
          status: r.outcome_status,
          message: r.outcome_message,
          at: r.outcome_at,
        },
      ]),
    ),
    reservations: new Map((reservations?.rows ?? []).map(({ action_id, ...row }) => [action_id, row])),
  };
}

/**
 * One outcome in the batch: its action (only the reporting agent's; else 404) judged by the report
 * (a refusal fails this report alone); another report of the action already recorded (committed, or
 * earlier in this batch) answers by what won; else its reservation is settled (core's settleOutcome),
 * its entries and answer made. The batch's later reports of the action see it claimed once the batch
 * `claim`s it: after its entries and its answer were checked (a report failing those records nothing).
 */
export function settleInBatch(
  item: PendingOutcome,
  state: OutcomeState,
  at: Date,
):
  | { recorded: false; committed: OutcomeCommitted }
  | { recorded: true; entries: AuditEntryInput[]; answer: (entryId: string) => unknown; write: SettledOutcome; claim: () => void } {
  const action = state.actions.get(item.auditEventId);
  if (!action || action.row.agentId !== item.agentId) throw notFound("action");
  const judged = item.judge(action.row);
  if (action.status !== null) return { recorded: false, committed: { recorded: false, winner: { status: action.status, message: action.message, at: action.at ?? at } } };
  const { id: actionId, runId, createdAt } = action.row;
  const reservation = state.reservations.get(actionId);
  const settlement = settleOutcome({ reservation, usage: item.usage, settings: item.settings, actionCreatedAt: createdAt });
  const made = judged.materialize({ spend: settlement?.record, at });
  return {
    recorded: true,
    entries: made.entries,
    answer: made.answer,
    write: { actionId, runId, status: judged.status, message: judged.message, settlement },
    claim: () => {
      state.actions.set(item.auditEventId, { ...action, status: judged.status, message: judged.message, at });
      if (reservation && settlement?.closesReservation) state.reservations.set(actionId, { ...reservation, status: "settled" });
    },
  };
}

/**
 * The batch's outcomes as CTEs: each action's outcome and spend, the reservations they close, each
 * counter changed once by the sum of its settlements, each run's spend once by its sum.
 */
export function outcomesWrite(orgId: string, settled: readonly SettledOutcome[], at: Date): Array<(bind: Bind) => string> {
  const counters = new Map<string, { key: string; rt: number; rm: number; st: number; sm: number }>();
  const runs = new Map<string, { id: string; t: number; m: number }>();
  for (const { settlement, runId } of settled) {
    if (!settlement) continue;
    for (const key of settlement.counters?.keys ?? []) {
      const c = counters.get(key) ?? { key, rt: 0, rm: 0, st: 0, sm: 0 };
      const delta = settlement.counters;
      if (delta) {
        c.rt += delta.reservedTokens;
        c.rm += delta.reservedMicros;
        c.st += delta.spentTokens;
        c.sm += delta.spentMicros;
      }
      counters.set(key, c);
    }
    if (runId) {
      const r = runs.get(runId) ?? { id: runId, t: 0, m: 0 };
      r.t += settlement.tokens;
      r.m += settlement.micros;
      runs.set(runId, r);
    }
  }
  const rows = settled.map((o) => ({ id: o.actionId, status: o.status, message: o.message, spend: o.settlement?.actionSpend ?? null }));
  const closing = settled.filter((o) => o.settlement?.closesReservation).map((o) => o.actionId);
  return [
    (bind) => `outcomes AS (
    UPDATE actions a SET outcome_status = x.status, outcome_message = x.message, outcome_at = ${bind(at)}::timestamptz, spend = COALESCE(x.spend, a.spend)
    FROM jsonb_to_recordset(${bind(JSON.stringify(rows))}::jsonb) AS x(id text, status text, message text, spend jsonb)
    WHERE a.id = x.id AND a.org_id = ${bind(orgId)} AND a.outcome_status IS NULL
  )`,
    ...(closing.length > 0
      ? [
          (bind: Bind) => `settled_reservations AS (
    UPDATE budget_reservations b SET status = 'settled', closed_at = ${bind(at)}::timestamptz WHERE b.org_id = ${bind(orgId)} AND b.action_id = ANY(${bind(closing)}::text[])
  )`,
        ]
      : []),
    ...(counters.size > 0
      ? [
          (bind: Bind) => `settled_counters AS (
    UPDATE budget_counters c SET
      reserved_tokens = c.reserved_tokens + x.rt, reserved_micros = c.reserved_micros + x.rm,
      spent_tokens = c.spent_tokens + x.st, spent_micros = c.spent_micros + x.sm, updated_at = ${bind(at)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify([...counters.values()]))}::jsonb) AS x(key text, rt bigint, rm bigint, st bigint, sm bigint)
    WHERE c.org_id = ${bind(orgId)} AND c.key = x.key
  )`,
        ]
      : []),
    ...(runs.size > 0
      ? [
          (bind: Bind) => `settled_runs AS (
    UPDATE runs u SET spent_tokens = u.spent_tokens + x.t, spent_micros = u.spent_micros + x.m
    FROM jsonb_to_recordset(${bind(JSON.stringify([...runs.values()]))}::jsonb) AS x(id text, t bigint, m bigint) WHERE u.id = x.id AND u.org_id = ${bind(orgId)}
  )`,
        ]
      : []),
  ];
}

/** CTEs as a statement of their own (`WITH … SELECT 1`), for a batch whose decisions' statement may touch the same rows. */
export function statementOf(ctes: ReadonlyArray<(bind: Bind) => string>): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const bind: Bind = (value) => {
    values.push(value);
    return `$${values.length}`;
  };
  return { text: `WITH ${ctes.map((cte) => cte(bind)).join(",\n")}\nSELECT 1`, values };
}
