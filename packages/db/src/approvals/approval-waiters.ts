import { db } from "../infra/client";
import { signals } from "../infra/signals";

/**
 * Parked long-polls, keyed by approval id, in this process. A waiter is woken when its approval
 * changes: at once by the `approvals.changed` signal (Redis pub/sub from any instance, or in-process
 * without Redis), and in any case by a database poll — every second without Redis, every few seconds
 * with it as a safety net for a lost message. Waking is a hint: the waiter re-reads the approval.
 * Thousands of waiters are released in slices so the event loop keeps serving other requests.
 *
 * A parked wait costs one small object (no closures, no Set): ten thousand of them sit on one
 * process next to their sockets.
 */
export interface Parked {
  /** Resolves true when woken, false when `ms` pass or `signal` aborts first. */
  next(ms: number, signal?: AbortSignal): Promise<boolean>;
  /** Leaves the lot; call once the wait is over. */
  leave(): void;
  /** True once the lot closed (shutdown): stop waiting and answer. */
  readonly closed: boolean;
}

const RELEASE_SLICE = 500;
const POLL_SLICE = 5_000;

/** One wait in the lot, linked to the other waits on the same approval. */
class Waiter implements Parked {
  /** Woken between two `next` calls: the next one returns at once. */
  woken = false;
  /** Neighbours on the same approval (most approvals have one waiter). */
  previous: Waiter | null = null;
  following: Waiter | null = null;
  #resolve: ((woken: boolean) => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #signal: AbortSignal | null = null;
  #left = false;

  constructor(
    readonly lot: ApprovalWaiters,
    readonly approvalId: string,
    /** Set when this wait is one approval of a shared wait: waking it wakes the group. */
    readonly group: WaiterGroup | null = null,
  ) {}

  get closed(): boolean {
    return this.lot.closed;
  }

  next(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.lot.closed || this.#left) return Promise.resolve(false);
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(true);
    }
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(timedOut, Math.max(0, ms), this);
      if (signal) {
        this.#signal = signal;
        signal.addEventListener("abort", this, { once: true });
      }
    });
  }

  /** Wakes this wait (or marks it woken when it is between two `next` calls). */
  wake(): void {
    if (this.group) this.group.wake(this.approvalId);
    else if (this.#resolve) this.settle(true);
    else this.woken = true;
  }

  settle(woken: boolean): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#signal?.removeEventListener("abort", this);
    this.#signal = null;
    this.woken = false;
    resolve(woken);
  }

  /** The abort listener (an object listener: no closure per wait). */
  handleEvent(): void {
    this.settle(false);
  }

  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.lot.remove(this);
    this.settle(false);
  }
}

function timedOut(waiter: { settle(woken: boolean): void }): void {
  waiter.settle(false);
}

/**
 * A shared wait on several approvals (one request of an SDK client that waits on many): one waiter
 * per approval in the lot, one timer and one abort listener for the whole set. Woken when any of
 * them changes; `takeWoken` says which.
 */
export class WaiterGroup {
  readonly #members: Waiter[] = [];
  readonly #woken = new Set<string>();
  #resolve: ((woken: boolean) => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #signal: AbortSignal | null = null;
  #left = false;

  constructor(readonly lot: ApprovalWaiters) {}

  get closed(): boolean {
    return this.lot.closed;
  }

  /** @internal The lot adds the members. */
  add(member: Waiter): void {
    this.#members.push(member);
  }

