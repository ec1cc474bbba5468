import type { GovernanceHealth, HealthStatus } from "@gatehouse/contracts";
import { frontierKeys, openNote, parseCheckpoint, parseVerifierKey, rootFromFrontier, toHex } from "@gatehouse/tlog";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { logOrigin, probeActiveSigningKey, vkeyOf } from "../audit/signing-keys";
import { readWitnessStatus } from "../audit/witness-status";
import { decisionLatencyOf, flushDecisionLatency } from "./decision-latency";

/**
 * The thresholds of the governance health (docs/audit.md, Governance health). The worker signs a
 * checkpoint within a second of the log growing and delivers webhooks within a second of an entry,
 * so a minute behind is worth a look and a quarter of an hour is an outage.
 */
export const GOVERNANCE_HEALTH_THRESHOLDS = {
  /** Entries wait for a checkpoint longer than this (seconds since the latest one): warn. */
  checkpointWarnAfterSeconds: 60,
  /** … longer than this: fail. */
  checkpointFailAfterSeconds: 15 * 60,
  /** The latest checkpoint has waited this long for its witnesses' quorum: warn (the worker asks every 5 s). */
  witnessWarnAfterSeconds: 60,
  /** … this long: fail. */
  witnessFailAfterSeconds: 15 * 60,
  /** The oldest entry a webhook endpoint has not handled is older than this: warn. */
  webhookWarnAfterSeconds: 60,
  /** … older than this: fail. */
  webhookFailAfterSeconds: 15 * 60,
  /** The worker's lease lapsed longer ago than this (no worker leads): fail; less: warn (a hand-over). */
  workerLeaseFailAfterSeconds: 30,
  /** The window decision latency is measured over. */
  decisionLatencyWindowSeconds: 15 * 60,
  /** The slowest 1 % of `execute` answers took longer than this (ms): warn. */
  decisionLatencyWarnP99Ms: 500,
  /** … longer than this: fail. */
  decisionLatencyFailP99Ms: 2_000,
  /** The window decisions that could not be evaluated are counted over: any is a warning. */
  evaluationFailuresWindowSeconds: 15 * 60,
  /** This share of the window's decisions (or more) could not be evaluated: fail. */
  evaluationFailuresFailShare: 0.01,
} as const;

/** At most this many jobs and endpoints are read: the answer stays a few small reads. */
const MAX_JOBS = 20;
const MAX_ENDPOINTS = 100;

type Items = GovernanceHealth["items"];
type Item<K extends keyof Items> = Items[K];

const RANK: Record<HealthStatus, number> = { ok: 0, warn: 1, fail: 2 };

/** The worse of the statuses. */
export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), "ok");
}

const seconds = (from: Date, to: Date): number => Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));

/** A probe that threw: its item fails with a reason; the error's text is not shown (it may name internals). */
async function probe<K extends keyof Items>(name: string, run: () => Promise<Item<K>>): Promise<Item<K>> {
  try {
    return await run();
  } catch {
    return { status: "fail", reason: `The ${name} check could not run (a read failed or timed out); the other items still answer.`, observedAt: null, details: null } as Item<K>;
  }
}

interface CheckpointRow {
  tree_size: string;
  root_hash: string;
  note: string;
  created_at: Date;
  name: string;
  public_key: string;
}

interface Facts {
  head: { size: number; frontier: string[] };
  checkpoint: CheckpointRow | null;
}

async function readFacts(orgId: string): Promise<Facts> {
  const pool = db().pool;
  const [heads, checkpoints] = await Promise.all([
    pool.query<{ size: string; frontier: string[] | null }>(`SELECT size, frontier FROM audit_log_heads WHERE org_id = $1`, [orgId]),
    pool.query<CheckpointRow>(
      `SELECT c.tree_size, c.root_hash, c.note, c.created_at, k.name, k.public_key
       FROM checkpoints c JOIN signing_keys k ON k.id = c.signing_key_id AND k.org_id = c.org_id
       WHERE c.org_id = $1 ORDER BY c.tree_size DESC LIMIT 1`,
      [orgId],
    ),
  ]);
  const head = heads.rows[0];
  return { head: { size: head ? Number(head.size) : 0, frontier: head?.frontier ?? [] }, checkpoint: checkpoints.rows[0] ?? null };
}

