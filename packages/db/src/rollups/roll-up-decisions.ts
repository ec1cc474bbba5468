import { db } from "../infra/client";

/** How many audit entries one transaction counts at most. */
export const ROLLUP_PAGE_SIZE = 10_000;

/** How long per-minute rollups are kept (the anomaly detector reads the last ~65 minutes). */
export const MINUTE_ROLLUP_RETENTION_MS = 48 * 3_600_000;

export const ROLLUP_PERIODS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The rows of decision_rollups that count [from, to] exactly to the hour with the fewest rows: hour
 * rows from from's hour up to the next UTC midnight, day rows from there on. A condition on the
 * table's columns with its parameters at $`first` and $`first + 1`…$`first + 2`.
 */
export function rollupWindow(from: Date, to: Date, first: number): { sql: string; params: string[] } {
  const hour = Math.floor(from.getTime() / ROLLUP_PERIODS.hour) * ROLLUP_PERIODS.hour;
  const midnight = Math.floor(from.getTime() / ROLLUP_PERIODS.day) * ROLLUP_PERIODS.day + ROLLUP_PERIODS.day;
  return {
    sql: `((period = 'hour' AND bucket >= $${first} AND bucket < $${first + 1}) OR (period = 'day' AND bucket >= $${first + 1} AND bucket <= $${first + 2}))`,
    params: [new Date(hour).toISOString(), new Date(midnight).toISOString(), to.toISOString()],
  };
}
export type RollupPeriod = keyof typeof ROLLUP_PERIODS;

const COUNTED_TYPES = ["action.decided", "action.outcome"] as const;

interface Counts {
  period: RollupPeriod;
  bucket: number;
  agentId: string;
  actionType: string;
  executed: number;
  denied: number;
  requested: number;
  noPolicy: number;
  outcomes: number;
  /** Decisions the org's failure policy made (their entry's `failure`). */
  evaluationFailed: number;
}

/** What one decision adds to policy_rollups: the deciding policy, and the policies that would have blocked. */
interface PolicyCount {
  decided: string | null;
  wouldBlock: string[];
}

/** The name policy_rollups counts a report-only NO_POLICY decision under. */
export const NO_POLICY_NAME = "(no policy)";

const BLOCKING = new Set(["deny", "require_approval"]);

type DecidedData = {
  actionType?: unknown;
  status?: unknown;
  denialReason?: unknown;
  policy?: { name?: unknown };
  monitored?: unknown;
  reportOnly?: { wouldBe?: unknown; policy?: unknown };
  failure?: unknown;
};

/**
 * From an action.decided entry's data: the deciding policy (`policy.name`) and, each once, the
 * policies that would have denied or held it without doing so — monitor-mode policies with a
 * blocking effect (`monitored`), and the deciding policy of a report-only decision (`reportOnly`;
 * NO_POLICY under report-only counts as "(no policy)").
 */
function policyCountOf(data: DecidedData): PolicyCount {
  const decided = typeof data.policy?.name === "string" ? data.policy.name : null;
  const wouldBlock = new Set<string>();
  if (Array.isArray(data.monitored)) {
    for (const m of data.monitored as Array<{ name?: unknown; effect?: unknown }>) {
      if (m && typeof m.name === "string" && typeof m.effect === "string" && BLOCKING.has(m.effect)) wouldBlock.add(m.name);
    }
  }
  const trial = data.reportOnly;
  if (trial && typeof trial.wouldBe === "string" && BLOCKING.has(trial.wouldBe)) wouldBlock.add(typeof trial.policy === "string" ? trial.policy : (decided ?? NO_POLICY_NAME));
  return { decided, wouldBlock: [...wouldBlock] };
}

/** What one counted entry adds (null: nothing, e.g. a malformed entry). */
function countOf(type: string, canonical: string): { at: number; agentId: string; actionType: string; add: Partial<Counts>; policies?: PolicyCount } | null {
  let parsed: { time?: unknown; agentId?: unknown; data?: DecidedData };
  try {
    parsed = JSON.parse(canonical) as typeof parsed;
  } catch {
    return null;
  }
  const at = typeof parsed.time === "string" ? Date.parse(parsed.time) : NaN;
  const agentId = parsed.agentId;
  const data = parsed.data;
  const actionType = data?.actionType;
  if (!data || !Number.isFinite(at) || typeof agentId !== "string" || typeof actionType !== "string") return null;
  if (type === "action.outcome") return { at, agentId, actionType, add: { outcomes: 1 } };
  const policies = policyCountOf(data);
  // A decision the org's failure policy made (it could not be evaluated): counted besides its status.
  const evaluationFailed = data.failure ? 1 : 0;
  switch (data.status) {
    case "executed":
      return { at, agentId, actionType, add: { executed: 1, evaluationFailed }, policies };
    case "denied":
      return { at, agentId, actionType, add: { denied: 1, noPolicy: data.denialReason === "NO_POLICY" ? 1 : 0, evaluationFailed }, policies };
    case "requested":
      return { at, agentId, actionType, add: { requested: 1, evaluationFailed }, policies };
    default:
      return null;
  }
}

