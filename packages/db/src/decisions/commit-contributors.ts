import {
  alertedAfter,
  budgetAlerts,
  checkBudgets,
  EMPTY_COUNTER,
  NOT_ALERTED,
  type BudgetAlerted,
  type BudgetCounter,
  type BudgetScope,
  type CircuitState,
  type PendingApproval,
  type PendingReservation,
} from "@gatehouse/core";
import type pg from "pg";
import type { Bind } from "../audit/log-store";
import { haltsWrite, pendingUnderSql } from "../agents/halt-by-system";
import { orgClosedKey } from "../keys/authenticate-api-key";
import { register, type CommitSubject, type Contributor, type Decided, type OpenContributor, type OutcomeDeltas, type RegisteredContributor } from "./commit-item";

/**
 * Whether the org is closed, read after the lock so a closing that committed meanwhile is seen: a
 * closed org's log takes no more entries, and a key verified before the closing (another instance's
 * cached copy, within its TTL) gets the answer its next verification would give.
 */
const closedOrg: Contributor<null> = {
  name: "closed org",
  reads: (orgId, _items, lit) => [`SELECT closed_at IS NOT NULL AS closed FROM orgs WHERE id = ${lit(orgId)}`],
  load: ([closed]) => {
    if ((closed as pg.QueryResult<{ closed: boolean }> | undefined)?.rows[0]?.closed) throw orgClosedKey();
    return null;
  },
  writes: () => [],
};

/**
 * The agents' state re-read under the lock: a halt committed before the batch wins over a cached "active", and a
 * breaker moves only from the state it stands at. The halts and breaker moves the batch's decisions make are
 * written in its one statement (their entries follow the decisions'): a loop's halt, with the org's
 * `loops.haltAgent` — such a decision commits in a batch of its own (group-commit.ts) and reads the pending
 * approvals its halt cancels here — and the breaker opened by a failure or settled by its probe (ADR 0049).
 */
const agentStates: Contributor<{ halted: Set<string>; circuits: Map<string, CircuitState>; pending: Map<string, PendingApproval[]> }> = {
  name: "agents",
  reads: (orgId, items, lit) => {
    const ids = [...new Set(items.flatMap((i) => [i.agentId, ...(i.gateAgentIds ?? [])]))];
    if (ids.length === 0) return [];
    const halting = items.filter((i) => i.mayHalt);
    return [
      `SELECT id, status, circuit_state::text AS circuit FROM agents WHERE org_id = ${lit(orgId)} AND id IN (${ids.map(lit).join(", ")})`,
      ...halting.map((i) => pendingUnderSql(lit(orgId), lit(i.agentId))),
    ];
  },
  load: ([rows, ...pending], items) => {
    const agents = (rows as pg.QueryResult<{ id: string; status: string; circuit: CircuitState }> | undefined)?.rows ?? [];
    return {
      halted: new Set(agents.filter((a) => a.status === "halted").map((a) => a.id)),
      circuits: new Map(agents.map((a) => [a.id, a.circuit])),
      pending: new Map(items.filter((i) => i.mayHalt).map((i, n) => [i.agentId, (pending[n] as pg.QueryResult<PendingApproval> | undefined)?.rows ?? []])),
    };
  },
  check: ({ halted, circuits, pending }, item, facts) => {
    facts.halted ||= halted.has(item.agentId) || (item.gateAgentIds?.some((id) => halted.has(id)) ?? false);
    const circuit = circuits.get(item.agentId);
    if (circuit) facts.circuitState = circuit;
    if (item.mayHalt) facts.pendingApprovals = pending.get(item.agentId) ?? [];
  },
  apply: ({ halted, circuits }, rows) => {
    if (rows.halt) halted.add(rows.halt.agentId);
    if (rows.breaker) circuits.set(rows.breaker.agentId, rows.breaker.to);
  },
  // The batch's outcomes' halts and breaker moves are written here too (each agent row is changed once per statement).
  writes: (orgId, decided, createdAt, outcomes) => {
    const halts = [...decided.flatMap(({ m }) => (m.halt ? [m.halt] : [])), ...outcomes.agents.halts.splice(0)];
    const breakers = [...decided.flatMap(({ m }) => (m.breaker ? [m.breaker] : [])), ...outcomes.agents.breakers.splice(0)];
    return haltsWrite(orgId, halts, createdAt, breakers);
  },
};