async function logIntegrity(orgId: string, facts: Facts): Promise<Item<"logIntegrity">> {
  const { head, checkpoint } = facts;
  const review = (
    await db().pool.query<{ created_at: Date; valid: boolean | null }>(
      `SELECT created_at, valid FROM audit_reviews WHERE org_id = $1 AND kind = 'verify' ORDER BY created_at DESC LIMIT 1`,
      [orgId],
    )
  ).rows[0];
  const lastFullVerification = review ? { at: review.created_at.toISOString(), valid: review.valid === true } : null;
  const failedVerification = lastFullVerification && !lastFullVerification.valid ? ` The last full verification (${lastFullVerification.at}) failed.` : "";
  if (!checkpoint) {
    const details = { headSize: head.size, verifiedUpTo: null, signatureValid: null, rootMatchesHead: null, lastFullVerification };
    if (failedVerification) return { status: "fail", reason: `No checkpoint yet.${failedVerification}`, observedAt: lastFullVerification?.at ?? null, details };
    return {
      status: head.size > 0 ? "warn" : "ok",
      reason: head.size > 0 ? "The log has entries but no signed checkpoint yet; is the worker running?" : "The log is empty.",
      observedAt: null,
      details,
    };
  }
  const size = Number(checkpoint.tree_size);
  let signatureValid = false;
  try {
    const opened = openNote(checkpoint.note, [parseVerifierKey(vkeyOf({ name: checkpoint.name, publicKey: checkpoint.public_key }))]);
    const body = parseCheckpoint(opened.text);
    signatureValid = body.origin === logOrigin(orgId) && body.size === size && toHex(body.rootHash) === checkpoint.root_hash;
  } catch {
    signatureValid = false;
  }
  // A log written before the tree was stored has no full frontier until a checkpoint rebuilds it: not compared then.
  const rootMatchesHead =
    size === head.size && head.size > 0 && head.frontier.length === frontierKeys(head.size).length
      ? toHex(rootFromFrontier(head.frontier.map((h) => Buffer.from(h, "hex")))) === checkpoint.root_hash
      : null;
  const details = { headSize: head.size, verifiedUpTo: size, signatureValid, rootMatchesHead, lastFullVerification };
  const observedAt = checkpoint.created_at.toISOString();
  if (!signatureValid) return { status: "fail", reason: `The latest checkpoint (tree size ${size}) does not verify with the org's key.`, observedAt, details };
  if (size > head.size) return { status: "fail", reason: `The latest checkpoint covers ${size} entries but the log holds ${head.size}.`, observedAt, details };
  if (rootMatchesHead === false) return { status: "fail", reason: `The latest checkpoint's root is not the log head's Merkle root at tree size ${size}.`, observedAt, details };
  if (failedVerification) return { status: "fail", reason: `The latest checkpoint verifies.${failedVerification}`, observedAt, details };
  const grown = head.size - size;
  return {
    status: "ok",
    reason:
      grown === 0
        ? `The latest checkpoint (tree size ${size}) verifies with the org's key and covers the whole log.`
        : `The latest checkpoint (tree size ${size}) verifies with the org's key; ${grown} newer ${grown === 1 ? "entry waits" : "entries wait"} for the next.`,
    observedAt,
    details,
  };
}

