import { simulatePoliciesBodySchema, type PolicySimulation } from "@gatehouse/contracts";
import { randomUUID } from "node:crypto";
import { recordedEffect, ReplayTally, validationError, zodIssues, type PolicyDocument, type ReplayRecord, type ReplayTallyData } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { runAdmittedStep, workPool, workTask, type WorkPool } from "../infra/work-pool";
import { checkPolicySetOffLoop } from "./check-policies";

/** Decisions read per page (keyset on created_at, id, newest first). */
export const SIMULATION_PAGE = 5_000;
/** At most this many decisions are replayed; older ones in the window are left out (`truncated`). */
export const MAX_SIMULATED_DECISIONS = 200_000;
/** Decisions a worker evaluates per job: small enough that the page's copy to the worker is quick and another org's job waits little. */
const STEP = 1_000;
const replayPage = workTask<{ replayId: string; documents: readonly PolicyDocument[]; records: ReplayRecord[] }, ReplayTallyData>("@gatehouse/core", "replayPage");

type Row = {
  id: string;
  agent_id: string;
  action_type: string;
  metadata: Record<string, unknown>;
  data_accessed: ReplayRecord["dataAccessed"];
  status: "executed" | "requested" | "denied";
  denial_reason: string | null;
  policy_name: string | null;
  created_at: Date;
  approval: boolean;
};

type AgentRow = { id: string; name: string; labels: Record<string, string> };
type Link = { child: string; parent: string; root: string; depth: number };

/**
 * Replay (`POST /v1/admin/policies/simulate`): evaluates a draft set against the org's recorded
 * decisions of the last `days` days with core's PolicyReplay (compiled once) and answers what would
 * change. Reads only the org's own rows (every query is by org_id), writes nothing. Agents are read
 * as they are now: a delegate is evaluated as its root agent, with its current chain. Runs in one of
 * the org's fair shares of the pool (infra/fair-share.ts): a loop of replays queues behind itself.
 * The evaluation runs on the work pool (infra/work-pool.ts) in the org's turn, a step of records at a
 * time; this loop reads the pages and merges the steps' tallies in order.
 */
export async function simulatePolicies({
  ctx,
  input,
  now = new Date(),
  work = workPool(),
}: {
  ctx: Ctx;
  input: unknown;
  now?: Date;
  /** Where the evaluation runs (tests pass a pool of their own). */
  work?: WorkPool;
}): Promise<PolicySimulation> {
  requirePermission(ctx, "policies.write");
  const { days: rawDays, ...set } = input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const orgId = ctx.org.id;
  const parsedDays = simulatePoliciesBodySchema.shape.days.safeParse(rawDays);
  if (!parsedDays.success) throw validationError(zodIssues(parsedDays.error, ["days"]));
  // Parsed on the work pool, in the org's turn.
  const { documents } = await checkPolicySetOffLoop(orgId, set);
  const days = parsedDays.data;
  const to = now;
  const from = new Date(to.getTime() - days * 86_400_000);
  return fairShare().run(ctx.org.id, "policy replay", () => replayDecisions(orgId, documents, days, from, to, work));
}

