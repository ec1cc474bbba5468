/** When and how long to wait before retrying. Pure: the clock and randomness are passed in. */

/** First backoff delay. */
export const BACKOFF_BASE_MS = 500;
/** Longest backoff delay. */
export const BACKOFF_MAX_MS = 8_000;
/** First backoff delay while reconnecting to the event stream. */
export const RECONNECT_BASE_MS = 250;
/** Longest backoff delay while reconnecting to the event stream. */
export const RECONNECT_MAX_MS = 5_000;
/** Longest wait a `Retry-After` header can ask for. */
export const RETRY_AFTER_MAX_MS = 60_000;

/**
 * Whether a response with this status may be retried: 408, 429 and 5xx. Never a 4xx otherwise: a
 * Gatehouse 409 is a real conflict with the state (a decided approval, a different outcome), which
 * a retry cannot change.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The wait a `Retry-After` header asks for, in ms: delta-seconds or an HTTP date, capped at
 * {@link RETRY_AFTER_MAX_MS}. `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - nowMs);
  }
  return Math.min(ms, RETRY_AFTER_MAX_MS);
}

/**
 * Exponential backoff with jitter before retry number `retry` (0 for the first retry):
 * min(max, base × 2^retry), shortened by up to a quarter at random. By default min(8 s, 500 ms × 2^retry).
 */
export function backoffDelay(retry: number, random: () => number, base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS): number {
  const ceiling = Math.min(max, base * 2 ** retry);
  return ceiling * (1 - 0.25 * random());
}

/**
 * The backoff of the event stream's reconnection, which retries until
 * its signal aborts rather than `maxRetries` times: min(5 s, 250 ms × 2^retry), jittered.
 */
export function reconnectDelay(retry: number, random: () => number): number {
  return backoffDelay(retry, random, RECONNECT_BASE_MS, RECONNECT_MAX_MS);
}
