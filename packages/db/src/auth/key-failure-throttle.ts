import { rateLimited, type DomainError } from "@gatehouse/core";
import { rateLimiter, type RateLimiter } from "../infra/rate-limiter";

/** Failed API key checks allowed per source address in a window before its failing requests are refused. */
export interface KeyFailureLimits {
  limit: number;
  windowSeconds: number;
}

export const KEY_FAILURE_LIMITS: KeyFailureLimits = { limit: 30, windowSeconds: 60 };

const MAX_BLOCKED = 10_000;

/**
 * Slows a source (client address) that has failed `limit` API key checks within the window: until
 * the window has passed, its failing requests are refused 429 rather than answered 401. A key that
 * authenticates is never asked about: the source's count only ever touches requests that fail.
 *
 * Only failures are counted, in the shared sliding-window counter (Redis when configured, else
 * PostgreSQL), so failures at every API instance add up. The "is this source past the limit?" check
 * is a lookup in this process's map of refused sources, which a failure fills in when its count
 * reaches the limit. Another instance learns that a source is refused at the source's next failure there.
 */
export class KeyFailureThrottle {
  private readonly refusedUntil = new Map<string, number>();

  constructor(
    readonly limits: KeyFailureLimits = KEY_FAILURE_LIMITS,
    private readonly limiter: () => RateLimiter = rateLimiter,
  ) {}

  /** The RATE_LIMITED error (with the seconds left) for a failing request while `source` is past the limit, else null. No I/O. */
  refusal(source: string, now = Date.now()): DomainError | null {
    const until = this.refusedUntil.get(source);
    if (until === undefined) return null;
    if (until <= now) {
      this.refusedUntil.delete(source);
      return null;
    }
    return rateLimited(`too many failed API key checks from this address; try again in ${Math.ceil((until - now) / 1000)} s`, (until - now) / 1000);
  }

  /**
   * Counts a failed key check from `source`; at the limit, the source is refused for a window. Never
   * throws: the request it belongs to is refused anyway, and a counter that cannot be reached must
   * not turn that refusal into an error.
   */
  async recordFailure(source: string, now = Date.now()): Promise<void> {
    const { limit, windowSeconds } = this.limits;
    const [count = 0] = await this.limiter()
      .count([{ key: `auth:key-failures:${source}`, windowSeconds }], "consume", { now })
      .catch(() => [0]);
    if (count < limit) return;
    if (this.refusedUntil.size >= MAX_BLOCKED) this.sweep(now);
    this.refusedUntil.set(source, now + windowSeconds * 1000);
  }

  private sweep(now: number): void {
    for (const [source, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(source);
    // Still full: a flood from that many addresses; forget the oldest refusals rather than grow.
    for (const source of this.refusedUntil.keys()) {
      if (this.refusedUntil.size < MAX_BLOCKED) break;
      this.refusedUntil.delete(source);
    }
  }
}
