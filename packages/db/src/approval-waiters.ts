import { db } from "./client";
import { signals } from "./signals";

/**
 * Parked long-polls, keyed by approval id, in this process. A waiter is woken when its approval
 * changes: at once by the `approvals.changed` signal (Redis pub/sub from any instance, or in-process
 * without Redis), and in any case by a database poll — every second without Redis, every few seconds
 * with it as a safety net for a lost message. Waking is a hint: the waiter re-reads the approval.
 * Thousands of waiters are released in slices so the event loop keeps serving other requests.
 */
export interface Parked {
  /** Resolves true when woken, false when `ms` pass or `signal` aborts first. */
  next(ms: number, signal?: AbortSignal): Promise<boolean>;
  /** Leaves the lot; call once the wait is over. */
  leave(): void;
  /** True once the lot closed (shutdown): stop waiting and answer. */
  readonly closed: boolean;
}

interface Waiter {
  approvalId: string;
  woken: boolean;
  resolve: ((woken: boolean) => void) | null;
}

const RELEASE_SLICE = 500;

export class ApprovalWaiters {
  readonly #waiting = new Map<string, Set<Waiter>>();
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #polling = false;
  #closed = false;

  constructor(options: { pollMs: number }) {
    this.#pollMs = options.pollMs;
  }

  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }

  park(approvalId: string): Parked {
    this.#start();
    const waiter: Waiter = { approvalId, woken: false, resolve: null };
    let set = this.#waiting.get(approvalId);
    if (!set) {
      set = new Set();
      this.#waiting.set(approvalId, set);
    }
    set.add(waiter);
    const isClosed = () => this.#closed;
    return {
      get closed() {
        return isClosed();
      },
      next: (ms, signal) => {
        if (isClosed()) return Promise.resolve(false);
        if (waiter.woken) {
          waiter.woken = false;
          return Promise.resolve(true);
        }
        if (signal?.aborted) return Promise.resolve(false);
        return new Promise<boolean>((resolve) => {
          const finish = (woken: boolean) => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            waiter.resolve = null;
            waiter.woken = false;
            resolve(woken);
          };
          const onAbort = () => finish(false);
          const timer = setTimeout(finish, Math.max(0, ms), false);
          signal?.addEventListener("abort", onAbort, { once: true });
          waiter.resolve = finish;
        });
      },
      leave: () => {
        const current = this.#waiting.get(approvalId);
        current?.delete(waiter);
        if (current && current.size === 0) this.#waiting.delete(approvalId);
        waiter.resolve?.(false);
        if (this.#waiting.size === 0) this.#stop();
      },
    };
  }

  /** Wakes every waiter of these approvals, a slice per event-loop turn. */
  wake(approvalIds: readonly string[]): void {
    const woken: Waiter[] = [];
    for (const id of approvalIds) {
      const set = this.#waiting.get(id);
      if (set) woken.push(...set);
    }
    const release = (from: number) => {
      for (const waiter of woken.slice(from, from + RELEASE_SLICE)) {
        if (waiter.resolve) waiter.resolve(true);
        else waiter.woken = true; // between two waits: the next wait returns at once
      }
      if (from + RELEASE_SLICE < woken.length) setImmediate(release, from + RELEASE_SLICE);
    };
    if (woken.length > 0) release(0);
  }

  close(): void {
    this.#closed = true;
    this.#stop();
    for (const set of this.#waiting.values()) for (const waiter of set) waiter.resolve?.(false);
    this.#waiting.clear();
  }

  #start(): void {
    if (this.#timer) return;
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
    if (this.#polling || this.#waiting.size === 0) return;
    this.#polling = true;
    try {
      const ids = [...this.#waiting.keys()];
      const now = new Date();
      for (let i = 0; i < ids.length; i += 5_000) {
        const slice = ids.slice(i, i + 5_000);
        const rows = await db().approval.findMany({
          where: { id: { in: slice }, OR: [{ status: { not: "pending" } }, { expiresAt: { lte: now } }] },
          select: { id: true },
        });
        this.wake(rows.map((r) => r.id));
      }
    } catch {
      // Observation: a failed poll is retried on the next tick; waits still end at their timeout.
    } finally {
      this.#polling = false;
    }
  }
}

const globalKey = Symbol.for("gatehouse.approvalWaiters");
type Holder = { [globalKey]?: ApprovalWaiters };

/** The process's parking lot: database poll every second without Redis, every 5 s with it. */
export function approvalWaiters(): ApprovalWaiters {
  const holder = globalThis as Holder;
  holder[globalKey] ??= new ApprovalWaiters({ pollMs: signals().transport === "redis" ? 5_000 : 1_000 });
  return holder[globalKey];
}

export function closeApprovalWaiters(): void {
  const holder = globalThis as Holder;
  holder[globalKey]?.close();
  delete holder[globalKey];
}
