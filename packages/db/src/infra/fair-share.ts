import { rateLimited } from "@gatehouse/core";
import { dbEnv } from "./env";

/**
 * Fair shares of the database pool for expensive work (docs/adr/0015-fair-shares.md): audit
 * verification and export, policy replay, delegation creation. Decisions never pass through here:
 * at most `total` pieces of expensive work run at once in this process (a quarter of the pool by
 * default, each holding at most two pooled connections at a time, and none between its reads), so
 * the other half always serves the hot path. Each org runs at most `perOrg` at once; its further calls wait in a queue of its own (at
 * most `queuePerOrg`, each for at most `maxWaitMs`), and past either bound that org alone gets 429
 * with Retry-After. When a slot frees, the orgs waiting take turns (round robin), so one org's long
 * queue never delays another org's first call by more than one turn.
 */
export interface FairShareLimits {
  /** Expensive work running at once in this process, every org together. */
  total: number;
  /** Expensive work running at once for one org. */
  perOrg: number;
  /** Calls of one org waiting for a slot; one more is refused at once (429). */
  queuePerOrg: number;
  /** Longest wait for a slot before the call is refused (429), in ms. */
  maxWaitMs: number;
}

/** Retry-After of a refusal: the work that holds the org's slots takes seconds, not minutes. */
const RETRY_AFTER_SECONDS = 5;

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

export interface FairShareStats {
  running: number;
  waiting: number;
  /** The most that ever ran at once for the org (tests and the benchmark read it). */
  peakRunning: number;
}

export class FairShare {
  private running = 0;
  private readonly runningByOrg = new Map<string, number>();
  private readonly peakByOrg = new Map<string, number>();
  /** Each org's waiters in arrival order; the map's order is the turn order of the orgs. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(readonly limits: FairShareLimits) {}

  /** Runs `work` in one of the org's slots, waiting for one if need be; `what` names the work in a refusal. */
  async run<T>(orgId: string, what: string, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(orgId, what);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Takes one of the org's slots (waiting for one if need be) and returns its release, which frees it
   * once however often it is called: for work that outlives the call, such as a streamed export.
   */
  acquire(orgId: string, what: string): Promise<() => void> {
    if (this.canRun(orgId) && !this.queues.has(orgId)) return Promise.resolve(this.take(orgId));
    const queue = this.queues.get(orgId) ?? [];
    if (queue.length >= this.limits.queuePerOrg) {
      return Promise.reject(
        rateLimited(`${queue.length} calls of this org already wait for ${what} (at most ${this.limits.queuePerOrg}); try again shortly`, RETRY_AFTER_SECONDS, {
          waiting: queue.length,
          limit: this.limits.queuePerOrg,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => resolve(this.take(orgId)),
        timer: setTimeout(() => {
          const waiting = this.queues.get(orgId) ?? [];
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          if (waiting.length === 0) this.queues.delete(orgId);
          reject(rateLimited(`this org's ${what} waited ${this.limits.maxWaitMs} ms for a turn; try again shortly`, RETRY_AFTER_SECONDS, { waitedMs: this.limits.maxWaitMs }));
        }, this.limits.maxWaitMs),
      };
      queue.push(waiter);
      this.queues.set(orgId, queue);
    });
  }

  stats(orgId: string): FairShareStats {
    return { running: this.runningByOrg.get(orgId) ?? 0, waiting: this.queues.get(orgId)?.length ?? 0, peakRunning: this.peakByOrg.get(orgId) ?? 0 };
  }

  private canRun(orgId: string): boolean {
    return this.running < this.limits.total && (this.runningByOrg.get(orgId) ?? 0) < this.limits.perOrg;
  }

  private take(orgId: string): () => void {
    this.running += 1;
    const held = (this.runningByOrg.get(orgId) ?? 0) + 1;
    this.runningByOrg.set(orgId, held);
    this.peakByOrg.set(orgId, Math.max(held, this.peakByOrg.get(orgId) ?? 0));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const left = (this.runningByOrg.get(orgId) ?? 1) - 1;
      if (left > 0) this.runningByOrg.set(orgId, left);
      else this.runningByOrg.delete(orgId);
      this.admitNext();
    };
  }

  /** Admits waiters while slots are free, one org at a time in turn (an admitted org goes to the back). */
  private admitNext(): void {
    let progressed = true;
    while (progressed && this.running < this.limits.total) {
      progressed = false;
      for (const [orgId, queue] of this.queues) {
        if (!this.canRun(orgId)) continue;
        const waiter = queue.shift() as Waiter;
        clearTimeout(waiter.timer);
        this.queues.delete(orgId);
        if (queue.length > 0) this.queues.set(orgId, queue);
        waiter.admit();
        progressed = true;
        break;
      }
    }
  }
}

/**
 * The defaults for a pool of `poolSize`: expensive work holds at most half of it. A piece of work
 * holds at most two connections at once (a page read ahead while another query runs), so a quarter
 * of the pool in slots; two per org.
 */
export function fairShareLimits(poolSize: number): FairShareLimits {
  const total = Math.max(1, Math.floor(poolSize / 4));
  return { total, perOrg: Math.min(2, total), queuePerOrg: 100, maxWaitMs: 30_000 };
}

const holderKey = Symbol.for("gatehouse.fairShare");
type Holder = { [holderKey]?: FairShare };

/** This process's fair shares, sized from DATABASE_POOL_SIZE. */
export function fairShare(): FairShare {
  const holder = globalThis as Holder;
  holder[holderKey] ??= new FairShare(fairShareLimits(dbEnv().DATABASE_POOL_SIZE));
  return holder[holderKey];
}

/**
 * For a computation that stays on the event loop (an event replay page's projection): `await pause()`
 * between small steps lets what is waiting (other requests' I/O, decisions) run once `sliceMs` of
 * computation has passed since the last pause, and costs nothing otherwise.
 */
export function eventLoopSlices(sliceMs = 2): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

const turnsKey = Symbol.for("gatehouse.orgTurns");
type TurnsHolder = { [turnsKey]?: Map<string, FairShare> };

/**
 * One call of an org at a time per process for the routes that name the turn (a route contract's
 * `orgTurn`: the policy editor's reads and writes, whose bodies and answers run to a megabyte), from
 * before the body is read to the answer. Other orgs are never bounded by it (no total); an org's
 * further calls wait in its queue (at most 100, each for at most 30 s), then 429 with Retry-After.
 */
export function orgTurns(name: string): FairShare {
  const holder = globalThis as TurnsHolder;
  holder[turnsKey] ??= new Map();
  let share = holder[turnsKey].get(name);
  if (!share) {
    share = new FairShare({ total: Number.MAX_SAFE_INTEGER, perOrg: 1, queuePerOrg: 100, maxWaitMs: 30_000 });
    holder[turnsKey].set(name, share);
  }
  return share;
}
