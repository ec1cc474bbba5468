import { conflict, describeResult, isUnevaluatedRequestHash, validationError, type ActionResult } from "@gatehouse/core";
import type pg from "pg";
import type { Bind } from "../audit/log-store";
import { checkDecisionAnswer } from "./answer-check";
import { CONTRIBUTORS } from "./commit-contributors";
import type { BatchMade, CommitFacts, Committed, Decided, OpenContributor, OutcomeDeltas, PendingDecision } from "./commit-item";
import { unstorableText } from "./storable";

/**
 * Decisions in the org's group commit (group-commit.ts): what they read in the batch's first round trip (every
 * contributor's reads, and the committed actions of their idempotency keys), how each is made under the lock
 * (its eventId answered if already decided, else its rows planned from what the contributors found), and what
 * the decisions write in the batch's one statement.
 */

/** An action already committed under an idempotency key of the batch. */
interface PreviousAction {
  agent_id: string;
  idempotency_key: string;
  request_hash: string;
  result: ActionResult;
}

/** What an eventId may be (core's request schema): only such a key is inlined in the batch's first round trip. */
const INLINE_EVENT_ID = /^[A-Za-z0-9._:-]{1,200}$/;

const ACTION_COLUMNS = `(id, org_id, agent_id, action_type, metadata, data_accessed, status, denial_reason, policy_name, policy_version_id, mode, result, idempotency_key, request_hash, audit_entry_id, run_id, created_at)`;

/**
 * The decisions' own read (the contributors' are read for both kinds, commit-contributors.ts): the committed actions of
 * their idempotency keys, one statement of the simple protocol when every key may be inlined — an eventId is 1-200
 * characters of [A-Za-z0-9._:-] (core's request schema, checked again here), an identifier like the ids this service
 * generates; else none, and they are read with parameters once the batch is open.
 */
export function decisionReads(items: readonly PendingDecision[], lit: (value: string) => string): string[] {
  const keyed = items.filter((i) => i.eventId);
  const inline = keyed.length > 0 && keyed.every((i) => INLINE_EVENT_ID.test(i.eventId as string));
  const agents = [...new Set(keyed.map((i) => i.agentId))].map(lit).join(", ");
  const keys = [...new Set(keyed.map((i) => i.eventId as string))].map(lit).join(", ");
  return inline ? [`SELECT agent_id, idempotency_key, request_hash, result FROM actions WHERE agent_id IN (${agents}) AND idempotency_key IN (${keys})`] : [];
}

/** The decisions of a batch opened under the lock: each made in turn, then their writes. */
export interface OpenDecisions {
  make: (item: PendingDecision, at: Date, resolve: (committed: Committed) => void) => BatchMade;
  writes: (orgId: string, at: Date, outcomes: OutcomeDeltas) => Array<(bind: Bind) => string>;
}

/**
 * The decisions opened with the batch's contributors (opened for both kinds) and the committed answers of their
 * idempotency keys (`keys`: what decisionReads returned; read now, with parameters, when some key could not be inlined).
 */