async function signingKey(orgId: string): Promise<Item<"signingKey">> {
  let probed: Awaited<ReturnType<typeof probeActiveSigningKey>>;
  try {
    probed = await probeActiveSigningKey(orgId);
  } catch {
    return {
      status: "fail",
      reason: "The org's active signing key cannot be used: it does not decrypt with this server's GATEHOUSE_MASTER_KEY, or does not sign.",
      observedAt: null,
      details: { keyId: null, usable: false },
    };
  }
  if (!probed) return { status: "warn", reason: "The org has no signing key yet; its first checkpoint creates one.", observedAt: null, details: { keyId: null, usable: false } };
  return {
    status: "ok",
    reason: "The active signing key decrypts with the master key and signs.",
    observedAt: probed.createdAt.toISOString(),
    details: { keyId: probed.keyId, usable: true },
  };
}

function checkpointAge(facts: Facts, now: Date): Item<"checkpointAge"> {
  const { head, checkpoint } = facts;
  const t = GOVERNANCE_HEALTH_THRESHOLDS;
  const treeSize = checkpoint ? Number(checkpoint.tree_size) : null;
  const uncoveredEntries = Math.max(0, head.size - (treeSize ?? 0));
  const ageSeconds = checkpoint ? seconds(checkpoint.created_at, now) : null;
  const details = { ageSeconds, treeSize, uncoveredEntries };
  const observedAt = checkpoint?.created_at.toISOString() ?? null;
  if (uncoveredEntries === 0) return { status: "ok", reason: checkpoint ? "The latest checkpoint covers every entry." : "The log is empty.", observedAt, details };
  if (ageSeconds === null) return { status: "warn", reason: `${uncoveredEntries} entries and no checkpoint yet; the worker signs one within a second.`, observedAt, details };
  const status: HealthStatus = ageSeconds > t.checkpointFailAfterSeconds ? "fail" : ageSeconds > t.checkpointWarnAfterSeconds ? "warn" : "ok";
  return {
    status,
    reason:
      status === "ok"
        ? `Signed ${ageSeconds} s ago; ${uncoveredEntries} newer entries wait for the next checkpoint.`
        : `The latest checkpoint is ${ageSeconds} s old and ${uncoveredEntries} entries wait for one (the worker signs within a second): is the worker running?`,
    observedAt,
    details,
  };
}

async function decisionLatency(orgId: string, now: Date): Promise<Item<"decisionLatency">> {
  const t = GOVERNANCE_HEALTH_THRESHOLDS;
  // This process's newest answers first (an API process answering the health); every process writes its own every few seconds.
  await flushDecisionLatency();
  const { samples, p50Ms, p99Ms } = await decisionLatencyOf(orgId, t.decisionLatencyWindowSeconds * 1000, now.getTime());
  const details = { windowSeconds: t.decisionLatencyWindowSeconds, samples, p50Ms, p99Ms };
  const window = `${t.decisionLatencyWindowSeconds / 60} minutes`;
  if (p50Ms === null || p99Ms === null) {
    return { status: "ok", reason: `No decisions in the last ${window}.`, observedAt: null, details };
  }
  const status: HealthStatus = p99Ms > t.decisionLatencyFailP99Ms ? "fail" : p99Ms > t.decisionLatencyWarnP99Ms ? "warn" : "ok";
  const over = status === "ok" ? "" : ` (over ${status === "fail" ? t.decisionLatencyFailP99Ms : t.decisionLatencyWarnP99Ms} ms)`;
  return {
    status,
    reason: `${samples} ${samples === 1 ? "decision" : "decisions"} in the last ${window}, from every API process: p50 ≤ ${p50Ms} ms, p99 ≤ ${p99Ms} ms${over}.`,
    observedAt: now.toISOString(),
    details,
  };
}

/**
 * Decisions the org's failure policy made because they could not be evaluated (docs/policies.md, When a
 * decision cannot be evaluated), from the minute rollups of the window: one indexed range of a few rows per
 * agent and action type. Any is a warning (a step threw: the server's log names it); 1 % of the
 * window's decisions or more fails.
 */