/** The budget counters a batch reads under the lock: their counts, and what each has alerted in its window. */
interface BudgetCounters {
  counts: Map<string, BudgetCounter>;
  alerted: Map<string, BudgetAlerted>;
}

/**
 * Budgets (docs/budgets.md): each decision is checked against the counters as committed plus every
 * earlier reservation of the batch (the lock orders every decision of the org, on every process) and
 * reserves; a counter that cannot be read fails the batch (closed). A halted call is checked against none.
 * The alerts a call raises (a ratio crossed, a budget exceeded) are found against what each counter has
 * alerted, so each is sent once per window however many processes decide (docs/budgets.md, Alerts).
 */
const budgets: Contributor<BudgetCounters> = {
  name: "budgets",
  reads: (_orgId, items, lit) => {
    // Budget counters are keyed by core's hashes (`bud_` + hex).
    const keys = [...new Set(items.flatMap((i) => i.budget?.scopes.map((s) => s.key) ?? []))];
    return keys.length === 0
      ? []
      : [
          `SELECT key, spent_tokens::float8 AS st, spent_micros::float8 AS sm, reserved_tokens::float8 AS rt, reserved_micros::float8 AS rm, alerted_ratio AS ar, exceeded_alerted AS ea FROM budget_counters WHERE key IN (${keys.map(lit).join(", ")})`,
        ];
  },
  load: ([rows]) => {
    const read = (rows as pg.QueryResult<{ key: string; st: number; sm: number; rt: number; rm: number; ar: number; ea: boolean }> | undefined)?.rows ?? [];
    return {
      counts: new Map(read.map((r) => [r.key, { spentTokens: r.st, spentMicros: r.sm, reservedTokens: r.rt, reservedMicros: r.rm }])),
      alerted: new Map(read.map((r) => [r.key, { ratio: r.ar, exceeded: r.ea }])),
    };
  },
  check: ({ counts, alerted }, item, facts) => {
    if (!item.budget || item.budget.scopes.length === 0 || facts.halted) return;
    const counterOf = (key: string) => counts.get(key) ?? EMPTY_COUNTER;
    const verdict = checkBudgets(item.budget.scopes, counterOf, item.budget.cost);
    const alerts = budgetAlerts(item.budget.scopes, counterOf, (key) => alerted.get(key) ?? NOT_ALERTED, item.budget.cost, verdict.verdict);
    facts.budget = alerts.length > 0 ? { ...verdict, alerts } : verdict;
  },
  apply: ({ counts, alerted }, rows) => {
    if (rows.reservation) reserve(counts, rows.reservation);
    for (const alert of rows.budgetAlerts ?? []) alerted.set(alert.key, alertedAfter(alerted.get(alert.key) ?? NOT_ALERTED, alert));
  },
  writes: (orgId, decided, createdAt, outcomes) => reservationsInsert(orgId, decided, createdAt, outcomes),
};

/**
 * Standing grants (docs/approvals.md): the candidates read before the batch are re-read under the lock
 * (revoked, expired, used up, or the giver removed or given another role since: none covers), the
 * first still valid covers the call, and a use is taken only for a call the batch records and does
 * not deny — a call found halted at commit keeps the grant's uses.
 */
const grants: Contributor<Map<string, { uses: number; max: number; open: boolean; expiresAt: Date; role: string | null }>> = {
  name: "grants",
  reads: (orgId, items, lit) => {
    const ids = [...new Set(items.flatMap((i) => i.grant?.candidates.map((c) => c.id) ?? []))];
    return ids.length === 0
      ? []
      : [
          `SELECT s.id, s.uses, s.max_uses, s.revoked_at IS NULL AS open, s.expires_at, CASE WHEN m.removed_at IS NULL THEN m.role::text END AS role
           FROM standing_grants s JOIN memberships m ON m.id = s.created_by WHERE s.org_id = ${lit(orgId)} AND s.id IN (${ids.map(lit).join(", ")})`,
        ];
  },
  load: ([rows]) =>
    new Map(
      ((rows as pg.QueryResult<{ id: string; uses: number; max_uses: number; open: boolean; expires_at: Date; role: string | null }> | undefined)?.rows ?? []).map((r) => [
        r.id,
        { uses: r.uses, max: r.max_uses, open: r.open, expiresAt: r.expires_at, role: r.role },
      ]),
    ),
  check: (state, item, facts) => {
    if (!item.grant) return;
    const at = item.grant.at.getTime();
    const found = item.grant.candidates.find((c) => {
      const row = state.get(c.id);
      return row !== undefined && row.open && row.expiresAt.getTime() > at && row.role === c.role && row.uses < row.max;
    });
    const row = found ? state.get(found.id) : undefined;
    facts.grant = found && row ? { id: found.id, expiresAt: row.expiresAt.toISOString(), usesLeft: row.max - row.uses - 1 } : null;
  },
  apply: (state, rows) => {
    const row = rows.result?.grant && rows.result.status !== "denied" ? state.get(rows.result.grant.id) : undefined;
    if (row) row.uses += 1;
  },
  writes: (orgId, decided) => {
    const uses = new Map<string, number>();
    for (const { result } of decided) if (result.grant && result.status !== "denied") uses.set(result.grant.id, (uses.get(result.grant.id) ?? 0) + 1);
    if (uses.size === 0) return [];
    return [
      (bind) => `grant_uses AS (
    UPDATE standing_grants s SET uses = s.uses + x.n
    FROM jsonb_to_recordset(${bind(JSON.stringify([...uses].map(([id, n]) => ({ id, n }))))}::jsonb) AS x(id text, n int)
    WHERE s.id = x.id AND s.org_id = ${bind(orgId)}
  )`,
    ];
  },
};

