import { orgWitnessPolicy } from "@gatehouse/core";
import { consistencyProof, quorumMet, verifyCosignatures, type PolicyWitness, type WitnessPolicy } from "@gatehouse/tlog";
import { db } from "../infra/client";
import { postGuarded, type SendOptions } from "../infra/outbound";
import { logStartOf, withNodes } from "./get-audit-proof";

/**
 * The log's side of C2SP tlog-witness (docs/audit.md, Witnesses): each witness of the org's policy
 * gets the checkpoint with a consistency proof from the size it last cosigned, and its cosignature
 * is checked against the policy's key and kept beside the checkpoint (`checkpoint_cosignatures`).
 * Only the worker's job asks, for each org's latest checkpoint: a read (a proof file, an export, a
 * checkpoint, the status) serves the cosignatures already kept and never makes a request, so no key
 * can make the server POST to an org's witness URLs. The job is paced ({@link WitnessPacer}): an org's
 * requests are capped per minute, and a witness that failed waits longer after each failure in a row.
 * A witness that answers 409 names the size it holds, and the request is made again from there; any
 * other refusal (a 422 is a witness seeing a fork) is kept in `witness_states` with its reason, for
 * the status and the health answer.
 */

/** How long one request to a witness may take. */
export const WITNESS_TIMEOUT_MS = 5_000;
/** The most of a witness's answer read: a few signature lines, or a reason. */
const WITNESS_ANSWER_MAX_BYTES = 16 * 1024;
/** Orgs witnessed at once by the worker. */
const ORGS_AT_ONCE = 4;
/** The most requests the worker sends to one org's witnesses in any minute (each one counts, a 409's request again too). */
const WITNESS_CALLS_PER_ORG_PER_MINUTE = 64;
/** After a witness's n-th failure in a row, it is asked again no sooner than 10 s × 2^(n-1) later... */
const WITNESS_BACKOFF_BASE_MS = 10_000;
/** ...and at least every 15 minutes while it keeps failing. */
const WITNESS_BACKOFF_MAX_MS = 15 * 60_000;
const MINUTE_MS = 60_000;

/** How long a witness that failed `failures` times in a row waits before it is asked again. */
function witnessBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(WITNESS_BACKOFF_MAX_MS, WITNESS_BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
}

/**
 * The pace of the worker's requests to witnesses, kept by the worker that runs the job: each org's
 * requests in the last minute (at most {@link WITNESS_CALLS_PER_ORG_PER_MINUTE}), and each failing
 * witness's failures in a row and when it may be asked again ({@link witnessBackoffMs}). Its memory
 * is bounded by the witnesses of the orgs' policies (at most 64 each): an org or witness that leaves
 * them is forgotten at the next run. A new leader starts afresh (each witness once, then the same pace).
 */
export class WitnessPacer {
  private readonly now: () => number;
  private readonly calls = new Map<string, number[]>();
  private readonly failing = new Map<string, { failures: number; nextAt: number }>();

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Whether the witness may be asked now: it is not waiting out a failure. */
  due(orgId: string, witnessKey: string): boolean {
    const state = this.failing.get(`${orgId}\u0000${witnessKey}`);
    return !state || state.nextAt <= this.now();
  }

  /** Takes one request from the org's minute; false (and nothing taken) when the minute's requests are spent. */
  take(orgId: string): boolean {
    const at = this.now();
    const recent = (this.calls.get(orgId) ?? []).filter((t) => t > at - MINUTE_MS);
    if (recent.length >= WITNESS_CALLS_PER_ORG_PER_MINUTE) {
      this.calls.set(orgId, recent);
      return false;
    }
    recent.push(at);
    this.calls.set(orgId, recent);
    return true;
  }

  /** The witness answered with a cosignature: asked as soon as there is something to cosign. */
  succeeded(orgId: string, witnessKey: string): void {
    this.failing.delete(`${orgId}\u0000${witnessKey}`);
  }

  /** The witness gave no cosignature: it waits longer than after its previous failure. */
  failed(orgId: string, witnessKey: string): void {
    const key = `${orgId}\u0000${witnessKey}`;
    const failures = (this.failing.get(key)?.failures ?? 0) + 1;
    this.failing.set(key, { failures, nextAt: this.now() + witnessBackoffMs(failures) });
  }

