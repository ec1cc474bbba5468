import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { db } from "../infra/client";

/** Leadership over the jobs, held by at most one process of those that share a database. */
export interface LeaderLock {
  /**
   * Takes leadership if it is free, or confirms this process still holds it. False while another
   * process holds it; throws when the database cannot be reached (leadership is then given up).
   */
  hold(): Promise<boolean>;
  /** Gives leadership up, so a standby may take it at its next try. */
  release(): Promise<void>;
}

/** The lease the worker's jobs run under. */
export const JOBS_LEASE = "jobs";

/** How long a lease lasts past its last renewal: a holder that dies is replaced within this and a standby's next try. */
export const LEASE_TTL_MS = 1_500;

/** Runs one statement and answers its rows (the pool's query by default; tests pass one of their own). */
export type LeaseQuery = <R>(text: string, values: unknown[]) => Promise<R[]>;

/**
 * Takes the lease when it is free or lapsed, or renews it for its holder: one statement, on the
 * database's clock, so hosts whose clocks disagree still agree on who holds it. Answers the term
 * (the count of holders so far) when this holder has it now; no row while another holds it.
 */
const TAKE_OR_RENEW = `
  INSERT INTO job_leases AS l (name, holder, expires_at, term, updated_at)
  VALUES ($1, $2, now() + $3 * interval '1 millisecond', 1, now())
  ON CONFLICT (name) DO UPDATE SET
    holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at, updated_at = now(),
    term = CASE WHEN l.holder = EXCLUDED.holder THEN l.term ELSE l.term + 1 END
  WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
  RETURNING l.term::text AS term`;

/**
 * Leadership as a lease row (docs/adr/0009-background-jobs.md): every statement is a transaction of
 * its own, so it holds no session state and works through a transaction-mode pooler (PgBouncer) as
 * directly, and on the embedded database (where an advisory lock excluded nobody). The holder renews
 * the lease at each `hold()`; a holder that stops renews nothing and the lease lapses `ttlMs` after
 * its last renewal; one that stops cleanly gives it back at once.
 *
 * This process counts itself the holder only until `ttlMs − marginMs` after it sent its last renewal
 * (its own monotonic clock): the database's lease runs from when the statement ran, which is later, so
 * this process's claim always ends before any other can begin — however long the process was paused.
 */
export function leaseLeaderLock(
  options: { name?: string; ttlMs?: number; marginMs?: number; holder?: string; query?: LeaseQuery; now?: () => number } = {},
): LeaderLock & { readonly holder: string } {
  const name = options.name ?? JOBS_LEASE;
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const marginMs = options.marginMs ?? Math.min(500, Math.floor(ttlMs / 4));
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(6).toString("hex")}`;
  const query: LeaseQuery = options.query ?? (async <R>(text: string, values: unknown[]) => (await db().pool.query(text, values)).rows as R[]);
  const now = options.now ?? (() => performance.now());
  let validUntil = Number.NEGATIVE_INFINITY;

  return {
    holder,
    async hold() {
      const sentAt = now();
      try {
        const rows = await query<{ term: string }>(TAKE_OR_RENEW, [name, holder, ttlMs]);
        if (rows.length === 0) {
          validUntil = Number.NEGATIVE_INFINITY;
          return false;
        }
        validUntil = sentAt + ttlMs - marginMs;
        // An answer that came back after the claim it renewed had already run out proves nothing.
        return now() < validUntil;
      } catch (error) {
        validUntil = Number.NEGATIVE_INFINITY;
        throw error;
      }
    },
    async release() {
      const held = validUntil > Number.NEGATIVE_INFINITY;
      validUntil = Number.NEGATIVE_INFINITY;
      if (held) await query(`DELETE FROM job_leases WHERE name = $1 AND holder = $2`, [name, holder]).catch(() => {});
    },
  };
}
