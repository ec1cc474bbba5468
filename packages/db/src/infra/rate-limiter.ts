import { randomToken, unavailable, type RateRef } from "@gatehouse/core";
import { Redis } from "ioredis";
import { db, TX_OPTIONS } from "./client";
import { dbEnv } from "./env";

export interface CountOptions {
  now?: number;
  /**
   * Who this call is, in the window: calls with the same member count once. Derived from (agent,
   * eventId) for calls that carry an eventId, so a retry (on this instance or another) consumes no
   * quota; omitted, every call is a new member.
   */
  member?: string;
  /** Longest wait for the counter, in ms (default: the backend's own bound). */
  timeoutMs?: number;
  /**
   * Alternation counting (loop detection, limits/loops.ts): `value` (a call's fingerprint) is compared
   * with the last one seen under `lastKey`; when they differ, the call counts in the window of that
   * unordered pair (keys `pairPrefix` + both values), and that count is answered after the refs' counts
   * (0 when the last call was the same or there was none). `consume` records `value` as the last; `peek` does not.
   */
  sequence?: Sequence;
}

export interface Sequence {
  lastKey: string;
  pairPrefix: string;
  value: string;
  windowSeconds: number;
}

/**
 * Counts calls for rate conditions in a sliding window. `consume` records this call and answers how
 * many calls (including it) fall in each window; `peek` answers what that count would be without
 * recording (canI). With Redis: one atomic Lua round trip for all of a decision's rate conditions.
 * Without Redis: the same in PostgreSQL, under a per-key advisory lock. Errors propagate, so a
 * decision that cannot count fails instead of allowing (fail closed): with Redis down or not
 * answering within REDIS_COMMAND_TIMEOUT_MS, `count` throws UNAVAILABLE (503 with Retry-After).
 */