/** Runs (docs/runs.md): created by the batch's statement if new, touched if not. */
const runs: Contributor<null> = {
  name: "runs",
  reads: () => [],
  load: () => null,
  writes: (orgId, decided, createdAt, outcomes) => runsUpsert(orgId, decided, createdAt, outcomes),
};

/** The approvals the batch's decisions open. */
const approvals: Contributor<null> = {
  name: "approvals",
  reads: () => [],
  load: () => null,
  writes: (orgId, decided, createdAt) => approvalsInsert(orgId, decided, createdAt),
};

/** Every capability's part in the group commit, in the order their checks run (a halt before the budgets). */
export const CONTRIBUTORS: readonly RegisteredContributor[] = [
  register(closedOrg),
  register(agentStates),
  register(grants),
  register(budgets),
  register(runs),
  register(approvals),
];

/** Every contributor's reads for a batch's items of both kinds (what they read by is inlined with `lit`: ids this service generated and core's budget keys). */
export function contributorReads(orgId: string, items: readonly CommitSubject[], lit: (value: string) => string): string[][] {
  return CONTRIBUTORS.map((c) => c.reads(orgId, items, lit));
}

/** Every contributor opened for a batch (from what its reads returned, for the same items): checked and applied in registration order. */
export function openContributors(results: readonly pg.QueryResult[][], items: readonly CommitSubject[]): OpenContributor {
  const states = CONTRIBUTORS.map((c, i) => c.open(results[i] ?? [], items));
  return {
    check: (item, facts) => {
      for (const state of states) state.check(item, facts);
    },
    apply: (rows) => {
      for (const state of states) state.apply(rows);
    },
  };
}

/**
 * The runs the batch's decisions name (none, or one CTE, before the actions that reference them):
 * a new run is created with the name its first call gave; a known one takes the later activity and
 * the counts, and a call naming a run its agent ended picks it up again (docs/runs.md).
 */
function runsUpsert(orgId: string, actions: readonly Decided[], createdAt: Date, outcomes: OutcomeDeltas): Array<(bind: Bind) => string> {
  const runs = new Map<
    string,
    { id: string; root_agent_id: string; agent_id: string; key: string; name: string | null; executed: number; denied: number; requested: number; t: number; m: number }
  >();
  for (const { item, result } of actions) {
    if (!item.run) continue;
    const run = runs.get(item.run.id) ?? {
      id: item.run.id,
      root_agent_id: item.run.rootAgentId,
      agent_id: item.agentId,
      key: item.run.key,
      name: null,
      executed: 0,
      denied: 0,
      requested: 0,
      t: 0,
      m: 0,
    };
    run.name ??= item.run.name ?? null;
    run[result.status] += 1;
    runs.set(run.id, run);
  }
  if (runs.size === 0) return [];
  // The spend the batch's outcomes add to a run its decisions also touch, in the same row (a row is changed once per statement).
  for (const run of runs.values()) {
    const spent = outcomes.runs.get(run.id);
    if (!spent) continue;
    run.t = spent.tokens;
    run.m = spent.micros;
    outcomes.runs.delete(run.id);
  }
  return [
    (bind) => `runs_touched AS (
    INSERT INTO runs AS r (id, org_id, root_agent_id, agent_id, key, name, status, started_at, last_activity_at, decisions, executed, denied, requested, spent_tokens, spent_micros)
    SELECT x.id, ${bind(orgId)}, x.root_agent_id, x.agent_id, x.key, x.name, 'running', ${bind(createdAt)}::timestamptz, ${bind(createdAt)}::timestamptz, x.executed + x.denied + x.requested, x.executed, x.denied, x.requested, x.t, x.m
    FROM jsonb_to_recordset(${bind(JSON.stringify([...runs.values()]))}::jsonb)
      AS x(id text, root_agent_id text, agent_id text, key text, name text, executed int, denied int, requested int, t bigint, m bigint)
    ON CONFLICT (id) DO UPDATE SET
      name = COALESCE(r.name, EXCLUDED.name),
      status = 'running',
      ended_at = NULL,
      last_activity_at = GREATEST(r.last_activity_at, EXCLUDED.last_activity_at),
      decisions = r.decisions + EXCLUDED.decisions,
      executed = r.executed + EXCLUDED.executed,
      denied = r.denied + EXCLUDED.denied,
      requested = r.requested + EXCLUDED.requested,
      spent_tokens = r.spent_tokens + EXCLUDED.spent_tokens,
      spent_micros = r.spent_micros + EXCLUDED.spent_micros
  )`,
  ];
}

