import {
  checkBudgets,
  conflict,
  describeResult,
  EMPTY_COUNTER,
  newId,
  sealAuditEntry,
  validationError,
  type ActionResult,
  type AuditEntryInput,
  type BudgetCost,
  type BudgetCounter,
  type BudgetScope,
  type BudgetVerdict,
  type SealedAuditEntry,
} from "@gatehouse/core";
import pg from "pg";
import { appendStatement, extendTree, logHead, type Bind, type HeadRow, type Query } from "../audit/log-store";
import { db } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { orgClosedKey } from "../keys/authenticate-api-key";
import { unstorableText } from "./storable";

const { DatabaseError } = pg;

/**
 * Group commit for decisions. Decisions for one org queue here; while one transaction is in flight
 * the next batch gathers, so under load many decisions share one commit. Each batch, in one
 * transaction under the org's log-head lock (the same lock every other audit append takes), in three
 * round trips (BEGIN + lock + agents + budget counters; the one write statement; COMMIT), four with idempotency keys:
 *  - re-reads the agents' status, so a halt committed before the batch wins over a cached "active";
 *  - checks each decision's budgets against the counters as committed plus every earlier reservation
 *    of the batch (the lock orders every decision of the org, on every process), and reserves;
 *  - resolves idempotency keys against committed actions and within the batch (no race: every
 *    action insert of the org happens under this lock);
 *  - appends the audit entries with consecutive sequence numbers, chain hashes and the Merkle
 *    nodes they complete, advances the head (one statement), inserts the actions and approvals.
 * No caller's promise resolves before its batch has committed.
 *
 * One request cannot fail its batch-mates: an item whose rows cannot be built, or hold text
 * PostgreSQL refuses (a NUL, an unpaired surrogate), fails alone before the statement; if PostgreSQL
 * still refuses the batch's write, it is bisected (`commitIsolating`) until the refused items stand
 * alone. Only a database that cannot be reached (or an error before the write) fails the batch.
 */
export interface PendingDecision {
  orgId: string;
  agentId: string;
  /** Other agents whose halt denies this decision (a delegate's ancestors; a revoked delegate is itself halted). */
  gateAgentIds?: readonly string[];
  eventId: string | undefined;
  requestHash: string;
  /** The run the call names (docs/runs.md): created by this batch's statement if it is new, touched if not. */
  run?: PendingRun;
  /** The budgets the call is held to and what it would add (docs/budgets.md): checked under the lock. */
  budget?: { scopes: BudgetScope[]; cost: BudgetCost };
  /**
   * Builds the final rows; `halted` is true when the agent (or one of `gateAgentIds`) turned out halted
   * at commit time; `budget` is the budgets' verdict, for a call that has some.
   */
  materialize: (halted: boolean, budget?: BudgetVerdict) => Materialized;
}

/** What a decision reserves (set by materialize when the call is not denied and budgets apply). */
export interface PendingReservation {
  scopes: BudgetScope[];
  tokens: number;
  micros: number;
  model: string | null;
  price: unknown;
  deadline: Date;
}

export interface PendingRun {
  /** core's runIdOf(org, root agent, key). */
  id: string;
  key: string;
  rootAgentId: string;
  name: string | undefined;
}

export interface Materialized {
  actionId: string;
  result: Omit<ActionResult, "auditEventId">;
  entry: AuditEntryInput;
  action: {
    actionType: string;
    metadata: unknown;
    dataAccessed: unknown;
    status: "executed" | "requested" | "denied";
    denialReason: string | null;
    policyName: string | null;
    policyVersionId: string | null;
    mode: string;
  };
  approval?: {
    id: string;
    policyVersionId: string | null;
    quorum: number;
    approverRoles: string[];
    approverMemberIds: string[];
    excludeAgentOwner: boolean;
    /** The requester as people are shown them (screened like the metadata it came from). */
    requestedBy: string | null;
    /** The requester as the call named them, which separation of duties reads (never rewritten). */
    requesterRef: string | null;
    /** Gatehouse's own action under the two-admin rule. */
    system?: boolean;
    expiresAt: Date;
  };
  reservation?: PendingReservation;
}

export interface Committed {
  result: ActionResult;
  /** False when an earlier call with the same eventId answered instead. */
  fresh: boolean;
}

interface Waiter {
  item: PendingDecision;
  resolve: (value: Committed) => void;
  reject: (error: unknown) => void;
}

export const MAX_BATCH = 256;
const queues = new Map<string, { waiting: Waiter[]; running: boolean }>();

