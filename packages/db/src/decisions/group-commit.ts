import { newId, sealAuditEntry, validationError, type SealedAuditEntry } from "@gatehouse/core";
import { createHash } from "node:crypto";
import pg from "pg";
import { recordAuditAppendMetric } from "../infra/metrics";
import { meters } from "../infra/telemetry";
import { appendStatement, extendTree, lockHeadStatement, logHead, type HeadRow, type Query } from "../audit/log-store";
import { db } from "../infra/client";
import { dbEnv } from "../infra/env";
import { wentSilent } from "../infra/db-errors";
import { notifyAfterCommit } from "../infra/signals";
import { contributorReads, openContributors } from "./commit-contributors";
import { decisionReads, openDecisions } from "./commit-decisions";
import { openOutcomes, outcomeReads } from "./commit-outcomes";
import type { Committed, OutcomeCommitted, PendingDecision, PendingOutcome } from "./commit-item";

export type { CommitFacts, Committed, Contributor, Materialized, OutcomeCommitted, PendingDecision, PendingOutcome, PendingRun } from "./commit-item";

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

/** A caller waiting on its item: told how it committed (or why not) once its batch has. */
type Waiter =
  | { kind: "decision"; item: PendingDecision; resolve: (committed: Committed) => void; reject: (error: unknown) => void }
  | { kind: "outcome"; item: PendingOutcome; resolve: (committed: OutcomeCommitted) => void; reject: (error: unknown) => void };

/** An item's end in its batch: how its caller is told, or why it failed. */
type ItemEnd = (() => void) | Error;

export const MAX_BATCH = 256;
const queues = new Map<string, { waiting: Waiter[]; running: boolean }>();

export function commitDecision(item: PendingDecision): Promise<Committed> {
  return new Promise((resolve, reject) => enqueue(item.orgId, { kind: "decision", item, resolve, reject }));
}

/** `report`'s write: the outcome joins the org's next batch (first report wins, settled under the lock). */
export function commitOutcome(item: PendingOutcome): Promise<OutcomeCommitted> {
  return new Promise((resolve, reject) => enqueue(item.orgId, { kind: "outcome", item, resolve, reject }));
}

function enqueue(orgId: string, waiter: Waiter): void {
  let queue = queues.get(orgId);
  if (!queue) {
    queue = { waiting: [], running: false };
    queues.set(orgId, queue);
  }
  queue.waiting.push(waiter);
  if (!queue.running) void drain(orgId, queue);
}

async function drain(orgId: string, queue: { waiting: Waiter[]; running: boolean }): Promise<void> {
  queue.running = true;
  try {
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, batchSize(queue.waiting));
      const state: { down?: Error } = {};
      const ends = await commitIsolating(orgId, batch, state);
      // The database did not answer in time (a connection that could not be made, a statement that got no
      // answer: a host cut off from it): the items that queued meanwhile would wait for a batch of their own
      // against the same silent database, so they fail now, each with a 503 its caller may retry (an eventId
      // retried is decided once). A connection that answered with an error (terminated, shut down) fails its
      // batch only: the next batch takes a fresh connection. Items arriving later start a batch afresh.
      if (state.down && wentSilent(state.down)) for (const waiter of queue.waiting.splice(0)) waiter.reject(state.down);
      // Event streams read the log on this hint; fire and forget (observation, time-bounded).
      if (ends.some((end) => !(end instanceof Error))) notifyAfterCommit({ type: "audit.appended", orgId });
      batch.forEach((waiter, i) => {
        const end = ends[i];
        if (end instanceof Error) waiter.reject(end);
        else if (end) end();
        else waiter.reject(new Error("decision batch lost an item"));
      });
    }
  } finally {
    queue.running = false;
    if (queue.waiting.length === 0) queues.delete(orgId);
  }
}

/**
 * How many of the waiting items the next batch takes: up to MAX_BATCH, and an item (a decision, a report) that may halt its agent
 * alone — after every item queued before it has committed, so the approvals its halt cancels are all committed
 * ones, and before every item queued after it, which then reads the halt under the lock.
 */