async function evaluationFailures(orgId: string, now: Date): Promise<Item<"evaluationFailures">> {
  const t = GOVERNANCE_HEALTH_THRESHOLDS;
  const from = new Date(now.getTime() - t.evaluationFailuresWindowSeconds * 1000);
  const { rows } = await db().pool.query<{ failed: string | null; decisions: string | null; last: Date | null }>(
    `SELECT sum(evaluation_failed) AS failed, sum(executed + denied + requested) AS decisions,
            max(bucket) FILTER (WHERE evaluation_failed > 0) AS last
     FROM decision_rollups WHERE org_id = $1 AND period = 'minute' AND bucket >= $2`,
    [orgId, from],
  );
  const count = Number(rows[0]?.failed ?? 0);
  const decisions = Number(rows[0]?.decisions ?? 0);
  const details = { windowSeconds: t.evaluationFailuresWindowSeconds, count, decisions };
  const window = `${t.evaluationFailuresWindowSeconds / 60} minutes`;
  if (count === 0) return { status: "ok", reason: `Every decision of the last ${window} was evaluated.`, observedAt: null, details };
  const status: HealthStatus = count >= decisions * t.evaluationFailuresFailShare ? "fail" : "warn";
  return {
    status,
    reason: `${count} of ${decisions} decisions in the last ${window} could not be evaluated and were decided by the org's failure policy; the API's log names the step.`,
    observedAt: rows[0]?.last ? rows[0].last.toISOString() : null,
    details,
  };
}

/**
 * The worker's lease (global: one worker leads for every org) and the last run the org's own rows
 * record: its latest checkpoint, its rollups' cursor, its latest posture snapshot, its latest webhook attempt.
 */
async function workerJobs(orgId: string, now: Date): Promise<Item<"workerJobs">> {
  const pool = db().pool;
  const [leases, evidence] = await Promise.all([
    pool.query<{ name: string; updated_at: Date; expires_at: Date }>(`SELECT name, updated_at, expires_at FROM job_leases ORDER BY name LIMIT $1`, [MAX_JOBS]),
    pool.query<{ checkpointed: Date | null; rolled_up: Date | null; snapshot: Date | null; delivery_at: Date | null; delivery_status: string | null }>(
      `SELECT
         (SELECT created_at FROM checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1) AS checkpointed,
         (SELECT updated_at FROM rollup_cursors WHERE org_id = $1) AS rolled_up,
         (SELECT computed_at FROM posture_snapshots WHERE org_id = $1 ORDER BY day DESC LIMIT 1) AS snapshot,
         d.created_at AS delivery_at, d.status AS delivery_status
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (
         SELECT x.created_at, x.status FROM (SELECT id FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at LIMIT $2) e
         CROSS JOIN LATERAL (SELECT created_at, status, position FROM webhook_deliveries WHERE endpoint_id = e.id ORDER BY position DESC LIMIT 1) x
         ORDER BY x.created_at DESC LIMIT 1
       ) d ON true`,
      [orgId, MAX_ENDPOINTS],
    ),
  ]);
  const jobs: Array<{ name: string; lastRunAt: string | null; lastOutcome: string }> = leases.rows.map((lease) => ({
    name: lease.name,
    lastRunAt: lease.updated_at.toISOString(),
    lastOutcome: lease.expires_at > now ? "leading" : "lapsed",
  }));
  const found = evidence.rows[0];
  const ran = (name: string, at: Date | null | undefined, outcome = "ran") => jobs.push({ name, lastRunAt: at ? at.toISOString() : null, lastOutcome: at ? outcome : "never" });
  ran("audit-checkpoints", found?.checkpointed);
  ran("decision-rollups", found?.rolled_up);
  ran("posture-snapshots", found?.snapshot);
  ran("webhook-delivery", found?.delivery_at, found?.delivery_status ?? "ran");
  const lease = leases.rows.find((row) => row.name === "jobs");
  const details = { jobs: jobs.slice(0, MAX_JOBS) };
  if (!lease) return { status: "fail", reason: "No worker has ever led the jobs: start one (`npm run worker`, or `npm start`).", observedAt: null, details };
  const observedAt = lease.updated_at.toISOString();
  if (lease.expires_at > now) return { status: "ok", reason: "A worker leads the jobs and renewed its lease moments ago.", observedAt, details };
  const lapsed = seconds(lease.expires_at, now);
  if (lapsed > GOVERNANCE_HEALTH_THRESHOLDS.workerLeaseFailAfterSeconds)
    return { status: "fail", reason: `No worker has led the jobs for ${lapsed} s: checkpoints, expiries and webhooks are not running.`, observedAt, details };
  return { status: "warn", reason: `The worker's lease lapsed ${lapsed} s ago; a standby takes over within about a second.`, observedAt, details };
}