export function commitDecision(item: PendingDecision): Promise<Committed> {
  return new Promise((resolve, reject) => {
    let queue = queues.get(item.orgId);
    if (!queue) {
      queue = { waiting: [], running: false };
      queues.set(item.orgId, queue);
    }
    queue.waiting.push({ item, resolve, reject });
    if (!queue.running) void drain(item.orgId, queue);
  });
}

async function drain(orgId: string, queue: { waiting: Waiter[]; running: boolean }): Promise<void> {
  queue.running = true;
  try {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, MAX_BATCH);
      const outcomes = await commitIsolating(
        orgId,
        batch.map((w) => w.item),
      );
      // Event streams read the log on this hint; fire and forget (observation, time-bounded).
      if (outcomes.some((o) => !(o instanceof Error))) void publishAfterCommit({ type: "audit.appended", orgId });
      batch.forEach((waiter, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) waiter.reject(outcome);
        else if (outcome) waiter.resolve(outcome);
        else waiter.reject(new Error("decision batch lost an item"));
      });
    }
  } finally {
    queue.running = false;
    if (queue.waiting.length === 0) queues.delete(orgId);
  }
}

/**
 * Commits `items` in one transaction; when PostgreSQL refuses its write (the one statement, or the
 * commit) for something other than being unreachable, each half is committed on its own,
 * recursively, so a refused request costs O(log n) more transactions and fails alone. A rolled-back
 * attempt left nothing: each retry reads the head, the agents and the idempotency keys anew and
 * materializes its items afresh (new ids). Any other error (the database unreachable, or failing
 * before the write — the lock, the reads — which is about no item) fails the items not yet committed;
 * halves committed before it keep their answers.
 */
async function commitIsolating(orgId: string, items: PendingDecision[], state: { down?: Error } = {}): Promise<Array<Committed | Error>> {
  if (state.down) return items.map(() => state.down as Error);
  try {
    return await writeBatch(orgId, items);
  } catch (thrown) {
    if (!(thrown instanceof RefusedWrite)) {
      state.down = thrown instanceof Error ? thrown : new Error(String(thrown));
      return items.map(() => state.down as Error);
    }
    if (items.length === 1) return [refusal(thrown.cause)];
    const half = Math.ceil(items.length / 2);
    const first = await commitIsolating(orgId, items.slice(0, half), state);
    const second = await commitIsolating(orgId, items.slice(half), state);
    return [...first, ...second];
  }
}

/**
 * SQLSTATE classes that say the database is not there to take the write (connection lost, server
 * shutting down, out of resources, statement cancelled, lock not available): retrying part of the
 * batch cannot help.
 */
const UNAVAILABLE_CLASSES = new Set(["08", "53", "55", "57", "58"]);

/** PostgreSQL refused the batch's write (its statement or its commit), which its items' rows may have caused. */
class RefusedWrite extends Error {
  override readonly cause: pg.DatabaseError;
  constructor(cause: pg.DatabaseError) {
    super(cause.message);
    this.cause = cause;
  }
}

/**
 * Whether PostgreSQL answered and refused the statement (a data or constraint error, anything with a
 * SQLSTATE outside the unavailable classes). Errors without one (network, pool timeout, a closed
 * pool) mean the database could not be reached.
 */
function refusedByDatabase(error: unknown): error is pg.DatabaseError {
  return error instanceof DatabaseError && typeof error.code === "string" && !UNAVAILABLE_CLASSES.has(error.code.slice(0, 2));
}

/** Rethrows an error of the write: as a RefusedWrite when PostgreSQL refused it (then the batch is bisected). */
function refusedWrite(error: unknown): never {
  throw refusedByDatabase(error) ? new RefusedWrite(error) : error;
}

/** What the caller of a request refused on its own hears: its content (class 22, data exception) is a validation error. */
function refusal(error: pg.DatabaseError): Error {
  if (error.code?.startsWith("22")) return validationError([{ path: "body", message: `the request holds content the database cannot store (${error.message})` }]);
  return error;
}

const ACTION_COLUMNS = `(id, org_id, agent_id, action_type, metadata, data_accessed, status, denial_reason, policy_name, policy_version_id, mode, result, idempotency_key, request_hash, audit_entry_id, run_id, created_at)`;