export interface RateLimiter {
  readonly backend: "redis" | "database";
  count(refs: ReadonlyArray<{ key: string; windowSeconds: number }>, mode: "consume" | "peek", options?: CountOptions): Promise<number[]>;
  /** False while the backend is known to be down or was just found not answering: callers that may skip it (the breaker) do. */
  available(): boolean;
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
    redis.call('ZADD', key, 'NX', now, member .. ':' .. i)
    redis.call('PEXPIRE', key, window)
  end
  local n = redis.call('ZCARD', key)
  if not consume then n = n + 1 end
  out[i] = n
end
local base = 3 + #KEYS
if ARGV[base + 1] then
  local lastKey, prefix, value, window = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], tonumber(ARGV[base + 4])
  -- The last call is stored as "<time> <value>", and read as none once it left the window.
  local prev = nil
  local raw = redis.call('GET', lastKey)
  if raw then
    local space = string.find(raw, ' ', 1, true)
    if space and tonumber(string.sub(raw, 1, space - 1)) > now - window then prev = string.sub(raw, space + 1) end
  end
  if consume then redis.call('SET', lastKey, now .. ' ' .. value, 'PX', window) end
  local n = 0
  if prev and prev ~= value then
    local a, b = prev, value
    if b < a then a, b = b, a end
    local pair = prefix .. a .. ':' .. b
    redis.call('ZREMRANGEBYSCORE', pair, '-inf', now - window)
    if consume then
      redis.call('ZADD', pair, 'NX', now, member .. ':p')
      redis.call('PEXPIRE', pair, window)
    end
    n = redis.call('ZCARD', pair)
    if not consume then n = n + 1 end
  end
  out[#KEYS + 1] = n
end
return out`;

/** After a failure or a timeout, Redis is skipped (fail fast) this long before it is tried again. */
const SUSPECT_MS = 1_000;

/**
 * The Redis counter. Commands never queue while Redis is away (`enableOfflineQueue: false`: a call
 * fails at once instead of waiting for a reconnect) and never wait longer than `commandTimeoutMs`
 * on a Redis that stopped answering (SIGSTOP, a partition). Before the first connection is made, a
 * call waits for it up to the same bound.
 */
export function redisRateLimiter(url: string, commandTimeoutMs = 500): RateLimiter {
  // Auto-pipelining: the counts of the decisions arriving in one tick leave in one write (one syscall, one round trip).
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true, commandTimeout: commandTimeoutMs, connectTimeout: 2_000 });
  redis.on("error", () => {}); // reconnects by itself; counts fail closed meanwhile
  redis.defineCommand("ghSlidingWindow", { lua: SLIDING_WINDOW });
  type WithScript = Redis & { ghSlidingWindow: (numKeys: number, ...args: Array<string | number>) => Promise<number[]> };
  // After a failure, or the full command timeout, every caller skips Redis for a while (fails fast).
  let suspectUntil = 0;
  // After a caller's own shorter bound passed (the breaker's 100 ms), only `available()` says no: a
  // slow moment must not turn rate conditions into 503s, which wait for the full bound.
  let slowUntil = 0;
  const down = () => unavailable("the rate counter (Redis) is unavailable; rate conditions fail closed", 2);
  const late = Symbol("late");

  const whenReady = (waitMs: number): Promise<void> => {
    if (redis.status === "ready") return Promise.resolve();
    // Reconnecting after a loss: fail at once (calls must not pile up behind a dead Redis).
    if (redis.status !== "connecting" && redis.status !== "connect" && redis.status !== "wait") return Promise.reject(down());
    return new Promise<void>((resolve, reject) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        redis.off("ready", onReady);
        if (ok) resolve();
        else reject(down());
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), waitMs);
      redis.once("ready", onReady);
    });
  };

  return {
    backend: "redis",
    available: () => redis.status === "ready" && Date.now() >= Math.max(suspectUntil, slowUntil),
    async count(refs, mode, options = {}) {
      const { now = Date.now(), member = randomToken(16), timeoutMs = commandTimeoutMs, sequence } = options;
      if (refs.length === 0 && !sequence) return [];
      if (Date.now() < suspectUntil) throw down();
      const keys = refs.map((r) => `gh:rate:${r.key}`);
      const windows = refs.map((r) => r.windowSeconds * 1000);
      const seq = sequence ? [`gh:rate:${sequence.lastKey}`, `gh:rate:${sequence.pairPrefix}`, sequence.value, sequence.windowSeconds * 1000] : [];
      let timer: NodeJS.Timeout | undefined;
      try {
        const run = whenReady(timeoutMs).then(() => (redis as WithScript).ghSlidingWindow(keys.length, ...keys, now, mode === "consume" ? "1" : "0", member, ...windows, ...seq));
        const bound = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(late), timeoutMs);
        });
        return await Promise.race([run, bound]);
      } catch (error) {
        if (error === late && timeoutMs < commandTimeoutMs) slowUntil = Date.now() + SUSPECT_MS;
        else suspectUntil = Date.now() + SUSPECT_MS;
        throw down();
      } finally {
        clearTimeout(timer);
      }
    },
    close: async () => void (await redis.quit().catch(() => "")),
  };
}

export function databaseRateLimiter(): RateLimiter {
  return {
    backend: "database",
    available: () => true,
    async count(refs, mode, options = {}) {
      const { now = Date.now(), member = null, sequence } = options;
      if (refs.length === 0 && !sequence) return [];
      const at = new Date(now);
      return db().$transaction(async (tx) => {
        const counts: number[] = [];
        for (const ref of [...refs].sort((a, b) => (a.key < b.key ? -1 : 1))) {
          const since = new Date(now - ref.windowSeconds * 1000);
          const orgId = ref.key.split(":")[0] ?? "";
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${ref.key}, 0))`;
          await tx.$executeRaw`DELETE FROM rate_events WHERE key = ${ref.key} AND at <= ${since}`;
          if (mode === "consume") {
            // A member already in the window (a retry of the same eventId) is not counted again.
            await tx.$executeRaw`INSERT INTO rate_events (org_id, key, at, member) VALUES (${orgId}, ${ref.key}, ${at}, ${member}) ON CONFLICT (key, member) DO NOTHING`;
          }
          const rows = await tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM rate_events WHERE key = ${ref.key} AND at > ${since}`;
          counts.push(Number(rows[0]?.n ?? 0) + (mode === "peek" ? 1 : 0));
        }
        // Answer in the caller's order.
        const sorted = [...refs].sort((a, b) => (a.key < b.key ? -1 : 1));
        const answer = refs.map((ref) => counts[sorted.indexOf(ref)] ?? 0);
        if (sequence) answer.push(await alternations(tx, sequence, mode, now, member));
        return answer;
      }, TX_OPTIONS);
    },
    close: async () => {},
  };
}

type Tx = Parameters<Parameters<ReturnType<typeof db>["$transaction"]>[0]>[0];

/**
 * The database twin of the Lua script's sequence part: the last fingerprint is one row under
 * `lastKey` (its member the value); the pair's window is rows as for any ref. Taken after the refs'
 * locks, under the last key's own, so concurrent calls of one agent see each other's last call.
 */
async function alternations(tx: Tx, sequence: Sequence, mode: "consume" | "peek", now: number, member: string | null): Promise<number> {
  const at = new Date(now);
  const since = new Date(now - sequence.windowSeconds * 1000);
  const orgId = sequence.lastKey.split(":")[0] ?? "";
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${sequence.lastKey}, 0))`;
  const last = await tx.$queryRaw<Array<{ member: string | null }>>`SELECT member FROM rate_events WHERE key = ${sequence.lastKey} AND at > ${since} LIMIT 1`;
  const prev = last[0]?.member ?? null;
  if (mode === "consume") {
    await tx.$executeRaw`DELETE FROM rate_events WHERE key = ${sequence.lastKey}`;
    await tx.$executeRaw`INSERT INTO rate_events (org_id, key, at, member) VALUES (${orgId}, ${sequence.lastKey}, ${at}, ${sequence.value})`;
  }
  if (prev === null || prev === sequence.value) return 0;
  const [a, b] = prev < sequence.value ? [prev, sequence.value] : [sequence.value, prev];
  const pair = `${sequence.pairPrefix}${a}:${b}`;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${pair}, 0))`;
  await tx.$executeRaw`DELETE FROM rate_events WHERE key = ${pair} AND at <= ${since}`;
  if (mode === "consume") {
    await tx.$executeRaw`INSERT INTO rate_events (org_id, key, at, member) VALUES (${orgId}, ${pair}, ${at}, ${member === null ? null : `${member}:p`}) ON CONFLICT (key, member) DO NOTHING`;
  }
  const rows = await tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM rate_events WHERE key = ${pair} AND at > ${since}`;
  return Number(rows[0]?.n ?? 0) + (mode === "peek" ? 1 : 0);
}

