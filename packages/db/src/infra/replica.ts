import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import { createDb, db, type Db } from "./client";
import { describeConnectionFailure } from "./db-errors";
import { dbEnv } from "./env";
import { withTimeout } from "./timeout";

/**
 * Reads from a streaming replica (issue 43; docs/deploying.md "Reads from a replica").
 *
 * The console's page reads (the lists and the pages of agents, runs, approvals, the audit log, members,
 * keys, budgets, webhooks) may go to a hot standby, DATABASE_REPLICA_URL, under two rules:
 *
 * 1. **Bounded lag, measured.** Every DATABASE_REPLICA_CHECK_MS this process reads the primary's WAL
 *    position, then what the replica has replayed. Each primary reading is a sample (when it was taken,
 *    the position): every transaction acknowledged before it was taken ends at or below it. The newest
 *    sample the replica has replayed past therefore bounds what the replica can be missing: only what
 *    was committed after that sample was taken. Its age is the lag, an upper bound, growing by itself
 *    while the replica stops replaying or stops answering. Past DATABASE_REPLICA_MAX_LAG_MS, or with no
 *    measurement, or on a server that is not a standby, the replica is not used. The primary's position is its WAL
 *    insert position (`pg_current_wal_insert_lsn()`), which covers a commit acknowledged before its WAL was written
 *    (`synchronous_commit = off`); times are read from a monotonic clock, which a stepped wall clock cannot move back.
 *    DATABASE_REPLICA_URL must reach one standby (a host, or a balancer that sends every connection to the same one,
 *    as HAProxy's `balance first`): the lag measured on one connection bounds reads on the others only if they reach
 *    the same server.
 * 2. **A member reads their own writes.** After a console write, the primary's WAL position is sent to
 *    the browser (apps/web: the `gh_wal` cookie); a read that carries it goes to the replica only if the
 *    replica has replayed past it, and otherwise to the primary.
 *
 * Only reads that ask for it (readDb() inside withReplicaReads) can reach the replica: what decides
 * (sessions, membership, permissions, settings, every decision and write) reads the primary, and so do
 * the API, verification and export (each reads one consistent snapshot of the primary, ADR 0032).
 */

/** A WAL position as PostgreSQL prints it ("16/B374D848"), as bytes. Null for anything else. */
export function walPosition(text: string | null | undefined): bigint | null {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text ?? "");
  if (!match) return null;
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

export interface ReplicaStatus {
  /** DATABASE_REPLICA_URL is set. */
  configured: boolean;
  /** It serves reads now: measured, a standby, within the bound. */
  usable: boolean;
  /** The most it can be behind now, in ms; null when that is not known (never measured, unreachable, or behind every sample kept). */
  lagMs: number | null;
  maxLagMs: number;
  /** The WAL position it had replayed at the last measurement. */
  replayed: string | null;
  /** Why it does not serve reads, when it does not. */
  reason: string | null;
  /** Reads asked of it since the process started: how many it served, how many went to the primary instead. */
  reads: { replica: number; primary: number };
}

interface Sample {
  at: number;
  position: bigint;
}

/** Samples kept while the replica does not replay past them (ten minutes at the default interval): past that its lag is unknown, so it is not used. */
const MAX_SAMPLES = 2_400;

export class ReplicaReads {
  private samples: Sample[] = [];
  private replayed: bigint | null = null;
  private replayedText: string | null = null;
  private reason: string | null = "not measured yet";
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;
  private readonly counts = { replica: 0, primary: 0 };
  /** Whether the last line logged said it serves reads (it starts unannounced: the first change from "not measured" is logged only if it is unusable). */
  private announced = true;

