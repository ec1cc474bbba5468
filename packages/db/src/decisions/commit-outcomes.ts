import {
  judgeOutcome,
  notFound,
  planOutcome,
  settleOutcome,
  validationError,
  type BreakerMove,
  type ReportedAction,
  type ReservationRow,
  type Settlement,
  type SystemHalt,
} from "@gatehouse/core";
import type pg from "pg";
import type { Bind } from "../audit/log-store";
import { checkOutcomeAnswer } from "./answer-check";
import { haltsWrite } from "../agents/halt-by-system";
import type { BatchMade, CommitFacts, OpenContributor, OutcomeCommitted, OutcomeDeltas, PendingOutcome } from "./commit-item";
import { unstorableText } from "./storable";

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
  /** Its agent halted in its commit (a broken post-condition), and its breaker opened (a failure at its threshold). */
  halt: SystemHalt | undefined;
  breaker: BreakerMove | undefined;
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

function loadOutcomes(results: pg.QueryResult[]): OutcomeState {
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

/** The outcomes of a batch opened under the lock: each made in turn, then what they change and write. */
export interface OpenOutcomes {
  make: (item: PendingOutcome, at: Date, resolve: (committed: OutcomeCommitted) => void) => BatchMade;
  /** What the recorded outcomes add to counters and runs, for the decisions' writes to take those they also write. */
  deltas: () => OutcomeDeltas;
  /** Their CTEs: each action's outcome and spend, the reservations they close, and the counters and runs left in `deltas`. */
  writes: (orgId: string, at: Date, deltas: OutcomeDeltas) => Array<(bind: Bind) => string>;
}

/**
 * The outcomes opened from what their reads returned, with the batch's contributors (opened for both kinds). One
 * outcome in the batch: its action (only the reporting agent's; else 404) judged by the report (core's judgeOutcome;
 * a refusal fails this report alone); another report of the action already recorded (committed, or earlier in this
 * batch) answers by what won; else its reservation is settled (core's settleOutcome), and its entries and answer
 * planned (core's planOutcome) with what the contributors found for its agent — halted already, its breaker's state,
 * the approvals a halt cancels. The batch's later items see it once it is accepted (after its entries and its answer
 * were checked; a report failing those records nothing): its action claimed, and its agent's halt and breaker move.
 */
export function openOutcomes(results: pg.QueryResult[], contributors: OpenContributor): OpenOutcomes {
  const state = loadOutcomes(results);
  const settled: SettledOutcome[] = [];

  const make = (item: PendingOutcome, at: Date, resolve: (committed: OutcomeCommitted) => void): BatchMade => {
    const action = state.actions.get(item.auditEventId);
    if (!action || action.row.agentId !== item.agentId) throw notFound("action");
    const judged = judgeOutcome(item.context, action.row);
    if (action.status !== null) {
      const winner = { status: action.status, message: action.message, at: action.at ?? at };
      return { answered: () => resolve({ recorded: false, winner, judged }) };
    }
    const { id: actionId, runId, createdAt } = action.row;
    const reservation = state.reservations.get(actionId);
    const settlement = settleOutcome({ reservation, usage: item.context.report.usage, settings: item.settings, actionCreatedAt: createdAt });
    const facts: CommitFacts = { at, halted: false };
    contributors.check(item, facts);
    const plan = planOutcome(item.context, judged, {
      at,
      spend: settlement?.record,
      haltedAtCommit: facts.halted,
      pendingAtCommit: facts.pendingApprovals,
      breakerAtCommit: facts.circuitState,
    });
    const issue = unstorableText(plan.entries, "outcome");
    if (issue) throw validationError([issue]);
    return {
      entries: () => plan.entries,
      answer: (entryId) => {
        const answer = plan.answer(entryId);
        checkOutcomeAnswer(answer);
        return {
          accept: () => {
            state.actions.set(item.auditEventId, { ...action, status: judged.status, message: judged.message, at });
            if (reservation && settlement?.closesReservation) state.reservations.set(actionId, { ...reservation, status: "settled" });
            contributors.apply({ halt: plan.halt, breaker: plan.breaker });
            settled.push({ actionId, runId, status: judged.status, message: judged.message, settlement, halt: plan.halt, breaker: plan.breaker });
          },
          tell: () => resolve({ recorded: true, answer, judged, halt: plan.halt, breaker: plan.breaker }),
        };
      },
    };
  };

  return {
    make,
    deltas: () => outcomeDeltas(settled),
    writes: (orgId, at, deltas) => (settled.length === 0 ? [] : outcomesWrite(orgId, settled, at, deltas)),
  };
}

/** What the settlements add to each counter and each run (summed, so each row is changed once), and the agents the outcomes halted or whose breaker they opened. */
function outcomeDeltas(settled: readonly SettledOutcome[]): OutcomeDeltas {
  const counters: OutcomeDeltas["counters"] = new Map();
  const runs: OutcomeDeltas["runs"] = new Map();
  const agents: OutcomeDeltas["agents"] = { halts: [], breakers: [] };
  for (const { settlement, runId, halt, breaker } of settled) {
    if (halt) agents.halts.push(halt);
    if (breaker) agents.breakers.push(breaker);
    if (!settlement) continue;
    const delta = settlement.counters;
    if (delta) {
      for (const key of delta.keys) {
        const c = counters.get(key) ?? { reservedTokens: 0, reservedMicros: 0, spentTokens: 0, spentMicros: 0 };
        c.reservedTokens += delta.reservedTokens;
        c.reservedMicros += delta.reservedMicros;
        c.spentTokens += delta.spentTokens;
        c.spentMicros += delta.spentMicros;
        counters.set(key, c);
      }
    }
    if (runId) {
      const r = runs.get(runId) ?? { tokens: 0, micros: 0 };
      r.tokens += settlement.tokens;
      r.micros += settlement.micros;
      runs.set(runId, r);
    }
  }
  return { counters, runs, agents };
}

/**
 * The batch's outcomes as CTEs: each action's outcome and spend, the reservations they close, each counter and
 * run the batch's decisions do not also write changed once by the sum of its settlements (those the decisions
 * write take the sums in their own rows), and the agents they halted or whose breaker they opened, with the
 * approvals the halts cancel, unless the decisions' agents contributor took them.
 */
function outcomesWrite(orgId: string, settled: readonly SettledOutcome[], at: Date, deltas: OutcomeDeltas): Array<(bind: Bind) => string> {
  const rows = settled.map((o) => ({ id: o.actionId, status: o.status, message: o.message, spend: o.settlement?.actionSpend ?? null }));
  const closing = settled.filter((o) => o.settlement?.closesReservation).map((o) => o.actionId);
  const counters = [...deltas.counters].map(([key, c]) => ({ key, rt: c.reservedTokens, rm: c.reservedMicros, st: c.spentTokens, sm: c.spentMicros }));
  const runs = [...deltas.runs].map(([id, r]) => ({ id, t: r.tokens, m: r.micros }));
  return [
    ...haltsWrite(orgId, deltas.agents.halts, at, deltas.agents.breakers),
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
    ...(counters.length > 0
      ? [
          (bind: Bind) => `settled_counters AS (
    UPDATE budget_counters c SET
      reserved_tokens = c.reserved_tokens + x.rt, reserved_micros = c.reserved_micros + x.rm,
      spent_tokens = c.spent_tokens + x.st, spent_micros = c.spent_micros + x.sm, updated_at = ${bind(at)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify(counters))}::jsonb) AS x(key text, rt bigint, rm bigint, st bigint, sm bigint)
    WHERE c.org_id = ${bind(orgId)} AND c.key = x.key
  )`,
        ]
      : []),
    ...(runs.length > 0
      ? [
          (bind: Bind) => `settled_runs AS (
    UPDATE runs u SET spent_tokens = u.spent_tokens + x.t, spent_micros = u.spent_micros + x.m
    FROM jsonb_to_recordset(${bind(JSON.stringify(runs))}::jsonb) AS x(id text, t bigint, m bigint) WHERE u.id = x.id AND u.org_id = ${bind(orgId)}
  )`,
        ]
      : []),
  ];
}