const globalKey = Symbol.for("gatehouse.rateLimiter");
const fallbackKey = Symbol.for("gatehouse.rateLimiterFallback");
type Holder = { [globalKey]?: RateLimiter; [fallbackKey]?: RateLimiter };

export function rateLimiter(): RateLimiter {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const env = dbEnv();
    holder[globalKey] = env.REDIS_URL ? redisRateLimiter(env.REDIS_URL, env.REDIS_COMMAND_TIMEOUT_MS) : databaseRateLimiter();
  }
  return holder[globalKey];
}

/** The PostgreSQL counter, for what may fall back to it while Redis is away (the circuit breaker's failure count). */
export function databaseFallbackLimiter(): RateLimiter {
  const holder = globalThis as Holder;
  holder[fallbackKey] ??= databaseRateLimiter();
  return holder[fallbackKey];
}

/** The member of a call with an eventId: the same for every retry of it, whichever instance counts it. */
export function rateMember(agentId: string, eventId: string | undefined): string | undefined {
  return eventId === undefined ? undefined : `e:${agentId}:${eventId}`;
}

export async function closeRateLimiter(): Promise<void> {
  const holder = globalThis as Holder;
  const limiter = holder[globalKey];
  delete holder[globalKey];
  delete holder[fallbackKey];
  await limiter?.close();
}

/** Keys of an org's rate conditions: per agent by default, or shared by the whole org. */
export function rateKeysFor(orgId: string, agentId: string, refs: readonly RateRef[]): Array<{ key: string; windowSeconds: number }> {
  return refs.map((ref) => ({ key: `${orgId}:${ref.key}:${ref.spec.per === "org" ? "org" : agentId}`, windowSeconds: ref.spec.windowSeconds }));
}

/** The longest window of a loop limit (limits/loops.ts) and of a rate condition (policy/conditions.ts). */
const LOOP_WINDOW_MAX_MS = 86_400_000;
const RATE_WINDOW_MAX_MS = 30 * 86_400_000;

/**
 * The worker's pruning of the PostgreSQL counter (each minute): rows no window can read any more —
 * loop counts (`:loop…` keys) older than a day, any other row older than the longest rate window. A
 * key counted again deletes its own old rows; this catches the keys never counted again (each call
 * with new arguments makes one). In batches, so one run never holds the table long.
 */
export async function pruneRateEvents({ now = Date.now(), batch = 10_000 }: { now?: number; batch?: number } = {}): Promise<number> {
  const loops = new Date(now - LOOP_WINDOW_MAX_MS).toISOString();
  const any = new Date(now - RATE_WINDOW_MAX_MS).toISOString();
  let pruned = 0;
  for (;;) {
    const result = await db().pool.query(`DELETE FROM rate_events WHERE id IN (SELECT id FROM rate_events WHERE at < $1 AND (at < $2 OR position(':loop' in key) > 0) LIMIT $3)`, [
      loops,
      any,
      batch,
    ]);
    pruned += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) return pruned;
  }
}
