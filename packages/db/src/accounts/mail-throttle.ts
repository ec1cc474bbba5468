import { rateLimited } from "@gatehouse/core";
import { rateLimiter } from "../infra/rate-limiter";

/**
 * Requests that send mail (sign-up, resend the link, forgot password) allowed per client address per
 * window, counted in the shared sliding-window counter like failed sign-ins; every request counts,
 * whether or not it sent anything (so the limit says nothing about which addresses have accounts).
 * Each account also gets at most one link a minute of each kind (tokens.ts).
 */
export const MAIL_REQUEST_LIMITS = { perSource: 20, windowSeconds: 60 * 60 };

/** Counts the request against its source, or throws RATE_LIMITED past the limit. No source (unknown): not limited here. */
export async function admitMailRequest(source: string | null | undefined, now = Date.now()): Promise<void> {
  if (!source) return;
  const { perSource, windowSeconds } = MAIL_REQUEST_LIMITS;
  const [count = 0] = await rateLimiter().count([{ key: `auth:mail:source:${source}`, windowSeconds }], "consume", { now });
  if (count > perSource) throw rateLimited("Too many requests from your address. Try again later.", windowSeconds);
}
