import { conflict, newId, sealAuditEntry, type ActionResult, type AuditEntryInput, type SealedAuditEntry } from "@gatehouse/core";
import type pg from "pg";
import { appendStatement, extendTree, lockLogHead, type Query } from "./audit-tree";
import { db } from "./client";
import { publishAfterCommit } from "./signals";

/**
 * Group commit for decisions. Decisions for one org queue here; while one transaction is in flight
 * the next batch gathers, so under load many decisions share one commit. Each batch, in one
 * transaction under the org's log-head lock (the same lock every other audit append takes):
 *  - re-reads the agents' status, so a halt committed before the batch wins over a cached "active";
 *  - resolves idempotency keys against committed actions and within the batch (no race: every
 *    action insert of the org happens under this lock);
 *  - appends the audit entries with consecutive sequence numbers, chain hashes and the Merkle
 *    nodes they complete, advances the head (one statement), inserts the actions and approvals.
 * No caller's promise resolves before its batch has committed.
 */
export interface PendingDecision {
  orgId: string;
  agentId: string;
  eventId: string | undefined;
  requestHash: string;
  /** Builds the final rows; `halted` is true when the agent turned out halted at commit time. */
  materialize: (halted: boolean) => Materialized;
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
    requestedBy: string | null;
    expiresAt: Date;
  };
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
      try {
        const outcomes = await writeBatch(orgId, batch.map((w) => w.item));
        // Event streams read the log on this hint; fire and forget (observation, time-bounded).
        void publishAfterCommit({ type: "audit.appended", orgId });
        batch.forEach((waiter, i) => {
          const outcome = outcomes[i];
          if (outcome instanceof Error) waiter.reject(outcome);
          else if (outcome) waiter.resolve(outcome);
          else waiter.reject(new Error("decision batch lost an item"));
        });
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
  } finally {
    queue.running = false;
    if (queue.waiting.length === 0) queues.delete(orgId);
  }
}

const ACTION_COLUMNS = `(id, org_id, agent_id, action_type, metadata, data_accessed, status, denial_reason, policy_name, policy_version_id, mode, result, idempotency_key, request_hash, audit_entry_id, created_at)`;

async function writeBatch(orgId: string, items: PendingDecision[]): Promise<Array<Committed | Error>> {
  const client: pg.PoolClient = await db().pool.connect();
  try {
    await client.query("BEGIN");
    const query: Query = async <R>(text: string, values: unknown[]) => (await client.query(text, values)).rows as R[];
    const head = await lockLogHead(query, orgId);
    const agentIds = [...new Set(items.map((i) => i.agentId))];
    const agents = await client.query<{ id: string; status: string }>(`SELECT id, status FROM agents WHERE org_id = $1 AND id = ANY($2::text[])`, [orgId, agentIds]);
    const halted = new Set(agents.rows.filter((a) => a.status === "halted").map((a) => a.id));

    const keyed = items.filter((i) => i.eventId);
    const known = new Map<string, { requestHash: string; result: ActionResult }>();
    if (keyed.length > 0) {
      const previous = await client.query<{ agent_id: string; idempotency_key: string; request_hash: string; result: ActionResult }>(
        `SELECT agent_id, idempotency_key, request_hash, result FROM actions WHERE agent_id = ANY($1::text[]) AND idempotency_key = ANY($2::text[])`,
        [[...new Set(keyed.map((i) => i.agentId))], [...new Set(keyed.map((i) => i.eventId as string))]],
      );
      for (const p of previous.rows) known.set(`${p.agent_id}\u0000${p.idempotency_key}`, { requestHash: p.request_hash, result: p.result });
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
        outcomes.push(seen.requestHash === item.requestHash ? { result: seen.result, fresh: false } : conflict(`eventId '${item.eventId}' was already used for a different request`, { eventId: item.eventId }));
        continue;
      }
      const m = item.materialize(halted.has(item.agentId));
      const sealed = sealAuditEntry({ id: newId("audit"), orgId, seq, previousChainHash: previousChain, createdAt, entry: m.entry });
      seq += 1;
      previousChain = sealed.chainHash;
      entries.push(sealed);
      const result: ActionResult = { ...m.result, auditEventId: sealed.id };
      actions.push({ m, item, result, entryId: sealed.id });
      if (key) known.set(key, { requestHash: item.requestHash, result });
      outcomes.push({ result, fresh: true });
    }

    if (entries.length > 0) {
      const statement = appendStatement(orgId, extendTree(head, entries));
      await client.query(statement.text, statement.values);
      await client.query(
        `INSERT INTO actions ${ACTION_COLUMNS}
         SELECT a, o, ag, t, md, da, st::action_status, dr, pn, pv, mo, re, ik, rh, ae, ca
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::text[], $14::text[], $15::text[], $16::timestamptz[])
           AS x(a, o, ag, t, md, da, st, dr, pn, pv, mo, re, ik, rh, ae, ca)`,
        [
          actions.map((a) => a.m.actionId),
          actions.map(() => orgId),
          actions.map((a) => a.item.agentId),
          actions.map((a) => a.m.action.actionType),
          actions.map((a) => JSON.stringify(a.m.action.metadata)),
          actions.map((a) => JSON.stringify(a.m.action.dataAccessed)),
          actions.map((a) => a.m.action.status),
          actions.map((a) => a.m.action.denialReason),
          actions.map((a) => a.m.action.policyName),
          actions.map((a) => a.m.action.policyVersionId),
          actions.map((a) => a.m.action.mode),
          actions.map((a) => JSON.stringify(a.result)),
          actions.map((a) => a.item.eventId ?? null),
          actions.map((a) => a.item.requestHash),
          actions.map((a) => a.entryId),
          actions.map(() => createdAt),
        ],
      );
      for (const { m, item } of actions) {
        const approval = m.approval;
        if (!approval) continue;
        await client.query(
          `INSERT INTO approvals (id, org_id, action_id, agent_id, policy_version_id, request_hash, status, quorum, approver_roles, approver_member_ids, exclude_agent_owner, requested_by, expires_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8::member_role[], $9::text[], $10, $11, $12, $13, $13)`,
          [approval.id, orgId, m.actionId, item.agentId, approval.policyVersionId, item.requestHash, approval.quorum, approval.approverRoles, approval.approverMemberIds, approval.excludeAgentOwner, approval.requestedBy, approval.expiresAt, createdAt],
        );
      }
    }
    await client.query("COMMIT");
    return outcomes;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
