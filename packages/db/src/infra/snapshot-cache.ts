import { SharedLookups } from "./shared-lookups";
import { signals, type Signal } from "./signals";

const MAX_ENTRIES = 50_000;

/**
 * Short-lived, per-process copies of rows the decision hot path reads, by key. A copy answers until
 * `ttlMs` after it was read, or until a signal names its key (`keyOf`) or `forget` is called. When a
 * copy expires, the calls arriving meanwhile share one read (SharedLookups); a read that a change
 * overtook answers its callers but is not kept.
 */
export class SnapshotCache<T> {
  readonly #copies = new Map<string, { value: T; expiresAt: number }>();
  readonly #lookups = new SharedLookups<T>();
  #subscribed = false;

  constructor(private readonly options: { ttlMs: number; keyOf: (signal: Signal) => string | null }) {}

  forget(key: string): void {
    this.#copies.delete(key);
    this.#lookups.forget(key);
  }

  async get(key: string, now: number, read: () => Promise<T>): Promise<T> {
    this.#subscribe();
    const cached = this.#copies.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    return this.#lookups.run(key, async (isCurrent) => {
      const value = await read();
      if (this.#copies.size >= MAX_ENTRIES) this.#copies.clear();
      if (isCurrent()) this.#copies.set(key, { value, expiresAt: now + this.options.ttlMs });
      return value;
    });
  }

  #subscribe(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    signals().subscribe((signal) => {
      const key = this.options.keyOf(signal);
      if (key !== null) this.forget(key);
    });
  }
}
