/**
 * The answers this process gave recently, by key, so that a retry (the SDK's, within seconds) needs no
 * database read. Two generations: entries live in `current`; once it is `maxAgeMs` old or holds half
 * the capacity, it becomes `previous` and the old `previous` is dropped. So an entry is kept for at
 * least one generation, memory is bounded by `capacity`, and at a steady call rate it stays level
 * instead of filling to the cap and emptying at once (what the soak benchmark showed of a single map
 * cleared when full). A miss only costs the database lookup the group commit makes anyway.
 */
export class RecentAnswers<V> {
  #current = new Map<string, V>();
  #previous = new Map<string, V>();
  #startedAt: number;
  readonly #capacity: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: { capacity: number; maxAgeMs: number; now?: () => number }) {
    this.#capacity = options.capacity;
    this.#maxAgeMs = options.maxAgeMs;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  get(key: string): V | undefined {
    this.#rotateIfDue(false);
    return this.#current.get(key) ?? this.#previous.get(key);
  }

  set(key: string, value: V): void {
    this.#rotateIfDue(true);
    this.#current.set(key, value);
  }

  /** Entries held now (both generations). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** By age always; by size only before a write (a read never makes room). */
  #rotateIfDue(writing: boolean): void {
    const now = this.#now();
    if (now - this.#startedAt < this.#maxAgeMs && !(writing && this.#current.size >= this.#capacity / 2)) return;
    this.#previous = this.#current;
    this.#current = new Map();
    this.#startedAt = now;
  }
}