export async function openDecisions(contributors: OpenContributor, keys: pg.QueryResult[], items: readonly PendingDecision[], client: pg.PoolClient): Promise<OpenDecisions> {
  const known = new Map<string, { requestHash: string; result: ActionResult }>();
  const keyed = items.filter((i) => i.eventId);
  if (keyed.length > 0) {
    const previous: pg.QueryResult<PreviousAction> =
      keys[0] ??
      (await client.query<PreviousAction>(
        `SELECT agent_id, idempotency_key, request_hash, result FROM actions WHERE agent_id = ANY($1::text[]) AND idempotency_key = ANY($2::text[])`,
        [[...new Set(keyed.map((i) => i.agentId))], [...new Set(keyed.map((i) => i.eventId as string))]],
      ));
    // The stored result may have been settled by an approval since: its sentence is written anew.
    for (const p of previous.rows)
      known.set(`${p.agent_id}\u0000${p.idempotency_key}`, { requestHash: p.request_hash, result: { ...p.result, message: describeResult(p.result) } });
  }
  const decided: Decided[] = [];

  const make = (item: PendingDecision, at: Date, resolve: (committed: Committed) => void): BatchMade => {
    const key = item.eventId ? `${item.agentId}\u0000${item.eventId}` : undefined;
    const seen = key ? known.get(key) : undefined;
    if (seen) {
      // A decision that could not be evaluated is answered to its eventId's retries whatever they hold (its content was never read).
      if (seen.requestHash !== item.requestHash && !isUnevaluatedRequestHash(seen.requestHash)) {
        throw conflict(`eventId '${item.eventId}' was already used for a different request`, { eventId: item.eventId });
      }
      return { answered: () => resolve({ result: seen.result, fresh: false }) };
    }
    // Its rows, from what the contributors found for it under the lock; text PostgreSQL cannot store fails it alone.
    const facts: CommitFacts = { at, halted: false };
    contributors.check(item, facts);
    const m = item.materialize(facts);
    const issue = unstorableText({ entry: m.entry, action: m.action, approval: m.approval, result: m.result, eventId: item.eventId }, "decision");
    if (issue) throw validationError([issue]);
    return {
      // The decision's entry, then those that follow it in the same commit (its guardrail, budget, loop, halt and breaker entries), naming it.
      entries: (entryId) => [m.entry, ...m.followers.map((follow) => follow(entryId))],
      answer: (entryId) => {
        const result: ActionResult = { ...m.result, auditEventId: entryId };
        checkDecisionAnswer(result);
        return {
          accept: () => {
            contributors.apply(m);
            decided.push({ m, item, result, entryId });
            if (key) known.set(key, { requestHash: item.requestHash, result });
          },
          tell: () => resolve({ result, fresh: true, ...(m.halt ? { halt: m.halt } : {}), ...(m.breaker ? { breaker: m.breaker } : {}) }),
        };
      },
    };
  };

  return {
    make,
    writes: (orgId, at, outcomes) =>
      decided.length === 0 ? [] : [(bind) => actionsInsert(bind, orgId, decided, at), ...CONTRIBUTORS.flatMap((c) => c.writes(orgId, decided, at, outcomes))],
  };
}

/** Each column of an action row the batch inserts: how it is read off a decided item, and its type. */
const ACTION_ROW: ReadonlyArray<[(a: Decided) => unknown, string]> = [
  [(a) => a.m.actionId, "text"],
  [(a) => a.item.agentId, "text"],
  [(a) => a.m.action.actionType, "text"],
  [(a) => JSON.stringify(a.m.action.metadata), "jsonb"],
  [(a) => JSON.stringify(a.m.action.dataAccessed), "jsonb"],
  [(a) => a.m.action.status, "text"],
  [(a) => a.m.action.denialReason, "text"],
  [(a) => a.m.action.policyName, "text"],
  [(a) => a.m.action.policyVersionId, "text"],
  [(a) => a.m.action.mode, "text"],
  [(a) => JSON.stringify(a.result), "jsonb"],
  [(a) => a.item.eventId ?? null, "text"],
  [(a) => a.item.requestHash, "text"],
  [(a) => a.entryId, "text"],
  [(a) => a.item.run?.id ?? null, "text"],
];

/** The actions the batch's decisions record: one CTE, each column one array. */
function actionsInsert(bind: Bind, orgId: string, actions: readonly Decided[], createdAt: Date): string {
  const columns = ACTION_ROW.map(([read, type]) => `${bind(actions.map(read))}::${type}[]`);
  return `actions AS (
    INSERT INTO actions ${ACTION_COLUMNS}
    SELECT a, ${bind(orgId)}, ag, t, md, da, st::action_status, dr, pn, pv, mo, re, ik, rh, ae, ru, ${bind(createdAt)}::timestamptz
    FROM unnest(${columns.join(", ")}) AS x(a, ag, t, md, da, st, dr, pn, pv, mo, re, ik, rh, ae, ru)
  )`;
}
