import { randomToken, type RateRef } from "@gatehouse/core";
import { Redis } from "ioredis";
import { db, TX_OPTIONS } from "./client";
import { dbEnv } from "./env";

/**
 * Counts calls for rate conditions in a sliding window. `consume` records this call and answers how
 * many calls (including it) fall in each window; `peek` answers what that count would be without
 * recording (canI). With Redis: one atomic Lua round trip for all of a decision's rate conditions.
 * Without Redis: the same in PostgreSQL, under a per-key advisory lock. Errors propagate, so a
 * decision that cannot count fails instead of allowing (fail closed).
 */
export interface RateLimiter {
  count(refs: ReadonlyArray<{ key: string; windowSeconds: number }>, mode: "consume" | "peek", now?: number): Promise<number[]>;
  close(): Promise<void>;
}

const SLIDING_WINDOW = `
local now = tonumber(ARGV[1])
local consume = ARGV[2] == '1'
local member = ARGV[3]
local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[3 + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if consume then
    redis.call('ZADD', key, now, member .. ':' .. i)
    redis.call('PEXPIRE', key, window)
  end
  local n = redis.call('ZCARD', key)
  if not consume then n = n + 1 end
  out[i] = n
end
return out`;

export function redisRateLimiter(url: string): RateLimiter {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  redis.defineCommand("ghSlidingWindow", { lua: SLIDING_WINDOW });
  type WithScript = Redis & { ghSlidingWindow: (numKeys: number, ...args: Array<string | number>) => Promise<number[]> };
  return {
    async count(refs, mode, now = Date.now()) {
      if (refs.length === 0) return [];
      const keys = refs.map((r) => `gh:rate:${r.key}`);
      const windows = refs.map((r) => r.windowSeconds * 1000);
      return (redis as WithScript).ghSlidingWindow(keys.length, ...keys, now, mode === "consume" ? "1" : "0", randomToken(16), ...windows);
    },
    close: async () => void (await redis.quit().catch(() => "")),
  };
}

export function databaseRateLimiter(): RateLimiter {
  return {
    async count(refs, mode, now = Date.now()) {
      if (refs.length === 0) return [];
      const at = new Date(now);
      return db().$transaction(async (tx) => {
        const counts: number[] = [];
        for (const ref of [...refs].sort((a, b) => (a.key < b.key ? -1 : 1))) {
          const since = new Date(now - ref.windowSeconds * 1000);
          const orgId = ref.key.split(":")[0] ?? "";
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${ref.key}, 0))`;
          await tx.$executeRaw`DELETE FROM rate_events WHERE key = ${ref.key} AND at <= ${since}`;
          if (mode === "consume") await tx.$executeRaw`INSERT INTO rate_events (org_id, key, at) VALUES (${orgId}, ${ref.key}, ${at})`;
          const rows = await tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM rate_events WHERE key = ${ref.key} AND at > ${since}`;
          counts.push(Number(rows[0]?.n ?? 0) + (mode === "peek" ? 1 : 0));
        }
        // Answer in the caller's order.
        const sorted = [...refs].sort((a, b) => (a.key < b.key ? -1 : 1));
        return refs.map((ref) => counts[sorted.indexOf(ref)] ?? 0);
      }, TX_OPTIONS);
    },
    close: async () => {},
  };
}

const globalKey = Symbol.for("gatehouse.rateLimiter");
type Holder = { [globalKey]?: RateLimiter };

export function rateLimiter(): RateLimiter {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const url = dbEnv().REDIS_URL;
    holder[globalKey] = url ? redisRateLimiter(url) : databaseRateLimiter();
  }
  return holder[globalKey];
}

export async function closeRateLimiter(): Promise<void> {
  const holder = globalThis as Holder;
  const limiter = holder[globalKey];
  delete holder[globalKey];
  await limiter?.close();
}

/** Keys of an org's rate conditions: per agent by default, or shared by the whole org. */
export function rateKeysFor(orgId: string, agentId: string, refs: readonly RateRef[]): Array<{ key: string; windowSeconds: number }> {
  return refs.map((ref) => ({ key: `${orgId}:${ref.key}:${ref.spec.per === "org" ? "org" : agentId}`, windowSeconds: ref.spec.windowSeconds }));
}