  /** Forgets every org and witness not in `live` (org id → its witnesses' keys), and minutes gone by. */
  retain(live: ReadonlyMap<string, ReadonlySet<string>>): void {
    const at = this.now();
    for (const [orgId, times] of this.calls) if (!live.has(orgId) || times.every((t) => t <= at - MINUTE_MS)) this.calls.delete(orgId);
    for (const key of this.failing.keys()) {
      const [orgId = "", witnessKey = ""] = key.split("\u0000");
      if (!live.get(orgId)?.has(witnessKey)) this.failing.delete(key);
    }
  }
}

/** How the worker's job asks: its pacer (the job's own, kept between runs), the orgs it looks at, and the guard's options. */
export interface WitnessingOptions {
  /** Kept between the job's runs; a run without one paces itself alone (its org caps, no memory of failures). */
  pacer?: WitnessPacer;
  /** Only these orgs (a test's own). */
  onlyOrgs?: readonly string[];
  /** The SSRF guard's options (tests inject a resolver). */
  send?: Pick<SendOptions, "allowPrivate" | "resolve">;
}

/** What asking one witness came to: a cosignature, a failure (kept in its state), or no request made. */
type Asked = "cosigned" | "failed" | "not_asked";

export interface CheckpointToWitness {
  treeSize: number;
  /** The log's signed note (its cosignatures, if any, may follow: witnesses ignore lines they do not know). */
  note: string;
}

/** The policy's witnesses that have cosigned the org's checkpoint of `treeSize`, by their policy names. */
export async function cosignersOf(orgId: string, policy: WitnessPolicy, treeSize: number): Promise<Set<string>> {
  const { rows } = await db().pool.query<{ witness_key: string }>(`SELECT witness_key FROM checkpoint_cosignatures WHERE org_id = $1 AND tree_size = $2`, [
    orgId,
    String(treeSize),
  ]);
  const keys = new Set(rows.map((r) => r.witness_key));
  return new Set(policy.witnesses.filter((w) => keys.has(w.verifier.vkey)).map((w) => w.name));
}

/** One line of a witness's answer, made safe to store and show: printable, at most 300 characters. */
function reasonOf(text: string): string {
  return text
    .replace(/[^\x20-\x7e\u00a0-\uffff]+/g, " ")
    .trim()
    .slice(0, 300);
}

async function recordAttempt(orgId: string, witness: PolicyWitness, status: number | null, error: string | null, size?: number): Promise<void> {
  await db().pool.query(
    `INSERT INTO witness_states (org_id, witness_key, size, last_attempt_at, last_status, last_error, last_cosigned_at)
     VALUES ($1, $2, COALESCE($5::bigint, 0), now(), $3, $4, CASE WHEN $4::text IS NULL THEN now() END)
     ON CONFLICT (org_id, witness_key) DO UPDATE SET
       size = GREATEST(witness_states.size, COALESCE($5::bigint, witness_states.size)),
       last_attempt_at = now(), last_status = $3, last_error = $4,
       last_cosigned_at = CASE WHEN $4::text IS NULL THEN now() ELSE witness_states.last_cosigned_at END`,
    [orgId, witness.verifier.vkey, status, error, size === undefined ? null : String(size)],
  );
}

/** The add-checkpoint body: the old size, the proof from it, a blank line, the checkpoint. */
async function addCheckpointBody(orgId: string, oldSize: number, checkpoint: CheckpointToWitness): Promise<string> {
  const proof = oldSize === 0 || oldSize === checkpoint.treeSize ? [] : await withNodes(orgId, (source) => consistencyProof(oldSize, checkpoint.treeSize, source));
  return `old ${oldSize}\n${proof.map((h) => `${h.toString("base64")}\n`).join("")}\n${checkpoint.note}`;
}

/**
 * Asks one witness to cosign; keeps its cosignature or why it gave none. Each request takes one from the
 * org's minute first: none left, and it stops without a request (asked again at a later run). Never
 * throws for the witness's failures.
 */