  /** Resolves true when any approval of the set is woken, false when `ms` pass or `signal` aborts first. */
  next(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.lot.closed || this.#left) return Promise.resolve(false);
    if (this.#woken.size > 0) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(timedOut, Math.max(0, ms), this);
      if (signal) {
        this.#signal = signal;
        signal.addEventListener("abort", this, { once: true });
      }
    });
  }

  /** The approvals woken since the last call. */
  takeWoken(): string[] {
    const ids = [...this.#woken];
    this.#woken.clear();
    return ids;
  }

  wake(approvalId: string): void {
    this.#woken.add(approvalId);
    this.settle(true);
  }

  settle(woken: boolean): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#signal?.removeEventListener("abort", this);
    this.#signal = null;
    resolve(woken);
  }

  handleEvent(): void {
    this.settle(false);
  }

  /** Leaves the lot with every approval of the set; call once the wait is over. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    for (const member of this.#members) member.leave();
    this.settle(false);
  }
}

export class ApprovalWaiters {
  /** The first waiter of each parked approval; the others hang off it. */
  readonly #first = new Map<string, Waiter>();
  readonly #pollMs: number;
  #size = 0;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #polling = false;
  #closed = false;

  constructor(options: { pollMs: number }) {
    this.#pollMs = options.pollMs;
  }

  get size(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  park(approvalId: string): Parked {
    return this.#park(approvalId, null);
  }

  /** Parks one wait on all these approvals together (woken when any of them changes). */
  parkAll(approvalIds: readonly string[]): WaiterGroup {
    const group = new WaiterGroup(this);
    for (const id of approvalIds) group.add(this.#park(id, group));
    if (this.#closed) group.leave();
    return group;
  }

  #park(approvalId: string, group: WaiterGroup | null): Waiter {
    this.#start();
    const waiter = new Waiter(this, approvalId, group);
    const first = this.#first.get(approvalId);
    if (first) {
      waiter.following = first.following;
      if (first.following) first.following.previous = waiter;
      waiter.previous = first;
      first.following = waiter;
    } else {
      this.#first.set(approvalId, waiter);
    }
    this.#size += 1;
    if (this.#closed) waiter.leave();
    return waiter;
  }

  /** Takes a waiter out of the lot (its `leave`). */
  remove(waiter: Waiter): void {
    if (waiter.previous) waiter.previous.following = waiter.following;
    else if (waiter.following) this.#first.set(waiter.approvalId, waiter.following);
    else if (this.#first.get(waiter.approvalId) === waiter) this.#first.delete(waiter.approvalId);
    if (waiter.following) waiter.following.previous = waiter.previous;
    waiter.previous = null;
    waiter.following = null;
    this.#size -= 1;
    if (this.#first.size === 0) this.#stop();
  }

  /** Wakes every waiter of these approvals, a slice per event-loop turn. */
  wake(approvalIds: readonly string[]): void {
    const woken: Waiter[] = [];
    for (const id of approvalIds) {
      for (let waiter: Waiter | null | undefined = this.#first.get(id); waiter; waiter = waiter.following) woken.push(waiter);
    }
    if (woken.length > 0) release(woken, 0);
  }

  close(): void {
    this.#closed = true;
    this.#stop();
    const all: Waiter[] = [];
    for (const first of this.#first.values()) for (let waiter: Waiter | null = first; waiter; waiter = waiter.following) all.push(waiter);
    for (const waiter of all) waiter.leave();
    this.#first.clear();
  }

  #start(): void {
    if (this.#timer || this.#closed) return;
    this.#unsubscribe = signals().subscribe((signal) => {
      if (signal.type === "approvals.changed") this.wake(signal.approvalIds);
    });
    this.#timer = setInterval(() => void this.#poll(), this.#pollMs);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** The fallback: which parked approvals are no longer pending (decided on an instance we did not hear from). */
  async #poll(): Promise<void> {
    if (this.#polling || this.#first.size === 0) return;
    this.#polling = true;
    try {
      const ids = [...this.#first.keys()];
      for (let i = 0; i < ids.length; i += POLL_SLICE) {
        const { rows } = await db().pool.query<{ id: string }>(`SELECT id FROM approvals WHERE id = ANY($1::text[]) AND (status <> 'pending' OR expires_at <= $2)`, [
          ids.slice(i, i + POLL_SLICE),
          new Date(),
        ]);
        this.wake(rows.map((r) => r.id));
      }
    } catch {
      // Observation: a failed poll is retried on the next tick; waits still end at their timeout.
    } finally {
      this.#polling = false;
    }
  }
}

/** Wakes `RELEASE_SLICE` waiters now and the rest in later turns, so other requests get a turn between slices. */
function release(woken: readonly Waiter[], from: number): void {
  const to = Math.min(woken.length, from + RELEASE_SLICE);
  for (let i = from; i < to; i += 1) woken[i]?.wake();
  if (to < woken.length) setImmediate(release, woken, to);
}

const globalKey = Symbol.for("gatehouse.approvalWaiters");
type Holder = { [globalKey]?: ApprovalWaiters };

/** The process's parking lot: database poll every second without Redis, every 5 s with it. */
export function approvalWaiters(): ApprovalWaiters {
  const holder = globalThis as Holder;
  holder[globalKey] ??= new ApprovalWaiters({ pollMs: signals().transport === "redis" ? 5_000 : 1_000 });
  return holder[globalKey];
}

/** Approvals parked in this process's long-polls, for the metrics (no lot is made here). */
export function parkedApprovalWaits(): number {
  return (globalThis as Holder)[globalKey]?.size ?? 0;
}

export function closeApprovalWaiters(): void {
  const holder = globalThis as Holder;
  holder[globalKey]?.close();
  delete holder[globalKey];
}