async function writeBatch(orgId: string, items: PendingDecision[]): Promise<Array<Committed | Error>> {
  const client: pg.PoolClient = await db().pool.connect();
  let broken = false;
  // A connection lost while checked out is reported as a client 'error' event (the pool listens only
  // to idle clients): without a listener it would bring the process down. The failed query answers.
  const lost = () => {
    broken = true;
  };
  client.on("error", lost);
  try {
    const query: Query = async <R>(text: string, values: unknown[]) => (await client.query(text, values)).rows as R[];
    // BEGIN, the log-head lock, the agents' status and whether the org is closed in one round trip. Several statements in one
    // message need the simple protocol, so the two kinds of id are inlined as quoted literals: both
    // are ids this service generated (org and agent of an authenticated key), never request text.
    const agentIds = [...new Set(items.flatMap((i) => [i.agentId, ...(i.gateAgentIds ?? [])]))];
    // Budget counters are keyed by core's hashes (`bud_` + hex): inlined like the ids, never request text.
    const budgetKeys = [...new Set(items.flatMap((i) => i.budget?.scopes.map((s) => s.key) ?? []))];
    const lit = (value: string) => client.escapeLiteral(value);
    const opened = (await client.query(
      `BEGIN; SELECT size, chain_hash, frontier FROM audit_log_heads WHERE org_id = ${lit(orgId)} FOR UPDATE; SELECT id, status FROM agents WHERE org_id = ${lit(orgId)} AND id IN (${agentIds.map(lit).join(", ")}); SELECT closed_at IS NOT NULL AS closed FROM orgs WHERE id = ${lit(orgId)}${
        budgetKeys.length > 0
          ? `; SELECT key, spent_tokens::float8 AS st, spent_micros::float8 AS sm, reserved_tokens::float8 AS rt, reserved_micros::float8 AS rm FROM budget_counters WHERE key IN (${budgetKeys.map(lit).join(", ")})`
          : ""
      }`,
    )) as unknown as [
      pg.QueryResult,
      pg.QueryResult<HeadRow>,
      pg.QueryResult<{ id: string; status: string }>,
      pg.QueryResult<{ closed: boolean }>,
      pg.QueryResult<{ key: string; st: number; sm: number; rt: number; rm: number }>?,
    ];
    // A closed org's log takes no more entries: a key verified before the closing (another
    // instance's cached copy, within its TTL) gets the answer its next verification would give.
    // Read after the lock, in a statement of its own, so a closing that committed meanwhile is seen.
    if (opened[3].rows[0]?.closed) throw orgClosedKey();
    const head = await logHead(query, orgId, opened[1].rows[0]);
    const halted = new Set(opened[2].rows.filter((a) => a.status === "halted").map((a) => a.id));
    // The counters as committed; each reservation of the batch is added as it is made, so the next
    // item is checked against it (a ledger that cannot be read fails the batch: closed).
    const counters = new Map<string, BudgetCounter>(
      (opened[4]?.rows ?? []).map((r) => [r.key, { spentTokens: r.st, spentMicros: r.sm, reservedTokens: r.rt, reservedMicros: r.rm }]),
    );
    const counterOf = (key: string) => counters.get(key) ?? EMPTY_COUNTER;

    const keyed = items.filter((i) => i.eventId);
    const known = new Map<string, { requestHash: string; result: ActionResult }>();
    if (keyed.length > 0) {
      const previous = await client.query<{ agent_id: string; idempotency_key: string; request_hash: string; result: ActionResult }>(
        `SELECT agent_id, idempotency_key, request_hash, result FROM actions WHERE agent_id = ANY($1::text[]) AND idempotency_key = ANY($2::text[])`,
        [[...new Set(keyed.map((i) => i.agentId))], [...new Set(keyed.map((i) => i.eventId as string))]],
      );
      // The stored result may have been settled by an approval since: its sentence is written anew.
      for (const p of previous.rows)
        known.set(`${p.agent_id}\u0000${p.idempotency_key}`, { requestHash: p.request_hash, result: { ...p.result, message: describeResult(p.result) } });
    }

    let seq = head.size;
    let previousChain = head.chainHash;
    const createdAt = new Date();
    const outcomes: Array<Committed | Error> = [];
    const entries: SealedAuditEntry[] = [];
    const actions: Array<{ m: Materialized; item: PendingDecision; result: ActionResult; entryId: string }> = [];
    for (const item of items) {
      const key = item.eventId ? `${item.agentId}\u0000${item.eventId}` : undefined;
      const seen = key ? known.get(key) : undefined;
      if (seen) {
        outcomes.push(
          seen.requestHash === item.requestHash
            ? { result: seen.result, fresh: false }
            : conflict(`eventId '${item.eventId}' was already used for a different request`, { eventId: item.eventId }),
        );
        continue;
      }
      // One item's rows that cannot be built or stored fail that item alone, before the statement.
      let m: Materialized;
      let sealed: SealedAuditEntry;
      try {
        const isHalted = halted.has(item.agentId) || (item.gateAgentIds?.some((id) => halted.has(id)) ?? false);
        const verdict = item.budget && item.budget.scopes.length > 0 && !isHalted ? checkBudgets(item.budget.scopes, counterOf, item.budget.cost) : undefined;
        m = item.materialize(isHalted, verdict);
        const issue = unstorableText({ entry: m.entry, action: m.action, approval: m.approval, result: m.result, eventId: item.eventId }, "decision");
        if (issue) throw validationError([issue]);
        sealed = sealAuditEntry({ id: newId("audit"), orgId, seq, previousChainHash: previousChain, createdAt, entry: m.entry });
      } catch (error) {
        outcomes.push(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      seq += 1;
      previousChain = sealed.chainHash;
      entries.push(sealed);
      if (m.reservation) reserve(counters, m.reservation);
      const result: ActionResult = { ...m.result, auditEventId: sealed.id };
      actions.push({ m, item, result, entryId: sealed.id });
      if (key) known.set(key, { requestHash: item.requestHash, result });
      outcomes.push({ result, fresh: true });
    }

    if (entries.length > 0) {
      // Entries, tree nodes, head, actions and approvals: one statement.
      const statement = appendStatement(orgId, extendTree(head, entries), [
        ...runsUpsert(orgId, actions, createdAt),
        (bind) => actionsInsert(bind, orgId, actions, createdAt),
        ...approvalsInsert(orgId, actions, createdAt),
        ...reservationsInsert(orgId, actions, createdAt),
      ]);
      await client.query(statement.text, statement.values).catch(refusedWrite);
    }
    await client.query("COMMIT").catch(refusedWrite);
    return outcomes;
  } catch (error) {
    // A connection that cannot even roll back is not returned to the pool.
    broken = await client.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    throw error;
  } finally {
    // A broken client keeps the listener: it is discarded, and may still report its end.
    if (!broken) client.removeListener("error", lost);
    client.release(broken);
  }
}

type Decided = { m: Materialized; item: PendingDecision; result: ActionResult; entryId: string };

function actionsInsert(bind: Bind, orgId: string, actions: Decided[], createdAt: Date): string {
  const column = (values: unknown[], type: string) => `${bind(values)}::${type}[]`;
  return `actions AS (
    INSERT INTO actions ${ACTION_COLUMNS}
    SELECT a, ${bind(orgId)}, ag, t, md, da, st::action_status, dr, pn, pv, mo, re, ik, rh, ae, ru, ${bind(createdAt)}::timestamptz
    FROM unnest(${[
      column(
        actions.map((a) => a.m.actionId),
        "text",
      ),
      column(
        actions.map((a) => a.item.agentId),
        "text",
      ),
      column(
        actions.map((a) => a.m.action.actionType),
        "text",
      ),
      column(
        actions.map((a) => JSON.stringify(a.m.action.metadata)),
        "jsonb",
      ),
      column(
        actions.map((a) => JSON.stringify(a.m.action.dataAccessed)),
        "jsonb",
      ),
      column(
        actions.map((a) => a.m.action.status),
        "text",
      ),
      column(
        actions.map((a) => a.m.action.denialReason),
        "text",
      ),
      column(
        actions.map((a) => a.m.action.policyName),
        "text",
      ),
      column(
        actions.map((a) => a.m.action.policyVersionId),
        "text",
      ),
      column(
        actions.map((a) => a.m.action.mode),
        "text",
      ),
      column(
        actions.map((a) => JSON.stringify(a.result)),
        "jsonb",
      ),
      column(
        actions.map((a) => a.item.eventId ?? null),
        "text",
      ),
      column(
        actions.map((a) => a.item.requestHash),
        "text",
      ),
      column(
        actions.map((a) => a.entryId),
        "text",
      ),
      column(
        actions.map((a) => a.item.run?.id ?? null),
        "text",
      ),
    ].join(", ")}) AS x(a, ag, t, md, da, st, dr, pn, pv, mo, re, ik, rh, ae, ru)
  )`;
}

/**
 * The runs the batch's decisions name (none, or one CTE, before the actions that reference them):
 * a new run is created with the name its first call gave; a known one takes the later activity and
 * the counts, and a call naming a run its agent ended picks it up again (docs/runs.md).
 */
function runsUpsert(orgId: string, actions: Decided[], createdAt: Date): Array<(bind: Bind) => string> {
  const runs = new Map<string, { id: string; root_agent_id: string; agent_id: string; key: string; name: string | null; executed: number; denied: number; requested: number }>();
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
    };
    run.name ??= item.run.name ?? null;
    run[result.status] += 1;
    runs.set(run.id, run);
  }
  if (runs.size === 0) return [];
  return [
    (bind) => `runs_touched AS (
    INSERT INTO runs AS r (id, org_id, root_agent_id, agent_id, key, name, status, started_at, last_activity_at, decisions, executed, denied, requested)
    SELECT x.id, ${bind(orgId)}, x.root_agent_id, x.agent_id, x.key, x.name, 'running', ${bind(createdAt)}::timestamptz, ${bind(createdAt)}::timestamptz, x.executed + x.denied + x.requested, x.executed, x.denied, x.requested
    FROM jsonb_to_recordset(${bind(JSON.stringify([...runs.values()]))}::jsonb)
      AS x(id text, root_agent_id text, agent_id text, key text, name text, executed int, denied int, requested int)
    ON CONFLICT (id) DO UPDATE SET
      name = COALESCE(r.name, EXCLUDED.name),
      status = 'running',
      ended_at = NULL,
      last_activity_at = GREATEST(r.last_activity_at, EXCLUDED.last_activity_at),
      decisions = r.decisions + EXCLUDED.decisions,
      executed = r.executed + EXCLUDED.executed,
      denied = r.denied + EXCLUDED.denied,
      requested = r.requested + EXCLUDED.requested
  )`,
  ];
}