async function webhookBacklog(orgId: string, facts: Facts, now: Date): Promise<Item<"webhookBacklog">> {
  const t = GOVERNANCE_HEALTH_THRESHOLDS;
  const endpoints = (
    await db().pool.query<{ next_seq: string; failed_attempts: number }>(
      `SELECT next_seq, failed_attempts FROM webhook_endpoints WHERE org_id = $1 AND enabled ORDER BY created_at LIMIT $2`,
      [orgId, MAX_ENDPOINTS],
    )
  ).rows;
  const behind = endpoints.map((e) => Number(e.next_seq)).filter((seq) => seq < facts.head.size);
  const pending = behind.reduce((sum, seq) => sum + (facts.head.size - seq), 0);
  const failingEndpoints = endpoints.filter((e) => e.failed_attempts > 0).length;
  const oldestSeq = behind.length > 0 ? Math.min(...behind) : null;
  const oldest =
    oldestSeq === null
      ? null
      : ((await db().pool.query<{ created_at: Date }>(`SELECT created_at FROM audit_entries WHERE org_id = $1 AND seq = $2`, [orgId, String(oldestSeq)])).rows[0]?.created_at ??
        null);
  const oldestPendingAgeSeconds = oldest ? seconds(oldest, now) : null;
  const details = { endpoints: endpoints.length, pending, oldestPendingAgeSeconds, failingEndpoints };
  const observedAt = oldest?.toISOString() ?? null;
  if (endpoints.length === 0) return { status: "ok", reason: "The org has no enabled webhook endpoint.", observedAt, details };
  if (pending === 0) return { status: "ok", reason: "Every endpoint has handled every entry.", observedAt, details };
  const age = oldestPendingAgeSeconds ?? 0;
  // An endpoint whose current message failed is worth a look before its backlog ages (the worker retries with backoff).
  const status: HealthStatus = age > t.webhookFailAfterSeconds ? "fail" : age > t.webhookWarnAfterSeconds || failingEndpoints > 0 ? "warn" : "ok";
  const failing = failingEndpoints > 0 ? ` ${failingEndpoints} endpoint${failingEndpoints === 1 ? " is" : "s are"} failing.` : "";
  return {
    status,
    reason: `${pending} ${pending === 1 ? "entry waits" : "entries wait"} for delivery, the oldest for ${age} s.${failing}`,
    observedAt,
    details,
  };
}

