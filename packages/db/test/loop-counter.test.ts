import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { databaseRateLimiter, pruneRateEvents, redisRateLimiter, type RateLimiter } from "../src/infra/rate-limiter";
import { db, disconnectDb } from "../src/infra/client";

// The loop counter's two backends (Redis, and PostgreSQL without Redis: the embedded default) answer
// one scripted sequence of calls the same: repeats per fingerprint, alternations per pair, retries
// once, peeks without recording.
const redis = redisRateLimiter(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const database = databaseRateLimiter();
afterAll(async () => {
  await redis.close();
  await disconnectDb();
});

type Step = { value: string; mode?: "consume" | "peek"; member?: string; at: number };

async function run(limiter: RateLimiter, steps: readonly Step[]): Promise<Array<[number, number]>> {
  const run = `${randomBytes(6).toString("hex")}`;
  const org = `org_loopcounter${run}`;
  const out: Array<[number, number]> = [];
  for (const step of steps) {
    const [repeats = -1, alternations = -1] = await limiter.count([{ key: `${org}:loop:60:agt:${step.value}`, windowSeconds: 60 }], step.mode ?? "consume", {
      now: step.at,
      ...(step.member ? { member: step.member } : {}),
      sequence: { lastKey: `${org}:loop-last:agt`, pairPrefix: `${org}:loop-pair:agt:`, value: step.value, windowSeconds: 60 },
    });
    out.push([repeats, alternations]);
  }
  return out;
}

const T = Date.now();
const STEPS: Step[] = [
  { value: "a", at: T },
  { value: "a", at: T + 1 },
  { value: "b", at: T + 2 },
  { value: "a", at: T + 3 },
  { value: "b", at: T + 4 },
  { value: "b", mode: "peek", at: T + 5 },
  { value: "a", mode: "peek", at: T + 6 },
  { value: "a", member: "e:agt:retry", at: T + 7 },
  { value: "a", member: "e:agt:retry", at: T + 8 },
  { value: "c", at: T + 9 },
  // 61 s later everything has left the window.
  { value: "a", at: T + 70_000 },
  { value: "c", at: T + 70_001 },
];
const EXPECTED: Array<[number, number]> = [
  [1, 0], // first a
  [2, 0], // a again: same as last, no alternation
  [1, 1], // b after a
  [3, 2], // a after b
  [2, 3], // b after a
  [3, 0], // peek b (last is b): what the next b would count, no alternation
  [4, 4], // peek a after b: would be the 4th a and 4th alternation; nothing recorded
  [4, 4], // a with an eventId
  [4, 0], // its retry: counted once; the last call is now a itself, so no alternation
  [1, 1], // c after a: a new pair
  [1, 0], // a, after the window: the last call (c) expired too
  [1, 1], // c after a: the old a–c alternation has left the window
];

describe.each([
  ["Redis", redis],
  ["PostgreSQL", database],
])("the loop counter on %s", (_name, limiter) => {
  it("counts repeats and alternations of a scripted sequence", async () => {
    expect(await run(limiter, STEPS)).toEqual(EXPECTED);
  });

  it("counts every one of many concurrent identical calls once, and their alternations never", async () => {
    const run = randomBytes(6).toString("hex");
    const org = `org_loopconc${run}`;
    const now = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        limiter.count([{ key: `${org}:loop:60:agt:x`, windowSeconds: 60 }], "consume", {
          now,
          sequence: { lastKey: `${org}:loop-last:agt`, pairPrefix: `${org}:loop-pair:agt:`, value: "x", windowSeconds: 60 },
        }),
      ),
    );
    expect(answers.map(([n]) => n).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(answers.every(([, alternations]) => alternations === 0)).toBe(true);
  });
});

describe("pruning the PostgreSQL counter", () => {
  it("drops loop counts past a day and other counts past 30 days, and keeps what a window can still read", async () => {
    const org = `org_loopprune${randomBytes(6).toString("hex")}`;
    const day = 86_400_000;
    const now = Date.now();
    const rows: Array<[string, number]> = [
      [`${org}:loop:60:agt:old`, now - day - 60_000],
      [`${org}:loop-pair:agt:a:b`, now - day - 60_000],
      [`${org}:loop:60:agt:fresh`, now - 30_000],
      [`${org}:pv_1#0:agt`, now - day - 60_000],
      [`${org}:pv_1#0:agt`, now - 31 * day],
    ];
    for (const [key, at] of rows) await db().pool.query(`INSERT INTO rate_events (org_id, key, at) VALUES ($1, $2, $3)`, [org, key, new Date(at).toISOString()]);
    expect(await pruneRateEvents({ now, batch: 1 })).toBeGreaterThanOrEqual(3);
    const left = await db().pool.query<{ key: string }>(`SELECT key FROM rate_events WHERE org_id = $1 ORDER BY key, at`, [org]);
    expect(left.rows.map((r) => r.key)).toEqual([`${org}:loop:60:agt:fresh`, `${org}:pv_1#0:agt`]);
  });
});