  constructor(
    private readonly primary: pg.Pool,
    readonly replica: Db,
    readonly maxLagMs: number,
    readonly checkMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Measures at once, then every `checkMs` (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.checkMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await withTimeout(this.checking ?? Promise.resolve(), this.measureTimeoutMs(), undefined);
    await this.replica.$disconnect().catch(() => {});
    await this.replica.pool.end().catch(() => {});
  }

  /** One measurement (a second call while one runs waits for it). */
  check(): Promise<void> {
    this.checking ??= this.measure().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async measure(): Promise<void> {
    await this.read();
    // One line when the replica starts or stops serving reads (and why), never one per measurement.
    const { usable, reason, lagMs } = this.status();
    if (usable !== this.announced) {
      this.announced = usable;
      if (usable) console.warn(`[database] the replica serves page reads again (${lagMs} ms behind)`);
      else console.warn(`[database] the replica does not serve page reads: ${reason}; they go to the primary`);
    }
  }

  private async read(): Promise<void> {
    try {
      // The time first, then the primary's position: everything acknowledged before `at` ends at or below it.
      const at = this.clock();
      const primary = await this.bounded(this.primary.query<{ position: string }>("SELECT pg_current_wal_insert_lsn()::text AS position"));
      const position = walPosition(primary.rows[0]?.position);
      if (position === null) throw new Error("the primary reported no WAL position");
      this.samples.push({ at, position });
      const replica = await this.bounded(
        this.replica.pool.query<{ standby: boolean; replayed: string | null }>("SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed"),
      );
      const row = replica.rows[0];
      if (!row?.standby) return this.unusable("DATABASE_REPLICA_URL reaches a server that is not a standby (pg_is_in_recovery() is false)");
      const replayed = walPosition(row.replayed);
      if (replayed === null) return this.unusable("the replica reported no replayed WAL position");
      this.replayed = replayed;
      this.replayedText = row.replayed;
      this.reason = null;
      // Keep the newest sample the replica has replayed past (it bounds the lag) and every later one.
      let newest = -1;
      for (let i = 0; i < this.samples.length; i += 1) if ((this.samples[i] as Sample).position <= replayed) newest = i;
      if (newest > 0) this.samples = this.samples.slice(newest);
      if (this.samples.length > MAX_SAMPLES) this.samples = this.samples.slice(-MAX_SAMPLES);
    } catch (error) {
      this.unusable(`not reachable: ${describeConnectionFailure(error)}`);
    }
  }

  /** A measurement's query never waits longer than this, whatever the pool's own query timeout (which may be 0: none). */
  private measureTimeoutMs(): number {
    return Math.max(1_000, 4 * this.checkMs);
  }

  private bounded<T>(query: Promise<T>): Promise<T> {
    const late = Symbol("late");
    query.catch(() => {}); // answered after the bound: nobody waits for it any more
    return withTimeout<T | typeof late>(query, this.measureTimeoutMs(), late).then((answer) => {
      if (answer === late) throw new Error(`no answer within ${this.measureTimeoutMs()} ms`);
      return answer;
    });
  }

  private unusable(reason: string): void {
    this.replayed = null;
    this.replayedText = null;
    this.reason = reason;
  }

  /** The age of the newest sample the replica has replayed past; null when none (it is behind every sample kept, or not measured). */
  lagMs(now = this.clock()): number | null {
    if (this.replayed === null) return null;
    let bound: Sample | undefined;
    for (const sample of this.samples) if (sample.position <= this.replayed) bound = sample;
    return bound ? Math.max(0, now - bound.at) : null;
  }

  /** The replica for a read that must see `after` (a WAL position, the reader's own last write), or null: read the primary. */
  forRead(after: bigint | null, now = this.clock()): Db | null {
    const lag = this.lagMs(now);
    const fresh = lag !== null && lag <= this.maxLagMs && this.replayed !== null && (after === null || this.replayed >= after);
    this.counts[fresh ? "replica" : "primary"] += 1;
    return fresh ? this.replica : null;
  }

  status(now = this.clock()): ReplicaStatus {
    const lagMs = this.lagMs(now);
    const usable = lagMs !== null && lagMs <= this.maxLagMs;
    const reason = this.reason ?? (lagMs === null ? "behind every measurement kept" : usable ? null : `${lagMs} ms behind, more than ${this.maxLagMs} ms`);
    return { configured: true, usable, lagMs, maxLagMs: this.maxLagMs, replayed: this.replayedText, reason, reads: { ...this.counts } };
  }
}

const holderKey = Symbol.for("gatehouse.replicaReads");
type Holder = { [holderKey]?: ReplicaReads | null };

/** This process's replica reads from DATABASE_REPLICA_URL (measuring from first use), or null when none is set. */
export function replicaReads(): ReplicaReads | null {
  const holder = globalThis as Holder;
  if (holder[holderKey] === undefined) {
    const env = dbEnv();
    if (!env.DATABASE_REPLICA_URL) {
      holder[holderKey] = null;
    } else {
      const replica = createDb({
        url: env.DATABASE_REPLICA_URL,
        poolSize: env.DATABASE_POOL_SIZE,
        connectTimeoutMs: Math.min(env.DATABASE_CONNECT_TIMEOUT_MS, 2_000),
        statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
        queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
        poolMode: env.DATABASE_POOL_MODE,
      });
      const reads = new ReplicaReads(db().pool, replica, env.DATABASE_REPLICA_MAX_LAG_MS, env.DATABASE_REPLICA_CHECK_MS);
      // Its timer must not carry the scope of the request that happened to create it.
      readScope.exit(() => reads.start());
      holder[holderKey] = reads;
    }
  }
  return holder[holderKey] ?? null;
}

/** The replica's pool as pg counts it, for the metrics; none when no replica is set or none was used yet (nothing is made here). */
export function replicaPoolStats(): { total: number; idle: number; waiting: number; max: number } | null {
  const pool = (globalThis as Holder)[holderKey]?.replica.pool;
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 } : null;
}

/** Stops measuring and closes the replica's pool (disconnectDb calls it). */
export async function closeReplicaReads(): Promise<void> {
  const holder = globalThis as Holder;
  const reads = holder[holderKey];
  delete holder[holderKey];
  await reads?.stop();
}

/** What /healthz reports of the replica: not configured, or its status. Observation only: a replica that is down is not an outage. */
export function replicaStatus(): ReplicaStatus | { configured: false } {
  return replicaReads()?.status() ?? { configured: false };
}

const readScope = new AsyncLocalStorage<{ after: bigint | null }>();

/**
 * Runs `read` with readDb() allowed to answer from the replica, for a reader whose own last write
 * ended at `after` (a WAL position from {@link writePosition}; anything unreadable counts as none).
 */
export function withReplicaReads<T>(after: string | null | undefined, read: () => Promise<T>): Promise<T> {
  return readScope.run({ after: walPosition(after) }, read);
}

/**
 * The client for a page read: the replica inside {@link withReplicaReads} when it is within its lag bound
 * and has replayed the reader's own last write; the primary (db()) everywhere else.
 */
export function readDb(): Db {
  const scope = readScope.getStore();
  if (!scope) return db();
  return replicaReads()?.forRead(scope.after) ?? db();
}

/** The primary's WAL position now, after a write, for the writer's later reads; null without a replica (nothing to wait for). */
export async function writePosition(): Promise<string | null> {
  if (!replicaReads()) return null;
  const { rows } = await db().pool.query<{ position: string }>("SELECT pg_current_wal_insert_lsn()::text AS position");
  return rows[0]?.position ?? null;
}