/** One row of policy_rollups: per UTC day and policy name. */
export interface PolicyRollupRow {
  bucket: number;
  policyName: string;
  decided: number;
  wouldBlock: number;
}

/** Counts entries per (period, bucket, agent, action type), and decisions per (day, policy), in memory. */
export function aggregate(entries: ReadonlyArray<{ type: string; canonical: string }>): { rows: Counts[]; policies: PolicyRollupRow[] } {
  const rows = new Map<string, Counts>();
  const policies = new Map<string, PolicyRollupRow>();
  const policyRow = (bucket: number, policyName: string): PolicyRollupRow => {
    const key = `${bucket}\u0000${policyName}`;
    let row = policies.get(key);
    if (!row) {
      row = { bucket, policyName, decided: 0, wouldBlock: 0 };
      policies.set(key, row);
    }
    return row;
  };
  for (const entry of entries) {
    const counted = countOf(entry.type, entry.canonical);
    if (!counted) continue;
    for (const [period, ms] of Object.entries(ROLLUP_PERIODS) as Array<[RollupPeriod, number]>) {
      const bucket = Math.floor(counted.at / ms) * ms;
      const key = `${period}\u0000${bucket}\u0000${counted.agentId}\u0000${counted.actionType}`;
      let row = rows.get(key);
      if (!row) {
        row = { period, bucket, agentId: counted.agentId, actionType: counted.actionType, executed: 0, denied: 0, requested: 0, noPolicy: 0, outcomes: 0, evaluationFailed: 0 };
        rows.set(key, row);
      }
      row.executed += counted.add.executed ?? 0;
      row.denied += counted.add.denied ?? 0;
      row.requested += counted.add.requested ?? 0;
      row.noPolicy += counted.add.noPolicy ?? 0;
      row.outcomes += counted.add.outcomes ?? 0;
      row.evaluationFailed += counted.add.evaluationFailed ?? 0;
    }
    if (counted.policies) {
      const day = Math.floor(counted.at / ROLLUP_PERIODS.day) * ROLLUP_PERIODS.day;
      if (counted.policies.decided !== null) policyRow(day, counted.policies.decided).decided += 1;
      for (const name of counted.policies.wouldBlock) policyRow(day, name).wouldBlock += 1;
    }
  }
  return { rows: [...rows.values()], policies: [...policies.values()] };
}

const POLICY_UPSERT = `
  INSERT INTO policy_rollups (org_id, bucket, policy_name, decided, would_block)
  SELECT $1, * FROM unnest($2::timestamptz[], $3::text[], $4::int[], $5::int[])
  ON CONFLICT (org_id, bucket, policy_name) DO UPDATE SET
    decided = policy_rollups.decided + EXCLUDED.decided,
    would_block = policy_rollups.would_block + EXCLUDED.would_block`;

const UPSERT = `
  INSERT INTO decision_rollups (org_id, period, bucket, agent_id, action_type, executed, denied, requested, no_policy, outcomes, evaluation_failed)
  SELECT $1, * FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[])
  ON CONFLICT (org_id, period, bucket, agent_id, action_type) DO UPDATE SET
    executed = decision_rollups.executed + EXCLUDED.executed,
    denied = decision_rollups.denied + EXCLUDED.denied,
    requested = decision_rollups.requested + EXCLUDED.requested,
    no_policy = decision_rollups.no_policy + EXCLUDED.no_policy,
    outcomes = decision_rollups.outcomes + EXCLUDED.outcomes,
    evaluation_failed = decision_rollups.evaluation_failed + EXCLUDED.evaluation_failed`;

/**
 * Counts one page of the org's new decision and outcome entries into decision_rollups (and the
 * decisions per policy into policy_rollups) and moves the
 * org's cursor past them, in one transaction. The cursor row is claimed FOR UPDATE SKIP LOCKED: a
 * second worker on the same org skips it instead of counting the same entries again. Returns how
 * many entries were counted, and whether the log may hold more beyond this page.
 *
 * Sequence numbers start at 0, so a log of `size` entries ends at seq size - 1. The head and its
 * entries are written by one statement, so every entry below the size read here is visible to the
 * next statement of this (READ COMMITTED) transaction.
 */
