import { replayRawPage, type ContentSettings, type PolicyDocument, type RawReplayRow, type ReplayRecord, type ReplaySubjects, type ReplayTallyData } from "@gatehouse/core";
import type pg from "pg";
import { readAhead, takeAhead, workerPool, type WorkerDatabase } from "../infra/worker-database";

/** Where a replay's keyset stands: the last decision read (newest first), by time and id. */
export interface ReplayCursor {
  at: string;
  id: string;
}

export interface ReplayStepInput {
  database: WorkerDatabase;
  orgId: string;
  /** One replay's id: its draft is compiled once, and its agents read once, per worker. */
  replayId: string;
  documents: readonly PolicyDocument[];
  /** The org's content settings: the draft's content rules fall back to them. */
  content: ContentSettings;
  /** The window, ISO 8601: decisions at or after `from` and before `to`. */
  from: string;
  to: string;
  /** Null: the newest page; else below this decision. */
  cursor: ReplayCursor | null;
  /** Decisions to read in this step, and (for reading the next step's ahead) how many were read before it and the replay's cap. */
  limit: number;
  read: number;
  max: number;
}

export interface ReplayStepOutput {
  tally: ReplayTallyData;
  /** Decisions read by this step; fewer than its limit: the window is done. */
  read: number;
  /** The last decision read (the next step's cursor). */
  last: ReplayCursor | null;
}

/** A row as RawReplayRow: JSON columns as text and the time as ISO text (core parses them). */
const ROW_COLUMNS = `a.id, a.agent_id, a.action_type, a.metadata::text, a.data_accessed::text, a.status::text, a.denial_reason, a.policy_name,
              to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              EXISTS (SELECT 1 FROM approvals p WHERE p.action_id = a.id)`;
const ID = 0;
const AT = 8;

type AgentRow = { id: string; name: string; labels: Record<string, string> };
type Link = { child: string; parent: string; root: string; depth: number };
type Subject = Pick<ReplayRecord, "subject" | "delegation"> & { agentName: string };

/** Each replay's subjects by agent id, per worker; the newest few replays are kept. */
const KEPT_REPLAYS = 8;
const subjectsByReplay = new Map<string, Promise<(agentId: string) => Subject | undefined>>();

/**
 * The org's agents as they are now, as policies see them: a delegate is evaluated as its root agent,
 * with its current chain (the chain's agent names, root first, walked up from the delegate and bounded
 * by its depth). Read once per replay on a worker.
 */
async function subjectsOf(pool: pg.Pool, orgId: string): Promise<(agentId: string) => Subject | undefined> {
  const [agentRows, linkRows] = await Promise.all([
    pool.query<AgentRow>(`SELECT id, name, labels FROM agents WHERE org_id = $1`, [orgId]),
    pool.query<Link>(`SELECT child_agent_id AS child, parent_agent_id AS parent, root_agent_id AS root, depth FROM delegations WHERE org_id = $1`, [orgId]),
  ]);
  const agents = new Map(agentRows.rows.map((a) => [a.id, a]));
  const links = new Map(linkRows.rows.map((l) => [l.child, l]));
  const known = new Map<string, Subject>();
  return (agentId) => {
    const cached = known.get(agentId);
    if (cached) return cached;
    const agent = agents.get(agentId);
    if (!agent) return undefined;
    const link = links.get(agent.id);
    const root = link ? agents.get(link.root) : undefined;
    let subject: Subject;
    if (!link || !root) subject = { agentName: agent.name, subject: { id: agent.id, name: agent.name, labels: agent.labels } };
    else {
      const chain: string[] = [agent.name];
      for (let at: Link | undefined = link; at && chain.length <= link.depth; at = links.get(at.parent)) chain.unshift(agents.get(at.parent)?.name ?? at.parent);
      subject = { agentName: agent.name, subject: { id: root.id, name: root.name, labels: root.labels }, delegation: { depth: link.depth, rootAgent: root.name, chain } };
    }
    known.set(agentId, subject);
    return subject;
  };
}

/**
 * One step of simulatePolicies, run on a work-pool worker (docs/adr/0016): reads the next `limit`
 * recorded decisions of the window (keyset on created_at, id, newest first) on the worker's own
 * connection, as text (their JSON parsed here), and replays them with core's replayRawPage. Reads the
 * next step's page ahead while this one is evaluated. Only the step's tally crosses back to the API's
 * event loop. Reads only the org's own rows, writes nothing.
 */
export async function replayStoredStep(input: ReplayStepInput): Promise<ReplayStepOutput> {
  const pool = workerPool(input.database);
  const { orgId, replayId, from } = input;
  const pageKey = (cursor: ReplayCursor | null, limit: number) => `replay:${replayId}:${cursor?.at ?? ""}:${cursor?.id ?? ""}:${limit}`;
  const readPage = (cursor: ReplayCursor | null, limit: number) => () =>
    pool
      .query<RawReplayRow>({
        text: `SELECT ${ROW_COLUMNS}
           FROM actions a
          WHERE a.org_id = $1 AND a.created_at >= $2 AND ${cursor ? "a.created_at <= $3 AND (a.created_at, a.id) < ($3, $5)" : "a.created_at < $3"}
          ORDER BY a.created_at DESC, a.id DESC
          LIMIT $4`,
        values: cursor ? [orgId, from, cursor.at, limit, cursor.id] : [orgId, from, input.to, limit],
        rowMode: "array",
      })
      .then((result) => result.rows);

  let subjects = subjectsByReplay.get(replayId);
  if (!subjects) {
    subjects = subjectsOf(pool, orgId);
    subjects.catch(() => subjectsByReplay.delete(replayId));
    subjectsByReplay.set(replayId, subjects);
    while (subjectsByReplay.size > KEPT_REPLAYS) subjectsByReplay.delete(subjectsByReplay.keys().next().value as string);
  }
  const rows = await takeAhead(pageKey(input.cursor, input.limit), readPage(input.cursor, input.limit));
  const lastRow = rows.at(-1);
  const last = lastRow ? { at: lastRow[AT], id: lastRow[ID] } : null;
  const nextLimit = Math.min(input.limit, input.max - input.read - rows.length);
  if (last && rows.length === input.limit && nextLimit > 0) readAhead(pageKey(last, nextLimit), readPage(last, nextLimit));
  const subjectOf = await subjects;
  const stepSubjects: ReplaySubjects = {};
  for (const row of rows) {
    const agentId = row[1];
    if (stepSubjects[agentId]) continue;
    const subject = subjectOf(agentId);
    if (subject) stepSubjects[agentId] = subject;
  }
  return { tally: replayRawPage({ replayId, documents: input.documents, rows, subjects: stepSubjects, content: input.content }), read: rows.length, last };
}