async function askWitness(orgId: string, witness: PolicyWitness, checkpoint: CheckpointToWitness, pacer: WitnessPacer, send: WitnessingOptions["send"]): Promise<Asked> {
  const url = `${(witness.url as string).replace(/\/+$/, "")}/add-checkpoint`;
  const state = await db().pool.query<{ size: string }>(`SELECT size FROM witness_states WHERE org_id = $1 AND witness_key = $2`, [orgId, witness.verifier.vkey]);
  let oldSize = Number(state.rows[0]?.size ?? 0);
  if (oldSize > checkpoint.treeSize) return "not_asked"; // It holds a larger checkpoint of ours already: this one cannot be cosigned any more.
  /** The size the witness itself said it holds (its 409), rather than the one we kept. */
  let saidByWitness = false;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let body: string;
    try {
      body = await addCheckpointBody(orgId, oldSize, checkpoint);
    } catch (error) {
      // Below the log's start (its oldest months dropped), a proof from an odd size needs a leaf that went with them.
      const start = await logStartOf(orgId);
      if (oldSize === 0 || oldSize >= start) throw error;
      if (!saidByWitness) {
        // Ask from 0: a witness that still holds that size says so (409), one whose operator reset it cosigns afresh.
        oldSize = 0;
        body = await addCheckpointBody(orgId, 0, checkpoint);
      } else {
        await recordAttempt(
          orgId,
          witness,
          409,
          `it holds size ${oldSize}, below where the log now starts (${start}: the entries before it were dropped under the org's retention), and no consistency proof from ${oldSize} is left; its operator has to remove its record of this log for it to cosign afresh`,
        );
        return "failed";
      }
    }
    if (!pacer.take(orgId)) return "not_asked";
    const answer = await postGuarded(
      url,
      {
        headers: {},
        body,
        contentType: "text/plain; charset=utf-8",
        userAgent: "Gatehouse-Witnessing/1",
        maxResponseBytes: WITNESS_ANSWER_MAX_BYTES,
      },
      { ...send, timeoutMs: WITNESS_TIMEOUT_MS },
    );
    if (answer.status === 409 && /^text\/x\.tlog\.size/.test(answer.contentType ?? "")) {
      const held = /^(0|[1-9][0-9]{0,15})\n?$/.exec(answer.body);
      if (!held) {
        await recordAttempt(orgId, witness, 409, "answered 409 without a tree size");
        return "failed";
      }
      const size = Number(held[1]);
      if (size > checkpoint.treeSize) {
        // Not saved as its size: only a cosignature we hold moves that (a false claim must not stop us asking).
        await recordAttempt(orgId, witness, 409, `the witness says it holds a cosigned checkpoint of size ${size}, larger than this one (${checkpoint.treeSize})`);
        return "failed";
      }
      oldSize = size;
      saidByWitness = true;
      continue;
    }
    if (!answer.ok) {
      const said = reasonOf(answer.body);
      await recordAttempt(orgId, witness, answer.status, said ? `${answer.error ?? "failed"}: ${said}` : (answer.error ?? "failed"));
      return "failed";
    }
    // Each line it sent that is a valid cosignature by the policy's key for this witness.
    const text = checkpoint.note.slice(0, checkpoint.note.indexOf("\n\n") + 2);
    const lines = answer.body.split("\n").filter((line) => line.startsWith("\u2014 "));
    let kept: { line: string; timestamp: number } | null = null;
    for (const line of lines) {
      try {
        const [verified] = verifyCosignatures(`${text}${line}\n`, [witness.verifier]);
        if (verified) kept = { line: `${line}\n`, timestamp: verified.timestamp };
      } catch {
        // A line by its key that does not verify is not a cosignature.
      }
    }
    if (!kept) {
      await recordAttempt(orgId, witness, answer.status, "answered without a valid cosignature by the policy's key for this witness");
      return "failed";
    }
    await db().pool.query(
      `INSERT INTO checkpoint_cosignatures (org_id, tree_size, witness_key, line, cosigned_at) VALUES ($1, $2, $3, $4, to_timestamp($5)) ON CONFLICT DO NOTHING`,
      [orgId, String(checkpoint.treeSize), witness.verifier.vkey, kept.line, kept.timestamp],
    );
    await recordAttempt(orgId, witness, answer.status, null, checkpoint.treeSize);
    return "cosigned";
  }
  await recordAttempt(orgId, witness, 409, "the witness's size kept changing: another request raced this one");
  return "failed";
}

