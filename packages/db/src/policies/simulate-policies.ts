import { simulatePoliciesBodySchema, type PolicySimulation } from "@gatehouse/contracts";
import { randomUUID } from "node:crypto";
import { ReplayTally, validationError, zodIssues, type PolicyDocument, type RawReplayRow, type ReplayRecord, type ReplaySubjects, type ReplayTallyData } from "@gatehouse/core";
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
const replayRawPage = workTask<{ replayId: string; documents: readonly PolicyDocument[]; rows: RawReplayRow[]; subjects: ReplaySubjects }, ReplayTallyData>(
  "@gatehouse/core",
  "replayRawPage",
);

/** A row as RawReplayRow: JSON columns as text and the time as ISO text, so the event loop parses neither (the worker does). */
const ROW_COLUMNS = `a.id, a.agent_id, a.action_type, a.metadata::text, a.data_accessed::text, a.status::text, a.denial_reason, a.policy_name,
              to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              EXISTS (SELECT 1 FROM approvals p WHERE p.action_id = a.id)`;
/** RawReplayRow's positions of the keyset cursor. */
const ID = 0;
const AT = 8;

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
  type Cursor = { at: string; id: string } | null;
  // Newest first; after the first page, below the last row read (created_at bounds the index range, id breaks ties).
  // Rows come as arrays of text (rowMode array): the event loop neither parses JSON nor builds objects per row.
  const fetchPage = (cursor: Cursor, limit: number): Promise<{ rows: RawReplayRow[] }> =>
    pool.query<RawReplayRow>({
      text: `SELECT ${ROW_COLUMNS}
         FROM actions a
        WHERE a.org_id = $1 AND a.created_at >= $2 AND ${cursor ? "a.created_at <= $3 AND (a.created_at, a.id) < ($3, $5)" : "a.created_at < $3"}
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT $4`,
      values: cursor ? [orgId, from, cursor.at, limit, cursor.id] : [orgId, from, to, limit],
      rowMode: "array",
    }) as unknown as Promise<{ rows: RawReplayRow[] }>;
  const anyBefore = (cursor: NonNullable<Cursor>): Promise<boolean> =>
    pool
      .query(`SELECT 1 FROM actions WHERE org_id = $1 AND created_at >= $2 AND created_at <= $3 AND (created_at, id) < ($3, $4) LIMIT 1`, [orgId, from, cursor.at, cursor.id])
      .then((result) => (result.rowCount ?? 0) > 0);

  let truncated = false;
  // The next page is asked for before this one is evaluated: the database reads while the engine
  // decides. Each page is one query on the pool, so no connection is held while the engine runs.
  let next: Promise<{ rows: RawReplayRow[] }> | null = null;
  try {
    let read = 0;
    let limit = Math.min(SIMULATION_PAGE, MAX_SIMULATED_DECISIONS);
    next = fetchPage(null, limit);
    while (next) {
      const page: { rows: RawReplayRow[] } = await next;
      read += page.rows.length;
      const last = page.rows.at(-1);
      next = null;
      let more: Promise<boolean> | null = null;
      if (last && page.rows.length === limit) {
        const cursor = { at: last[AT], id: last[ID] };
        limit = Math.min(SIMULATION_PAGE, MAX_SIMULATED_DECISIONS - read);
        if (limit > 0) next = fetchPage(cursor, limit);
        else more = anyBefore(cursor);
      }
      for (let i = 0; i < page.rows.length; i += STEP) {
        const rows = page.rows.slice(i, i + STEP);
        const stepSubjects: ReplaySubjects = {};
        for (const row of rows) {
          const agentId = row[1];
          if (stepSubjects[agentId]) continue;
          const agent = agents.get(agentId);
          if (agent) stepSubjects[agentId] = { agentName: agent.name, ...subjectOf(agent) };
        }
        tally.merge(await runAdmittedStep(work, replayRawPage, { replayId, documents, rows, subjects: stepSubjects }, { key: orgId, what: "policy replay" }));
      }
      if (more) truncated = await more;
    }
  } finally {
    // A replay that failed part-way leaves one read in flight; its outcome no longer matters.
    await next?.catch(() => undefined);
  }
  return { days, from: from.toISOString(), to: to.toISOString(), truncated, ...tally.result() };
}