async function replayDecisions(
  orgId: string,
  documents: Awaited<ReturnType<typeof checkPolicySetOffLoop>>["documents"],
  days: number,
  from: Date,
  to: Date,
  work: WorkPool,
): Promise<PolicySimulation> {
  const pool = db().pool;

  const [agentRows, linkRows] = await Promise.all([
    pool.query<AgentRow>(`SELECT id, name, labels FROM agents WHERE org_id = $1`, [orgId]),
    pool.query<Link>(`SELECT child_agent_id AS child, parent_agent_id AS parent, root_agent_id AS root, depth FROM delegations WHERE org_id = $1`, [orgId]),
  ]);
  const agents = new Map(agentRows.rows.map((a) => [a.id, a]));
  const links = new Map(linkRows.rows.map((l) => [l.child, l]));
  const subjects = new Map<string, Pick<ReplayRecord, "subject" | "delegation">>();
  const subjectOf = (agent: AgentRow): Pick<ReplayRecord, "subject" | "delegation"> => {
    let known = subjects.get(agent.id);
    if (known) return known;
    const link = links.get(agent.id);
    const root = link ? agents.get(link.root) : undefined;
    if (!link || !root) {
      known = { subject: { id: agent.id, name: agent.name, labels: agent.labels } };
    } else {
      // The chain's agent names, root first, walked up from the delegate (bounded by its depth).
      const chain: string[] = [agent.name];
      for (let at: Link | undefined = link; at && chain.length <= link.depth; at = links.get(at.parent)) chain.unshift(agents.get(at.parent)?.name ?? at.parent);
      known = { subject: { id: root.id, name: root.name, labels: root.labels }, delegation: { depth: link.depth, rootAgent: root.name, chain } };
    }
    subjects.set(agent.id, known);
    return known;
  };

  const tally = new ReplayTally();
  const replayId = randomUUID();
  type Cursor = { at: Date; id: string } | null;
  // Newest first; after the first page, below the last row read (created_at bounds the index range, id breaks ties).
  const fetchPage = (cursor: Cursor, limit: number): Promise<{ rows: Row[] }> =>
    pool.query<Row>(
      `SELECT a.id, a.agent_id, a.action_type, a.metadata, a.data_accessed, a.status::text AS status, a.denial_reason, a.policy_name, a.created_at,
              EXISTS (SELECT 1 FROM approvals p WHERE p.action_id = a.id) AS approval
         FROM actions a
        WHERE a.org_id = $1 AND a.created_at >= $2 AND ${cursor ? "a.created_at <= $3 AND (a.created_at, a.id) < ($3, $5)" : "a.created_at < $3"}
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT $4`,
      cursor ? [orgId, from, cursor.at, limit, cursor.id] : [orgId, from, to, limit],
    );
  const anyBefore = (cursor: NonNullable<Cursor>): Promise<boolean> =>
    pool
      .query(`SELECT 1 FROM actions WHERE org_id = $1 AND created_at >= $2 AND created_at <= $3 AND (created_at, id) < ($3, $4) LIMIT 1`, [orgId, from, cursor.at, cursor.id])
      .then((result) => (result.rowCount ?? 0) > 0);

  let truncated = false;
  // The next page is asked for before this one is evaluated: the database reads while the engine
  // decides. Each page is one query on the pool, so no connection is held while the engine runs.
  let next: Promise<{ rows: Row[] }> | null = null;
  try {
    let read = 0;
    let limit = Math.min(SIMULATION_PAGE, MAX_SIMULATED_DECISIONS);
    next = fetchPage(null, limit);
    while (next) {
      const page: { rows: Row[] } = await next;
      read += page.rows.length;
      const last = page.rows.at(-1);
      next = null;
      let more: Promise<boolean> | null = null;
      if (last && page.rows.length === limit) {
        const cursor = { at: last.created_at, id: last.id };
        limit = Math.min(SIMULATION_PAGE, MAX_SIMULATED_DECISIONS - read);
        if (limit > 0) next = fetchPage(cursor, limit);
        else more = anyBefore(cursor);
      }
      for (let i = 0; i < page.rows.length; i += STEP) {
        const records = page.rows.slice(i, i + STEP).map((row): ReplayRecord => {
          const agent = agents.get(row.agent_id) ?? { id: row.agent_id, name: row.agent_id, labels: {} };
          return {
            actionId: row.id,
            at: row.created_at.toISOString(),
            actionType: row.action_type,
            agentId: agent.id,
            agentName: agent.name,
            ...subjectOf(agent),
            metadata: row.metadata,
            dataAccessed: row.data_accessed,
            recorded: recordedEffect({ status: row.status, denialReason: row.denial_reason, approvalRequested: row.approval }),
            policy: row.policy_name,
          };
        });
        tally.merge(await runAdmittedStep(work, replayPage, { replayId, documents, records }, { key: orgId, what: "policy replay" }));
      }
      if (more) truncated = await more;
    }
  } finally {
    // A replay that failed part-way leaves one read in flight; its outcome no longer matters.
    await next?.catch(() => undefined);
  }
  return { days, from: from.toISOString(), to: to.toISOString(), truncated, ...tally.result() };
}
