import {
  conflict,
  describeResult,
  isUnevaluatedRequestHash,
  newId,
  sealAuditEntry,
  validationError,
  type ActionResult,
  type SealedAuditEntry,
  type SystemHalt,
  type BreakerTransition,
} from "@gatehouse/core";
import { createHash } from "node:crypto";
import pg from "pg";
import { recordAuditAppendMetric } from "../infra/metrics";
import { meters } from "../infra/telemetry";
import { appendStatement, extendTree, lockHeadStatement, logHead, type Bind, type HeadRow, type Query } from "../audit/log-store";
import { db } from "../infra/client";
import { dbEnv } from "../infra/env";
import { wentSilent } from "../infra/db-errors";
import { notifyAfterCommit } from "../infra/signals";
import { unstorableText } from "./storable";
import { checkDecisionAnswer, checkOutcomeAnswer } from "./answer-check";
import { CONTRIBUTORS } from "./commit-contributors";
import { loadOutcomes, outcomeReads, outcomesWrite, settleInBatch, statementOf, type SettledOutcome } from "./commit-outcomes";
import { isOutcome, type BatchItem, type CommitFacts, type Decided, type Materialized, type OutcomeCommitted, type PendingDecision, type PendingOutcome } from "./commit-item";

export type { CommitFacts, Contributor, Materialized, OutcomeCommitted, PendingDecision, PendingOutcome, PendingRun } from "./commit-item";

const { DatabaseError } = pg;

/**
 * Group commit for decisions. Decisions for one org queue here; while one transaction is in flight
 * the next batch gathers, so under load many decisions share one commit. Each batch, in one
 * transaction under the org's log-head lock (the same lock every other audit append takes), in three
 * round trips (BEGIN + lock + every contributor's reads and the idempotency keys' actions; the one write statement; COMMIT):
 *  - each registered contributor (commit-contributors.ts: a closed org, the agents (halts, a loop's halt, breakers), grants, budgets, runs,
 *    approvals) reads what it needs under the lock, checks each item before its rows are made (a halt
 *    committed before the batch wins over a cached "active"; budgets against the counters as committed
 *    plus every earlier reservation of the batch), and adds its writes to the one statement;
 *  - resolves idempotency keys against committed actions and within the batch (no race: every
 *    action insert of the org happens under this lock);
 *  - makes each item's rows (core's planDecision, from what the contributors found), appends the audit
 *    entries with consecutive sequence numbers, chain hashes and the Merkle nodes they complete,
 *    advances the head and inserts the actions (one statement with the contributors' writes).
 * No caller's promise resolves before its batch has committed.
 *
 * One request cannot fail its batch-mates: an item whose rows cannot be built, hold text PostgreSQL
 * refuses (a NUL, an unpaired surrogate), or make an answer its response contract refuses (answer-check.ts:
 * never a recorded decision its caller hears an error for), fails alone before the statement; if PostgreSQL
 * still refuses the batch's write, it is bisected (`commitIsolating`) until the refused items stand
 * alone. Only a database that cannot be reached (or an error before the write) fails the batch.
 */
/**
 * The append statement's text depends only on which contributors write (its rows go as arrays), so it has a
 * few shapes: each is prepared once per connection under a name of its text, and PostgreSQL parses and plans
 * it once instead of on every commit. Only where connections are this process's own (DATABASE_POOL_MODE
 * session): a pooler in transaction mode would hand the statement to another client's session. At most
 * PREPARED_PER_CONNECTION shapes per connection; another goes unnamed.
 */
const PREPARED_PER_CONNECTION = 32;
const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();
const namesByText = new Map<string, string>();

