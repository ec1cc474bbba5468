import { rateLimited } from "../errors";

export interface ConcurrencySlotsOptions {
  /** How many may be open at once per holder. */
  max: number;
  /** What is being held, plural, for the refusal: "event streams", "approval waits". */
  what: string;
  /** Who holds them, for the refusal: "this API key", "this session". */
  holder: string;
  /** The Retry-After of a refusal: a slot frees when the holder closes one, which the server cannot foresee. */
  retryAfterSeconds: number;
}

/**
 * At most `max` long-lived requests of one kind (event streams, long-polls) open at once per holder.
 * `acquire` takes a slot or throws RATE_LIMITED saying how many are open; the release it returns
 * frees the slot once, however often it is called, so every way a request ends may call it.
 */
export class ConcurrencySlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly options: ConcurrencySlotsOptions) {}

  acquire(holder: string): () => void {
    const { max, what, retryAfterSeconds } = this.options;
    const held = this.open.get(holder) ?? 0;
    if (held >= max) {
      throw rateLimited(`${held} ${what} are already open for ${this.options.holder} (at most ${max}); close one first`, retryAfterSeconds, { open: held, limit: max });
    }
    this.open.set(holder, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(holder) ?? 1) - 1;
      if (left > 0) this.open.set(holder, left);
      else this.open.delete(holder);
    };
  }

  /** How many `holder` has open now. */
  held(holder: string): number {
    return this.open.get(holder) ?? 0;
  }
}