async function rollUpPage(orgId: string, pageSize: number): Promise<{ counted: number; more: boolean }> {
  const client = await db().pool.connect();
  try {
    await client.query(`INSERT INTO rollup_cursors (org_id, seq) VALUES ($1, -1) ON CONFLICT (org_id) DO NOTHING`, [orgId]);
    await client.query("BEGIN");
    try {
      const cursor = await client.query<{ seq: string }>(`SELECT seq FROM rollup_cursors WHERE org_id = $1 FOR UPDATE SKIP LOCKED`, [orgId]);
      const from = cursor.rows[0] ? Number(cursor.rows[0].seq) : undefined;
      const head = await client.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [orgId]);
      const last = head.rows[0] ? Number(head.rows[0].size) - 1 : -1;
      if (from === undefined || last <= from) {
        await client.query("ROLLBACK");
        return { counted: 0, more: false };
      }
      // One index range scan per type ((org_id, type, seq)), merged: the first `pageSize` entries of
      // both types together are among the first `pageSize` of each.
      const page = await client.query<{ seq: string; type: string; canonical: string }>(
        `SELECT seq, type, canonical FROM (
           ${COUNTED_TYPES.map((_, i) => `(SELECT seq, type, canonical FROM audit_entries WHERE org_id = $1 AND type = $${i + 4} AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $${COUNTED_TYPES.length + 4})`).join(" UNION ALL ")}
         ) e ORDER BY seq LIMIT $${COUNTED_TYPES.length + 4}`,
        [orgId, String(from), String(last), ...COUNTED_TYPES, pageSize],
      );
      const full = page.rows.length === pageSize;
      const upTo = full ? Number(page.rows[page.rows.length - 1]?.seq) : last;
      const counts = aggregate(page.rows);
      const rows = counts.rows.sort((a, b) => (a.period + a.bucket + a.agentId + a.actionType < b.period + b.bucket + b.agentId + b.actionType ? -1 : 1));
      if (rows.length > 0) {
        await client.query(UPSERT, [
          orgId,
          rows.map((r) => r.period),
          rows.map((r) => new Date(r.bucket).toISOString()),
          rows.map((r) => r.agentId),
          rows.map((r) => r.actionType),
          rows.map((r) => r.executed),
          rows.map((r) => r.denied),
          rows.map((r) => r.requested),
          rows.map((r) => r.noPolicy),
          rows.map((r) => r.outcomes),
          rows.map((r) => r.evaluationFailed),
        ]);
      }
      // Sorted like the rows above, so two writers (only ever one per org: SKIP LOCKED) lock in one order.
      const policies = counts.policies.sort((a, b) => a.bucket - b.bucket || (a.policyName < b.policyName ? -1 : a.policyName > b.policyName ? 1 : 0));
      if (policies.length > 0) {
        await client.query(POLICY_UPSERT, [
          orgId,
          policies.map((r) => new Date(r.bucket).toISOString()),
          policies.map((r) => r.policyName),
          policies.map((r) => r.decided),
          policies.map((r) => r.wouldBlock),
        ]);
      }
      await client.query(`UPDATE rollup_cursors SET seq = $2, updated_at = CURRENT_TIMESTAMP WHERE org_id = $1`, [orgId, String(upTo)]);
      await client.query("COMMIT");
      return { counted: page.rows.length, more: full };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  } finally {
    client.release();
  }
}

/**
 * The worker's rollup job: for every org whose audit log grew past its rollup cursor, counts the new
 * `action.decided` and `action.outcome` entries into decision_rollups (per minute and per hour, UTC),
 * page by page. Returns how many entries it counted.
 */
export async function rollUpDecisions(options: { pageSize?: number; maxPagesPerOrg?: number } = {}): Promise<number> {
  const pageSize = options.pageSize ?? ROLLUP_PAGE_SIZE;
  const maxPages = options.maxPagesPerOrg ?? Infinity;
  const grown = await db().pool.query<{ org_id: string }>(
    `SELECT h.org_id FROM audit_log_heads h LEFT JOIN rollup_cursors c ON c.org_id = h.org_id WHERE h.size - 1 > COALESCE(c.seq, -1)`,
  );
  let counted = 0;
  for (const { org_id } of grown.rows) {
    for (let pages = 1; ; pages += 1) {
      const page = await rollUpPage(org_id, pageSize);
      counted += page.counted;
      if (!page.more || pages >= maxPages) break;
    }
  }
  return counted;
}

/** Drops per-minute rollups older than MINUTE_ROLLUP_RETENTION_MS (hourly ones are kept). */
export async function pruneMinuteRollups({ now = Date.now() }: { now?: number } = {}): Promise<number> {
  const result = await db().pool.query(`DELETE FROM decision_rollups WHERE org_id IN (SELECT id FROM orgs) AND period = 'minute' AND bucket < $1`, [
    new Date(now - MINUTE_ROLLUP_RETENTION_MS).toISOString(),
  ]);
  return result.rowCount ?? 0;
}
