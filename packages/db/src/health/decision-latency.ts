import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { db } from "../infra/client";

/**
 * How long `execute` took to answer a new decision (decideAction, from the call to its committed answer), per org:
 * the governance health's decision latency (docs/audit.md). Each API process counts its answers per org and minute in
 * a fixed histogram and adds what it counted since its last write to the `decision_latency` table every FLUSH_MS
 * (one statement for every org), so any process — another API process behind the load balancer, the console —
 * reads every process's figures. The API server runs the writes (startDecisionLatencyFlush, stopped when it
 * closes); the health writes the answering process's counts before it reads. Observation: recording never fails
 * or slows a decision; a write that fails keeps its counts for the next; past MAX_PENDING org-minutes between two
 * writes, further answers go uncounted rather than grow the process.
 */

/**
 * The histogram's buckets: each counts the answers that took at most this many milliseconds; the last also counts any
 * longer (no answer takes a minute: the statement timeouts end it first).
 */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 60_000] as const;
const FLUSH_MS = 5_000;
/** Rows older than this are removed, by whichever process writes. */
const RETAIN_MS = 24 * 3_600_000;
/** At most this many org-minutes are held between two writes. */
const MAX_PENDING = 20_000;

const INSTANCE = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

interface Counts {
  orgId: string;
  minute: number;
  counts: number[];
}

/** `<orgId> <minute>` → what this process counted since its last write. */
let held = new Map<string, Counts>();
let timer: NodeJS.Timeout | undefined;
let flushing: Promise<void> | undefined;
let writes = 0;
/** Old rows are removed on one write in this many. */
const PRUNE_EVERY = 60;

export function bucketOf(ms: number): number {
  const index = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BUCKETS_MS.length - 1 : index;
}

function add(orgId: string, minute: number, counts: readonly number[]): void {
  const key = `${orgId} ${minute}`;
  let entry = held.get(key);
  if (!entry) {
    if (held.size >= MAX_PENDING) return;
    entry = { orgId, minute, counts: LATENCY_BUCKETS_MS.map(() => 0) };
    held.set(key, entry);
  }
  counts.forEach((n, i) => (entry.counts[i]! += n));
}

export function recordDecisionLatency(orgId: string, ms: number, at = Date.now()): void {
  const counts = LATENCY_BUCKETS_MS.map(() => 0);
  counts[bucketOf(ms)] = 1;
  add(orgId, Math.floor(at / 60_000) * 60_000, counts);
}

/** Servers that write this process's counts every FLUSH_MS (an API server starts it, and stops it when it closes). */
let writers = 0;

/** Writes this process's counts every FLUSH_MS until every server that started it has stopped it. */
export function startDecisionLatencyFlush(): void {
  writers += 1;
  timer ??= setInterval(() => void flushDecisionLatency(), FLUSH_MS).unref();
}

/**
 * Adds what was counted since the last write to the table (every FLUSH_MS on its own; the health calls it first so
 * the answering process's newest figures count). Never throws: a failed write's counts wait for the next.
 */
export async function flushDecisionLatency(now = Date.now()): Promise<void> {
  // A write under way holds what was counted before it began: wait for it, then write what was counted since.
  while (flushing) await flushing;
  if (held.size === 0) return;
  const rows = [...held.values()];
  held = new Map();
  flushing = (async () => {
    try {
      await db().pool.query(
        `INSERT INTO decision_latency AS d (org_id, minute, instance, counts)
         SELECT x.org_id, to_timestamp(x.minute / 1000.0), $2, x.counts
         FROM jsonb_to_recordset($1::jsonb) AS x(org_id text, minute float8, counts int[])
         WHERE EXISTS (SELECT 1 FROM orgs o WHERE o.id = x.org_id)
         ON CONFLICT (org_id, minute, instance) DO UPDATE SET
           counts = (SELECT array_agg(coalesce(a, 0) + coalesce(b, 0) ORDER BY i) FROM unnest(d.counts, EXCLUDED.counts) WITH ORDINALITY AS t(a, b, i))`,
        [JSON.stringify(rows.map((r) => ({ org_id: r.orgId, minute: r.minute, counts: r.counts }))), INSTANCE],
      );
    } catch {
      for (const row of rows) add(row.orgId, row.minute, row.counts);
    }
    try {
      if (++writes % PRUNE_EVERY === 0) await db().pool.query(`DELETE FROM decision_latency WHERE minute < $1`, [new Date(now - RETAIN_MS)]);
    } catch {
      // Pruned with a later write.
    } finally {
      flushing = undefined;
    }
  })();
  return flushing;
}

/** One server stops writing; the last one stops the timer and writes what is held. */
export async function stopDecisionLatencyFlush(): Promise<void> {
  writers = Math.max(0, writers - 1);
  if (writers > 0) return;
  if (timer) clearInterval(timer);
  timer = undefined;
  await flushDecisionLatency();
}

/** Counts per bucket summed over rows. */
function summed(rows: ReadonlyArray<readonly number[]>): number[] {
  const total = LATENCY_BUCKETS_MS.map(() => 0);
  for (const counts of rows) counts.forEach((n, i) => (total[i]! += n));
  return total;
}

/** The upper bound of the bucket that holds the q-th quantile (nearest rank); null for no answers. */
export function quantileBound(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [i, n] of counts.entries()) {
    seen += n;
    if (seen >= rank) return LATENCY_BUCKETS_MS[i]!;
  }
  return LATENCY_BUCKETS_MS.at(-1)!;
}

/**
 * The org's answers in the minutes that overlap the window ending at `now`, from every process: how many, and the
 * upper bounds (ms) of the buckets that hold their median and 99th percentile; null with no answers.
 */
export async function decisionLatencyOf(orgId: string, windowMs: number, now = Date.now()): Promise<{ samples: number; p50Ms: number | null; p99Ms: number | null }> {
  const since = Math.floor((now - windowMs) / 60_000) * 60_000;
  const { rows } = await db().pool.query<{ counts: number[] }>(`SELECT counts FROM decision_latency WHERE org_id = $1 AND minute >= $2 AND minute <= $3`, [
    orgId,
    new Date(since),
    new Date(now),
  ]);
  const counts = summed(rows.map((r) => r.counts));
  const samples = counts.reduce((a, b) => a + b, 0);
  return { samples, p50Ms: quantileBound(counts, 0.5), p99Ms: quantileBound(counts, 0.99) };
}