/** The approvals the batch opens (none, or one CTE); their role and member lists travel as JSON. */
function approvalsInsert(orgId: string, actions: Decided[], createdAt: Date): Array<(bind: Bind) => string> {
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
          },
        ]
      : [],
  );
  if (rows.length === 0) return [];
  return [
    (bind) => `approvals AS (
    INSERT INTO approvals (id, org_id, action_id, agent_id, policy_version_id, request_hash, status, quorum, approver_roles, approver_member_ids, exclude_agent_owner, requested_by, requester_ref, system, expires_at, created_at, updated_at)
    SELECT r.id, ${bind(orgId)}, r.action_id, r.agent_id, r.policy_version_id, r.request_hash, 'pending', r.quorum, r.approver_roles::member_role[], r.approver_member_ids, r.exclude_agent_owner, r.requested_by, r.requester_ref, r.system, r.expires_at, ${bind(createdAt)}::timestamptz, ${bind(createdAt)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify(rows))}::jsonb)
      AS r(id text, action_id text, agent_id text, policy_version_id text, request_hash text, quorum int, approver_roles text[], approver_member_ids text[], exclude_agent_owner boolean, requested_by text, requester_ref text, system boolean, expires_at timestamptz)
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
 * The batch's reservations (none, or two CTEs): one row per reserving decision, and each counter they
 * touch raised by their sum (one row per counter: an upsert may touch a row once per statement).
 */
function reservationsInsert(orgId: string, actions: Decided[], createdAt: Date): Array<(bind: Bind) => string> {
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
  if (rows.length === 0) return [];
  const byKey = new Map<
    string,
    { key: string; name: string; policy: string; per: string; period: string; subject: string | null; model: string | null; tokens: number; micros: number }
  >();
  for (const { m } of actions) {
    if (!m.reservation) continue;
    for (const scope of m.reservation.scopes) {
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
      };
      row.tokens += m.reservation.tokens;
      row.micros += m.reservation.micros;
      byKey.set(scope.key, row);
    }
  }
  return [
    (bind) => `reservations AS (
    INSERT INTO budget_reservations (action_id, org_id, agent_id, keys, model, price, tokens, micros, status, deadline, created_at)
    SELECT r.action_id, ${bind(orgId)}, r.agent_id, r.keys, r.model, r.price, r.tokens, r.micros, 'reserved', r.deadline, ${bind(createdAt)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify(rows))}::jsonb)
      AS r(action_id text, agent_id text, keys text[], model text, price jsonb, tokens bigint, micros bigint, deadline timestamptz)
  )`,
    (bind) => `counters AS (
    INSERT INTO budget_counters AS c (key, org_id, name, policy, per, period, subject, model, reserved_tokens, reserved_micros, updated_at)
    SELECT x.key, ${bind(orgId)}, x.name, x.policy, x.per, x.period, x.subject, x.model, x.tokens, x.micros, ${bind(createdAt)}::timestamptz
    FROM jsonb_to_recordset(${bind(JSON.stringify([...byKey.values()]))}::jsonb)
      AS x(key text, name text, policy text, per text, period text, subject text, model text, tokens bigint, micros bigint)
    ON CONFLICT (key) DO UPDATE SET
      reserved_tokens = c.reserved_tokens + EXCLUDED.reserved_tokens,
      reserved_micros = c.reserved_micros + EXCLUDED.reserved_micros,
      updated_at = EXCLUDED.updated_at
  )`,
  ];
}