/**
 * Asks every witness of the policy that has not cosigned `checkpoint` yet and is not waiting out a
 * failure, at once, within the org's requests per minute; resolves with the policy's witnesses that have
 * cosigned it. Never throws for a witness's failure. The worker's job is its one caller outside tests.
 */
export async function witnessCheckpoint(
  orgId: string,
  policy: WitnessPolicy,
  checkpoint: CheckpointToWitness,
  options: Pick<WitnessingOptions, "pacer" | "send"> = {},
): Promise<Set<string>> {
  const pacer = options.pacer ?? new WitnessPacer();
  const already = await cosignersOf(orgId, policy, checkpoint.treeSize);
  await Promise.all(
    policy.witnesses
      .filter((w) => w.url !== null && !already.has(w.name) && pacer.due(orgId, w.verifier.vkey))
      .map(async (w) => {
        const asked = await askWitness(orgId, w, checkpoint, pacer, options.send).catch(async (error: unknown): Promise<Asked> => {
          await recordAttempt(orgId, w, null, `could not ask: ${reasonOf((error as Error).message)}`).catch(() => {});
          return "failed";
        });
        if (asked === "cosigned") pacer.succeeded(orgId, w.verifier.vkey);
        else if (asked === "failed") pacer.failed(orgId, w.verifier.vkey);
      }),
  );
  return cosignersOf(orgId, policy, checkpoint.treeSize);
}

/** The org's stored settings object (its witness policy is read from it). */
export async function storedOrgSettings(orgId: string): Promise<unknown> {
  return (await db().pool.query<{ settings: unknown }>(`SELECT settings FROM orgs WHERE id = $1`, [orgId])).rows[0]?.settings;
}

/**
 * The worker's job: each open org with witnesses gets its latest checkpoint put to the witnesses that
 * have not cosigned it, paced by `options.pacer` (the job keeps one between runs). Resolves with the
 * orgs asked.
 */
export async function witnessLatestCheckpoints(options: WitnessingOptions = {}): Promise<number> {
  const pacer = options.pacer ?? new WitnessPacer();
  const { rows } = await db().pool.query<{ id: string; settings: unknown; tree_size: string; note: string }>(
    `SELECT o.id, o.settings, c.tree_size, c.note FROM orgs o
     JOIN LATERAL (SELECT tree_size, note FROM checkpoints WHERE org_id = o.id ORDER BY tree_size DESC LIMIT 1) c ON true
     WHERE o.closed_at IS NULL AND COALESCE(o.settings->'witnesses'->>'policy', '') <> '' AND ($1::text[] IS NULL OR o.id = ANY($1::text[]))`,
    [options.onlyOrgs ? [...options.onlyOrgs] : null],
  );
  const live = new Map<string, Set<string>>();
  let asked = 0;
  const queue = [...rows];
  const next = async (): Promise<void> => {
    for (let org = queue.shift(); org; org = queue.shift()) {
      try {
        const policy = orgWitnessPolicy(org.settings);
        if (!policy) continue;
        live.set(org.id, new Set(policy.witnesses.map((w) => w.verifier.vkey)));
        const checkpoint = { treeSize: Number(org.tree_size), note: org.note };
        if (quorumMet(policy, await cosignersOf(org.id, policy, checkpoint.treeSize))) continue;
        asked += 1;
        await witnessCheckpoint(org.id, policy, checkpoint, { pacer, send: options.send });
      } catch {
        // One org's failure (a policy that no longer parses) does not stop the others; its witnesses' states say why.
      }
    }
  };
  await Promise.all(Array.from({ length: ORGS_AT_ONCE }, next));
  if (!options.onlyOrgs) pacer.retain(live);
  return asked;
}