function batchSize(waiting: readonly Waiter[]): number {
  const halting = waiting.findIndex((w, i) => i < MAX_BATCH && w.item.mayHalt === true);
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
async function commitIsolating(orgId: string, items: Waiter[], state: { down?: Error } = {}): Promise<ItemEnd[]> {
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

/**
 * The batch's first round trip: BEGIN, the org's log-head lock and every kind's reads, sent as one message (several
 * statements in one message need the simple protocol, so what they read by is inlined as quoted literals). Each
 * asker gets its own statements' results back, by the handle `ask` gave it.
 */
class FirstRoundTrip {
  private readonly texts: string[] = [];
  private results: pg.QueryResult[] = [];

  constructor(private readonly orgLiteral: string) {}

  ask(texts: readonly string[]): () => pg.QueryResult[] {
    const from = this.texts.length;
    this.texts.push(...texts);
    return () => this.results.slice(from, from + texts.length);
  }

  /** Sends it; answers the log head as locked. */
  async send(client: pg.PoolClient): Promise<HeadRow | undefined> {
    // Several statements answer an array of results, one per statement.
    const sent: unknown = await client.query([`BEGIN`, lockHeadStatement(this.orgLiteral), ...this.texts].join("; "));
    const all: pg.QueryResult[] = Array.isArray(sent) ? sent : [];
    const [, lock, ...rest] = all;
    this.results = rest;
    const row: HeadRow | undefined = lock?.rows[0];
    return row;
  }
}

async function writeBatch(orgId: string, batch: readonly Waiter[]): Promise<ItemEnd[]> {
  const decisions = batch.flatMap((w) => (w.kind === "decision" ? [w.item] : []));
  const reports = batch.flatMap((w) => (w.kind === "outcome" ? [w.item] : []));
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
    // BEGIN, the log-head lock and each kind's reads in one round trip: ids this service generated (org and agents of
    // an authenticated key), core's budget keys, checked eventIds and `aud_` ids are inlined, never request text.
    const lit = (value: string) => client.escapeLiteral(value);
    const first = new FirstRoundTrip(lit(orgId));
    // The contributors read for the items of both kinds (an outcome for its agent), in the batch's order.
    const subjects = batch.map((w) => w.item);
    const contributorResults = contributorReads(orgId, subjects, lit).map((texts) => first.ask(texts));
    const keyResults = first.ask(decisionReads(decisions, lit));
    const outcomeResults = first.ask(outcomeReads(orgId, reports, lit));
    const head = await logHead(query, orgId, await first.send(client));
    const contributors = openContributors(
      contributorResults.map((results) => results()),
      subjects,
    );
    const kinds = {
      decision: await openDecisions(contributors, keyResults(), decisions, client),
      outcome: openOutcomes(outcomeResults(), contributors),
    };

    let seq = head.size;
    let previousChain = head.chainHash;
    const createdAt = new Date();
    const ends: ItemEnd[] = [];
    const entries: SealedAuditEntry[] = [];
    for (const waiter of batch) {
      // Each item is made by its kind under the lock; one that cannot be built, stored or answered fails alone,
      // before the statement: nothing is written for an item that could not be answered (answer-check.ts).
      try {
        const made = waiter.kind === "decision" ? kinds.decision.make(waiter.item, createdAt, waiter.resolve) : kinds.outcome.make(waiter.item, createdAt, waiter.resolve);
        if ("answered" in made) {
          ends.push(made.answered);
          continue;
        }
        // Its entries sealed after the batch's before it: its own first, then those that follow it, naming it.
        const entryId = newId("audit");
        let chain = previousChain;
        const sealed = made.entries(entryId).map((entry, i) => {
          const one = sealAuditEntry({ id: i === 0 ? entryId : newId("audit"), orgId, seq: seq + i, previousChainHash: chain, createdAt, entry });
          chain = one.chainHash;
          return one;
        });
        const { accept, tell } = made.answer(entryId);
        accept();
        seq += sealed.length;
        previousChain = chain;
        entries.push(...sealed);
        ends.push(tell);
      } catch (error) {
        ends.push(error instanceof Error ? error : new Error(String(error)));
      }
    }

    if (entries.length > 0) {
      // Entries, tree nodes, head, and each kind's rows: one statement, whatever the mix. A counter or run both
      // kinds change is written once, by the decisions, with the outcomes' deltas.
      const deltas = kinds.outcome.deltas();
      const decided = kinds.decision.writes(orgId, createdAt, deltas);
      const statement = appendStatement(orgId, extendTree(head, entries), [...decided, ...kinds.outcome.writes(orgId, createdAt, deltas)]);
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
    await client.query("COMMIT").catch(refusedWrite);
    return ends;
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
