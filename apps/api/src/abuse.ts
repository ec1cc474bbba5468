import { ConcurrencySlots } from "@gatehouse/core";
import { KEY_FAILURE_LIMITS, KeyFailureThrottle, type KeyFailureLimits, type RateLimiter } from "@gatehouse/db";

/**
 * The API's limits on authentication abuse (docs/edge.md, Authentication abuse): failed key
 * checks per client address, and long-lived requests (event streams, approval long-polls) per key;
 * event streams also per org, so one org's keys together cannot hold every stream of a process.
 */
export interface AbuseLimits {
  keyFailures: KeyFailureLimits;
  streamsPerKey: number;
  streamsPerOrg: number;
  waitsPerKey: number;
}

/** On unless configured otherwise (apps/api/src/env.ts reads the overrides). */
export const ABUSE_LIMITS: AbuseLimits = { keyFailures: KEY_FAILURE_LIMITS, streamsPerKey: 10, streamsPerOrg: 50, waitsPerKey: 10 };

/** Retry-After of a refused stream or long-poll: a slot frees when the key closes one, which the server cannot foresee. */
const SLOT_RETRY_AFTER_SECONDS = 5;

export interface AbuseGuards {
  keyFailures: KeyFailureThrottle;
  /** Per process: they hold this process's sockets and subscriptions, and end with it (nothing to lease or expire in a shared store). */
  streams: ConcurrencySlots;
  /** Event streams per org, across all its keys (held beside the key's slot). */
  orgStreams: ConcurrencySlots;
  waits: ConcurrencySlots;
  now: () => number;
}

export interface AbuseOptions {
  limits?: Partial<AbuseLimits>;
  /** The clock the failure window reads (tests move it). */
  now?: () => number;
  /** Where failures are counted (tests count its calls); the shared sliding-window counter by default. */
  rateLimiter?: () => RateLimiter;
}

export function abuseGuards(options: AbuseOptions = {}): AbuseGuards {
  const limits = { ...ABUSE_LIMITS, ...options.limits };
  return {
    keyFailures: new KeyFailureThrottle(limits.keyFailures, options.rateLimiter),
    streams: new ConcurrencySlots({ max: limits.streamsPerKey, what: "event streams", holder: "this API key", retryAfterSeconds: SLOT_RETRY_AFTER_SECONDS }),
    orgStreams: new ConcurrencySlots({ max: limits.streamsPerOrg, what: "event streams", holder: "this organization", retryAfterSeconds: SLOT_RETRY_AFTER_SECONDS }),
    waits: new ConcurrencySlots({ max: limits.waitsPerKey, what: "approval waits", holder: "this API key", retryAfterSeconds: SLOT_RETRY_AFTER_SECONDS }),
    now: options.now ?? Date.now,
  };
}