/** The approvals the batch opens (none, or one CTE); their role and member lists travel as JSON. */
function approvalsInsert(orgId: string, actions: readonly Decided[], createdAt: Date): Array<(bind: Bind) => string> {
  const rows = actions.flatMap(({ m, item }) =>
    m.approval
      ? [
          {
            id: m.approval.id,
            action_id: m.actionId,
            agent_id: item.agentId,
            policy_version_id: m.approval.policyVersionId,
            request_hash: item.requestHash,
            quorum: m.approval.quorum,
            approver_roles: m.approval.approverRoles,
            approver_member_ids: m.approval.approverMemberIds,
            exclude_agent_owner: m.approval.excludeAgentOwner,
            requested_by: m.approval.requestedBy,
            requester_ref: m.approval.requesterRef,
            system: m.approval.system === true,
            expires_at: m.approval.expiresAt,
            trace_context: item.traceparent ?? null,
          },
        ]
      : [],
  );
  if (rows.length === 0) return [];
  return [
    (bind) => `approvals AS (
    INSERT INTO approvals (id, org_id, action_id, agent_id, policy_version_id, request_hash, status, quorum, approver_roles, approver_member_ids, exclude_agent_owner, requested_by, requester_ref, system, expires_at, trace_context, created_at, updated_at)
    SELECT r.id, ${bind(orgId)}, r.action_id, r.agent_id, r.policy_version_id, r.request_hash, 'pending', r.quorum, r.approver_roles::member_role[], r.approver_member_ids, r.exclude_agent_owner, r.requested_by, r.requester_ref, r.system, r.expires_at, r.trace_context, ${bind(createdAt)}::timestamptz, ${bind(createdAt)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify(rows))}::jsonb)
      AS r(id text, action_id text, agent_id text, policy_version_id text, request_hash text, quorum int, approver_roles text[], approver_member_ids text[], exclude_agent_owner boolean, requested_by text, requester_ref text, system boolean, expires_at timestamptz, trace_context text)
  )`,
  ];
}

/** Adds a reservation to the in-memory counters the batch's next items are checked against. */
function reserve(counters: Map<string, BudgetCounter>, reservation: PendingReservation): void {
  for (const scope of reservation.scopes) {
    const counter = counters.get(scope.key) ?? { ...EMPTY_COUNTER };
    counters.set(scope.key, { ...counter, reservedTokens: counter.reservedTokens + reservation.tokens, reservedMicros: counter.reservedMicros + reservation.micros });
  }
}

/**
 * The batch's reservations and budget alerts (none, or up to two CTEs): one row per reserving decision, and
 * each counter they touch raised by their sum, with what its window has alerted (one row per counter: an
 * upsert may touch a row once per statement).
 */