async function witnesses(orgId: string, now: Date): Promise<Item<"witnesses">> {
  const status = await readWitnessStatus(orgId);
  const latest = status.latestCheckpoint;
  const refusing = status.witnesses.filter((w) => w.lastError !== null).map((w) => ({ name: w.name, lastStatus: w.lastStatus, lastError: w.lastError }));
  const details = {
    configured: status.quorum !== null,
    quorum: status.quorum,
    latestTreeSize: latest?.treeSize ?? null,
    cosignedBy: latest?.cosignedBy ?? [],
    witnessedTreeSize: status.witnessedTreeSize,
    refusing,
  };
  const cosignedTimes = status.witnesses
    .map((w) => w.lastCosignedAt)
    .filter((t): t is string => t !== null)
    .sort();
  const observedAt = cosignedTimes[cosignedTimes.length - 1] ?? null;
  if (status.quorum === null)
    return { status: "ok", reason: "The org has no witnesses (settings.witnesses): its checkpoints are signed by its own key only.", observedAt, details };
  const forked = refusing.filter((w) => w.lastStatus === 422);
  if (forked.length > 0) {
    return {
      status: "fail",
      reason: `${forked.map((w) => w.name).join(", ")} refused the log's checkpoint as not extending what ${forked.length === 1 ? "it" : "they"} cosigned: check for a fork or a rewritten history (GET /v1/audit/witnesses).`,
      observedAt,
      details,
    };
  }
  if (!latest || latest.quorumMet) return { status: "ok", reason: `The latest checkpoint is cosigned by its quorum (${status.quorum}).`, observedAt, details };
  const waiting = seconds(new Date(latest.createdAt), now);
  const t = GOVERNANCE_HEALTH_THRESHOLDS;
  const why = refusing.length > 0 ? ` Last answers: ${refusing.map((w) => `${w.name}: ${w.lastError}`).join("; ")}.` : "";
  return {
    status: waiting > t.witnessFailAfterSeconds ? "fail" : waiting > t.witnessWarnAfterSeconds ? "warn" : "ok",
    reason: `The latest checkpoint (tree size ${latest.treeSize}, ${waiting} s old) is cosigned by ${latest.cosignedBy.length === 0 ? "no witness" : latest.cosignedBy.join(", ")}; the quorum (${status.quorum}) is not met yet.${why}`,
    observedAt,
    details,
  };
}

/**
 * `GET /health/governance` (docs/audit.md, Governance health): the org's governance health,
 * for members with `audit.verify`. Observation fails open: a probe that throws makes its own item
 * `fail`, the others still answer. A few indexed reads; nothing over the whole log; nothing written but
 * this process's own decision-latency counts, which it writes every few seconds anyway.
 */
export async function getGovernanceHealth({ ctx, now = () => new Date() }: { ctx: Ctx; now?: () => Date }): Promise<GovernanceHealth> {
  requirePermission(ctx, "audit.verify");
  const orgId = ctx.org.id;
  const at = now();
  const facts = readFacts(orgId);
  // A failed read of the head and checkpoint fails the items that need it; the others go on.
  const withFacts = async <T>(use: (f: Facts) => Promise<T> | T): Promise<T> => use(await facts);
  const [logIntegrityItem, signingKeyItem, checkpointAgeItem, decisionLatencyItem, evaluationFailuresItem, workerJobsItem, webhookBacklogItem, witnessesItem] = await Promise.all([
    probe<"logIntegrity">("log integrity", () => withFacts((f) => logIntegrity(orgId, f))),
    probe<"signingKey">("signing key", () => signingKey(orgId)),
    probe<"checkpointAge">("checkpoint age", () => withFacts((f) => checkpointAge(f, at))),
    probe<"decisionLatency">("decision latency", () => decisionLatency(orgId, at)),
    probe<"evaluationFailures">("evaluation failures", () => evaluationFailures(orgId, at)),
    probe<"workerJobs">("worker jobs", () => workerJobs(orgId, at)),
    probe<"webhookBacklog">("webhook backlog", () => withFacts((f) => webhookBacklog(orgId, f, at))),
    probe<"witnesses">("witnesses", () => witnesses(orgId, at)),
  ]);
  const items: Items = {
    logIntegrity: logIntegrityItem,
    signingKey: signingKeyItem,
    checkpointAge: checkpointAgeItem,
    decisionLatency: decisionLatencyItem,
    evaluationFailures: evaluationFailuresItem,
    workerJobs: workerJobsItem,
    webhookBacklog: webhookBacklogItem,
    witnesses: witnessesItem,
  };
  return { status: worstStatus(Object.values(items).map((i) => i.status)), checkedAt: at.toISOString(), items };
}
