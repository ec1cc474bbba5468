/**
 * Lookups under way, by key. Concurrent callers with the same key share one promise until it
 * settles, so the burst of requests that arrives as a cached row ages out makes one read, not one
 * each (under load that burst was hundreds of queries a second, queued on the pool ahead of the
 * decision writer). `forget` drops lookups under way and starts a new generation: a lookup that
 * began before the change sees `isCurrent()` turn false and must not cache what it read.
 */
export class SharedLookups<V> {
  private readonly pending = new Map<string, Promise<V>>();
  private generation = 0;

  run(key: string, lookUp: (isCurrent: () => boolean) => Promise<V>): Promise<V> {
    const existing = this.pending.get(key);
    if (existing) return existing;
    const started = this.generation;
    const lookup: Promise<V> = lookUp(() => this.generation === started).finally(() => {
      if (this.pending.get(key) === lookup) this.pending.delete(key);
    });
    this.pending.set(key, lookup);
    return lookup;
  }

  /** After a change to `key` (or to anything): later callers read afresh, earlier lookups don't cache. */
  forget(key?: string): void {
    this.generation += 1;
    if (key === undefined) this.pending.clear();
    else this.pending.delete(key);
  }
}