function preparedName(client: pg.PoolClient, text: string): string | undefined {
  if (dbEnv().DATABASE_POOL_MODE !== "session") return undefined;
  let name = namesByText.get(text);
  if (name === undefined) {
    name = `gatehouse_append_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    if (namesByText.size < 4 * PREPARED_PER_CONNECTION) namesByText.set(text, name);
  }
  let names = preparedOn.get(client);
  if (names === undefined) preparedOn.set(client, (names = new Set()));
  if (!names.has(name)) {
    if (names.size >= PREPARED_PER_CONNECTION) return undefined;
    names.add(name);
  }
  return name;
}

/** An action already committed under an idempotency key of the batch. */
interface PreviousAction {
  agent_id: string;
  idempotency_key: string;
  request_hash: string;
  result: ActionResult;
}

/** What an eventId may be (core's request schema): only such a key is inlined in the batch's first round trip. */
const INLINE_EVENT_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The committed actions of the batch's idempotency keys, as one statement of the simple protocol (each value inlined by `lit`). */
function idempotencyRead(keyed: ReadonlyArray<{ agentId: string; eventId?: string | undefined }>, lit: (value: string) => string): string {
  const agents = [...new Set(keyed.map((i) => i.agentId))].map(lit).join(", ");
  const keys = [...new Set(keyed.map((i) => i.eventId as string))].map(lit).join(", ");
  return `SELECT agent_id, idempotency_key, request_hash, result FROM actions WHERE agent_id IN (${agents}) AND idempotency_key IN (${keys})`;
}

export interface Committed {
  result: ActionResult;
  /** False when an earlier call with the same eventId answered instead. */
  fresh: boolean;
  /** The agent this decision halted in its commit (a loop's), for announcing after the commit. */
  halt?: SystemHalt;
  /** The agent's breaker this decision moved in its commit. */
  breaker?: BreakerTransition;
}

type ItemCommitted = Committed | OutcomeCommitted;

interface Waiter {
  item: BatchItem;
  resolve: (value: ItemCommitted) => void;
  reject: (error: unknown) => void;
}

export const MAX_BATCH = 256;
const queues = new Map<string, { waiting: Waiter[]; running: boolean }>();

export function commitDecision(item: PendingDecision): Promise<Committed> {
  return enqueue(item) as Promise<Committed>;
}

/** `report`'s write: the outcome joins the org's next batch (first report wins, settled under the lock). */
export function commitOutcome(item: PendingOutcome): Promise<OutcomeCommitted> {
  return enqueue(item) as Promise<OutcomeCommitted>;
}

function enqueue(item: BatchItem): Promise<ItemCommitted> {
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
      const batch = queue.waiting.splice(0, batchSize(queue.waiting));
      const state: { down?: Error } = {};
      const outcomes = await commitIsolating(
        orgId,
        batch.map((w) => w.item),
        state,
      );
      // The database did not answer in time (a connection that could not be made, a statement that got no
      // answer: a host cut off from it): the items that queued meanwhile would wait for a batch of their own
      // against the same silent database, so they fail now, each with a 503 its caller may retry (an eventId
      // retried is decided once). A connection that answered with an error (terminated, shut down) fails its
      // batch only: the next batch takes a fresh connection. Items arriving later start a batch afresh.
      if (state.down && wentSilent(state.down)) for (const waiter of queue.waiting.splice(0)) waiter.reject(state.down);
      // Event streams read the log on this hint; fire and forget (observation, time-bounded).
      if (outcomes.some((o) => !(o instanceof Error))) notifyAfterCommit({ type: "audit.appended", orgId });
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
 * How many of the waiting items the next batch takes: up to MAX_BATCH, and a decision that may halt its agent
 * alone — after every item queued before it has committed, so the approvals its halt cancels are all committed
 * ones, and before every item queued after it, which then reads the halt under the lock.
 */
function batchSize(waiting: readonly Waiter[]): number {
  const halting = waiting.findIndex((w, i) => i < MAX_BATCH && !isOutcome(w.item) && w.item.mayHalt === true);
  return halting === -1 ? Math.min(waiting.length, MAX_BATCH) : halting === 0 ? 1 : halting;
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
async function commitIsolating(orgId: string, items: BatchItem[], state: { down?: Error } = {}): Promise<Array<ItemCommitted | Error>> {
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
  // 25P03: the transaction sat idle past its log-head bound and PostgreSQL ended the session; nothing was refused.
  return error instanceof DatabaseError && typeof error.code === "string" && !UNAVAILABLE_CLASSES.has(error.code.slice(0, 2)) && error.code !== "25P03";
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

async function writeBatch(orgId: string, batch: BatchItem[]): Promise<Array<ItemCommitted | Error>> {
  const items = batch.filter((i): i is PendingDecision => !isOutcome(i));
  const reported = batch.filter(isOutcome);
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
    // BEGIN, the log-head lock and every contributor's reads in one round trip. Several statements in
    // one message need the simple protocol, so what they read by is inlined as quoted literals: ids this
    // service generated (org and agents of an authenticated key) and core's budget keys, never request text.
    const lit = (value: string) => client.escapeLiteral(value);
    const reads = CONTRIBUTORS.map((c) => c.reads(orgId, items, lit));
    // The idempotency keys' committed actions, read in the same round trip: an eventId is 1-200 characters of
    // [A-Za-z0-9._:-] (core's request schema, checked again here), an identifier like the ids inlined above.
    const keyed = items.filter((i) => i.eventId);
    const inlineKeys = keyed.length > 0 && keyed.every((i) => INLINE_EVENT_ID.test(i.eventId as string));
    const keyRead = inlineKeys ? [idempotencyRead(keyed, lit)] : [];
    const opened = (await client.query(
      [`BEGIN`, lockHeadStatement(lit(orgId)), ...reads.flat(), ...outcomeReads(orgId, reported, lit), ...keyRead].join("; "),
    )) as unknown as pg.QueryResult[];
    let at = 2;
    const states = CONTRIBUTORS.map((c, i) => {
      const results = opened.slice(at, at + (reads[i]?.length ?? 0));
      at += reads[i]?.length ?? 0;
      return c.open(results, items);
    });
    const head = await logHead(query, orgId, (opened[1] as pg.QueryResult<HeadRow>).rows[0]);
    const outcomeState = loadOutcomes(opened.slice(at, opened.length - keyRead.length));
    const known = new Map<string, { requestHash: string; result: ActionResult }>();
    if (keyed.length > 0) {
      const previous = inlineKeys
        ? (opened.at(-1) as pg.QueryResult<PreviousAction>)
        : await client.query<PreviousAction>(
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
    const outcomes: Array<ItemCommitted | Error> = [];
    const entries: SealedAuditEntry[] = [];
    const actions: Decided[] = [];
    const settled: SettledOutcome[] = [];
    for (const item of batch) {
      if (isOutcome(item)) {
        // An outcome: claimed (the first report of its action wins), settled and sealed after the entries before it.
        try {
          const made = settleInBatch(item, outcomeState, createdAt);
          if (!made.recorded) {
            outcomes.push(made.committed);
            continue;
          }
          const issue = unstorableText(made.entries, "outcome");
          if (issue) throw validationError([issue]);
          let chain = previousChain;
          const sealedAll = made.entries.map((entry, i) => {
            const one = sealAuditEntry({ id: newId("audit"), orgId, seq: seq + i, previousChainHash: chain, createdAt, entry });
            chain = one.chainHash;
            return one;
          });
          // Its answer is checked before it joins the statement, like a decision's.
          const answer = made.answer(sealedAll[0]?.id ?? "");
          checkOutcomeAnswer(answer);
          made.claim();
          seq += sealedAll.length;
          previousChain = chain;
          entries.push(...sealedAll);
          settled.push(made.write);
          outcomes.push({ recorded: true, answer });
        } catch (error) {
          outcomes.push(error instanceof Error ? error : new Error(String(error)));
        }
        continue;
      }
      const key = item.eventId ? `${item.agentId}\u0000${item.eventId}` : undefined;
      const seen = key ? known.get(key) : undefined;
      if (seen) {
        outcomes.push(
          // A decision that could not be evaluated is answered to its eventId's retries whatever they hold (its content was never read).
          seen.requestHash === item.requestHash || isUnevaluatedRequestHash(seen.requestHash)
            ? { result: seen.result, fresh: false }
            : conflict(`eventId '${item.eventId}' was already used for a different request`, { eventId: item.eventId }),
        );
        continue;
      }
      // One item's rows that cannot be built or stored, or whose answer its contract refuses, fail that item alone,
      // before the statement: nothing is written for a decision that could not be answered (answer-check.ts).
      let m: Materialized;
      let result: ActionResult;
      const sealed: SealedAuditEntry[] = [];
      try {
        const facts: CommitFacts = { at: createdAt, halted: false };
        for (const state of states) state.check(item, facts);
        m = item.materialize(facts);
        const issue = unstorableText({ entry: m.entry, action: m.action, approval: m.approval, result: m.result, eventId: item.eventId }, "decision");
        if (issue) throw validationError([issue]);
        // The decision's entry, then those that follow it in the same commit (its guardrail and budget events), naming it.
        const entryId = newId("audit");
        let chain = previousChain;
        for (const [i, entry] of [m.entry, ...m.followers.map((follow) => follow(entryId))].entries()) {
          const one = sealAuditEntry({ id: i === 0 ? entryId : newId("audit"), orgId, seq: seq + i, previousChainHash: chain, createdAt, entry });
          chain = one.chainHash;
          sealed.push(one);
        }
        result = { ...m.result, auditEventId: entryId };
        checkDecisionAnswer(result);
      } catch (error) {
        outcomes.push(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      const decisionEntry = sealed[0] as SealedAuditEntry;
      seq += sealed.length;
      previousChain = (sealed.at(-1) as SealedAuditEntry).chainHash;
      entries.push(...sealed);
      for (const state of states) state.apply(m);
      actions.push({ m, item, result, entryId: decisionEntry.id });
      if (key) known.set(key, { requestHash: item.requestHash, result });
      outcomes.push({ result, fresh: true, ...(m.halt ? { halt: m.halt } : {}), ...(m.breaker ? { breaker: m.breaker } : {}) });
    }

    // The outcomes' rows (their actions, reservations, counters and runs): in the append's statement when the
    // batch records no decision, else in a statement of their own — a row may be changed once per statement,
    // and the decisions' statement may reserve on the same counters or count on the same runs.
    const outcomeWrites = settled.length > 0 ? outcomesWrite(orgId, settled, createdAt) : [];
    if (entries.length > 0) {
      // Entries, tree nodes, head, actions and the contributors' rows: one statement.
      const statement = appendStatement(
        orgId,
        extendTree(head, entries),
        actions.length > 0 ? [(bind) => actionsInsert(bind, orgId, actions, createdAt), ...CONTRIBUTORS.flatMap((c) => c.writes(orgId, actions, createdAt))] : outcomeWrites,
      );
      const began = performance.now();
      const name = preparedName(client, statement.text);
      await client.query(name === undefined ? statement : { ...statement, name }).catch(refusedWrite);
      try {
        const seconds = (performance.now() - began) / 1000;
        meters().appendDuration.record(seconds);
        recordAuditAppendMetric(seconds);
      } catch {
        // Observation: a failing meter never fails the batch.
      }
    }
    if (actions.length > 0 && outcomeWrites.length > 0) {
      const write = statementOf(outcomeWrites);
      await client.query(write.text, write.values).catch(refusedWrite);
    }
    await client.query("COMMIT").catch(refusedWrite);
    return outcomes;
  } catch (error) {
    // A connection whose statement got no answer in time is discarded at once (its statement is still under way:
    // a ROLLBACK would queue behind it and wait out another timeout); PostgreSQL rolls back what the session did
    // when the connection ends. A connection that cannot even roll back is not returned to the pool either.
    broken =
      error instanceof Error && wentSilent(error)
        ? true
        : await client.query("ROLLBACK").then(
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
