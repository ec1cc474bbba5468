import { createHash } from "node:crypto";
import { rateLimited } from "@gatehouse/core";
import { databaseFallbackLimiter, rateLimiter, type RateLimiter } from "../infra/rate-limiter";

/**
 * Failed console sign-ins allowed per window. From a client without a valid device cookie for the
 * account (device-cookie.ts): per account (the email, normalized, whether or not it has an account:
 * the lockout of untrusted clients) and per source (the client address). From a browser with a valid
 * device cookie for the account: per device cookie only, so failures on the email by anyone else do
 * not lock that browser out. Past a limit, attempts are refused before the password is checked until
 * the window has passed; the sign-in page then offers an emailed sign-in link, which no limit here stops.
 */
export interface SignInLimits {
  perEmail: number;
  perSource: number;
  perDevice: number;
  windowSeconds: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { perEmail: 5, perSource: 20, perDevice: 10, windowSeconds: 60 };

/** An admitted sign-in attempt: report how it ended, exactly once. */
export interface SignInAttempt {
  /** The password did not match (or the email has no account): counts against the email and the source. */
  failed(): Promise<void>;
  /** Ended without a failure to count (signed in, or an error): counts nothing and clears nothing; failures age out of the window on their own. */
  done(): void;
}

/**
 * Counts failed sign-ins in the shared sliding-window counter (Redis when configured, else
 * PostgreSQL), so every console process sees the same counts. Only failures are recorded; checking
 * whether an attempt may go ahead is one read of both counters. Attempts still being verified in
 * this process count as failures until they end, so a burst of parallel guesses cannot all pass the
 * check before the first failure is recorded. With Redis configured but down or not answering (within
 * 200 ms), the counts go to PostgreSQL instead, as the circuit breaker's do: sign-in keeps working and
 * stays limited (the outage starts a fresh window there), rather than refusing everyone.
 */
export class SignInThrottle {
  private readonly inFlight = new Map<string, number>();

  constructor(
    readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly limiter: () => RateLimiter = rateLimiter,
    private readonly fallback: () => RateLimiter = databaseFallbackLimiter,
  ) {}

  private async count(refs: ReadonlyArray<{ key: string; windowSeconds: number }>, mode: "consume" | "peek", now: number): Promise<number[]> {
    const primary = this.limiter();
    if (primary.backend === "database") return primary.count(refs, mode, { now });
    if (primary.available()) {
      const counted = await primary.count(refs, mode, { now, timeoutMs: 200 }).catch(() => undefined);
      if (counted) return counted;
    }
    return this.fallback().count(refs, mode, { now });
  }

  /**
   * Admits an attempt or throws RATE_LIMITED (retryAfterSeconds: the window) without looking at the
   * password. `device`: the id of a device cookie already found valid for this email (readDeviceCookie), or null.
   */
  async admit(email: string, source: string | null, now = Date.now(), device: string | null = null): Promise<SignInAttempt> {
    const { perEmail, perSource, perDevice, windowSeconds } = this.limits;
    const counters = device
      ? [{ key: `auth:signin:device:${device}`, limit: perDevice }]
      : [{ key: emailKey(email), limit: perEmail }, ...(source ? [{ key: sourceKey(source), limit: perSource }] : [])];
    const refs = counters.map((c) => ({ key: c.key, windowSeconds }));
    // peek answers the count as if this call were recorded: failures so far + 1.
    const counts = await this.count(refs, "peek", now);
    const over = counters.some((c, i) => (counts[i] ?? 1) - 1 + (this.inFlight.get(c.key) ?? 0) >= c.limit);
    if (over) throw rateLimited(`Too many failed sign-in attempts. Try again in ${windowSeconds} s.`, windowSeconds);
    for (const c of counters) this.inFlight.set(c.key, (this.inFlight.get(c.key) ?? 0) + 1);
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      for (const c of counters) {
        const left = (this.inFlight.get(c.key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(c.key, left);
        else this.inFlight.delete(c.key);
      }
      return true;
    };
    return {
      failed: async () => {
        if (!end()) return;
        // The answer is a refusal either way; a counter that cannot be reached must not turn it into an error.
        await this.count(refs, "consume", now).catch(() => []);
      },
      done: () => void end(),
    };
  }
}

/**
 * The source's counter key: an IPv4 address, or an IPv6 address's /64 (one subscriber's network: a
 * host given a /64 would otherwise have 2^64 buckets of its own).
 */
function sourceKey(source: string): string {
  if (!source.includes(":")) return `auth:signin:source:${source}`;
  const groups = expandIpv6(source);
  return `auth:signin:source:${groups ? `${groups.slice(0, 4).join(":")}::/64` : source}`;
}

function expandIpv6(address: string): string[] | null {
  const [head = "", tail, extra] = address.split("::");
  if (extra !== undefined) return null;
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...Array<string>(missing).fill("0"), ...right];
}

/** The email's counter key: a digest, so the counter store never holds addresses. */
function emailKey(email: string): string {
  return `auth:signin:email:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 32)}`;
}

const globalKey = Symbol.for("gatehouse.signInThrottle");
type Holder = { [globalKey]?: SignInThrottle };

/** The process's sign-in throttle, with the default limits. */
export function signInThrottle(): SignInThrottle {
  const holder = globalThis as Holder;
  holder[globalKey] ??= new SignInThrottle();
  return holder[globalKey];
}