function reservationsInsert(orgId: string, actions: readonly Decided[], createdAt: Date, outcomes: OutcomeDeltas): Array<(bind: Bind) => string> {
  const rows = actions.flatMap(({ m, item }) =>
    m.reservation
      ? [
          {
            action_id: m.actionId,
            agent_id: item.agentId,
            keys: m.reservation.scopes.map((s) => s.key),
            model: m.reservation.model,
            price: m.reservation.price ?? null,
            tokens: m.reservation.tokens,
            micros: m.reservation.micros,
            deadline: m.reservation.deadline,
          },
        ]
      : [],
  );
  /** A counter's row as the batch writes it: its budget's identity, what the batch reserves on it, and what it alerted. */
  type CounterRow = Pick<BudgetScope, "key" | "name" | "policy" | "per" | "period" | "subject"> & {
    model: string | null;
    tokens: number;
    micros: number;
    spent_tokens: number;
    spent_micros: number;
    alerted_ratio: number;
    exceeded_alerted: boolean;
  };
  const byKey = new Map<string, CounterRow>();
  const counterRow = (scope: Pick<BudgetScope, "key" | "name" | "policy" | "per" | "period" | "subject" | "model">): CounterRow => {
    const row = byKey.get(scope.key) ?? {
      key: scope.key,
      name: scope.name,
      policy: scope.policy,
      per: scope.per,
      period: scope.period,
      subject: scope.subject,
      model: scope.model ?? null,
      tokens: 0,
      micros: 0,
      spent_tokens: 0,
      spent_micros: 0,
      alerted_ratio: 0,
      exceeded_alerted: false,
    };
    byKey.set(scope.key, row);
    return row;
  };
  for (const { m, item } of actions) {
    if (m.reservation) {
      for (const scope of m.reservation.scopes) {
        const row = counterRow(scope);
        row.tokens += m.reservation.tokens;
        row.micros += m.reservation.micros;
      }
    }
    for (const alert of m.budgetAlerts) {
      const scope = item.budget?.scopes.find((s) => s.key === alert.key);
      if (!scope) continue;
      const row = counterRow(scope);
      if (alert.kind === "threshold") row.alerted_ratio = Math.max(row.alerted_ratio, alert.threshold);
      else row.exceeded_alerted = true;
    }
  }
  // What the batch's outcomes settle on a counter its decisions also write, in the same row (a row is changed once per statement).
  for (const row of byKey.values()) {
    const settled = outcomes.counters.get(row.key);
    if (!settled) continue;
    row.tokens += settled.reservedTokens;
    row.micros += settled.reservedMicros;
    row.spent_tokens += settled.spentTokens;
    row.spent_micros += settled.spentMicros;
    outcomes.counters.delete(row.key);
  }
  const writes: Array<(bind: Bind) => string> = [];
  if (rows.length > 0) {
    writes.push(
      (bind) => `reservations AS (
    INSERT INTO budget_reservations (action_id, org_id, agent_id, keys, model, price, tokens, micros, status, deadline, created_at)
    SELECT r.action_id, ${bind(orgId)}, r.agent_id, r.keys, r.model, r.price, r.tokens, r.micros, 'reserved', r.deadline, ${bind(createdAt)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify(rows))}::jsonb)
      AS r(action_id text, agent_id text, keys text[], model text, price jsonb, tokens bigint, micros bigint, deadline timestamptz)
  )`,
    );
  }
  if (byKey.size > 0) {
    writes.push(
      (bind) => `counters AS (
    INSERT INTO budget_counters AS c (key, org_id, name, policy, per, period, subject, model, reserved_tokens, reserved_micros, spent_tokens, spent_micros, alerted_ratio, exceeded_alerted, updated_at)
    SELECT x.key, ${bind(orgId)}, x.name, x.policy, x.per, x.period, x.subject, x.model, x.tokens, x.micros, x.spent_tokens, x.spent_micros, x.alerted_ratio, x.exceeded_alerted, ${bind(createdAt)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify([...byKey.values()]))}::jsonb)
      AS x(key text, name text, policy text, per text, period text, subject text, model text, tokens bigint, micros bigint, spent_tokens bigint, spent_micros bigint, alerted_ratio float8, exceeded_alerted boolean)
    ON CONFLICT (key) DO UPDATE SET
      reserved_tokens = c.reserved_tokens + EXCLUDED.reserved_tokens,
      reserved_micros = c.reserved_micros + EXCLUDED.reserved_micros,
      spent_tokens = c.spent_tokens + EXCLUDED.spent_tokens,
      spent_micros = c.spent_micros + EXCLUDED.spent_micros,
      alerted_ratio = GREATEST(c.alerted_ratio, EXCLUDED.alerted_ratio),
      exceeded_alerted = c.exceeded_alerted OR EXCLUDED.exceeded_alerted,
      updated_at = EXCLUDED.updated_at
  )`,
    );
  }
  return writes;
}
