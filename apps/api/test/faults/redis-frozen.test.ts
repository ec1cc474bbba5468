import { updateOrgSettings } from "@gatehouse/db";
import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { startPrivateRedis, stopApi, summary, timed, type PrivateRedis } from "./services";

/**
 * Fault (f): Redis frozen (SIGSTOP: connections stay open, nothing answers) or gone. /healthz answers
 * within its 150 ms ping bound and says so; a decision that needs no rate condition answers promptly,
 * denials included (their breaker count must not wait on Redis); a rate condition fails closed (503).
 */
let redis: PrivateRedis;
let api: ApiProcess;
let org: TestOrg;

beforeAll(async () => {
  redis = await startPrivateRedis();
  api = await spawnApi({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: redis.url });
  org = await createTestOrg({
    label: "frozen",
    policies: [
      { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
      { name: "no-drops", actions: ["db.drop"], effect: "deny" },
      { name: "allow-calls", actions: ["api.call"], effect: "allow" },
      { name: "calls-limited", actions: ["api.call"], when: { rate: { over: 1000, windowSeconds: 60 } }, effect: "deny" },
    ],
  });
  // Every denial goes through the breaker's failure count (it must not open and short-cut them).
  await updateOrgSettings({ ctx: org.ctx, input: { circuitBreaker: { failureThreshold: 10_000 } } });
}, 120_000);

afterAll(async () => {
  await stopApi(api);
  await redis?.kill();
  await stopApp(undefined);
});

const health = () => fetch(`${api.url}/healthz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { ok: boolean; database: string; redis: string } }));
// Each call differs (metadata.call): the same call again and again is a loop (docs/loops.md).
let calls = 0;
const decide = (actionType: string) =>
  fetch(`${api.url}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType, metadata: { call: (calls += 1) } }),
  }).then(async (r) => ({
    status: r.status,
    retryAfter: r.headers.get("retry-after"),
    body: (await r.json()) as { status?: string; denialReason?: string; error?: { code: string } },
  }));

/** Health 10 times and decisions (allowed and denied) 20 times each; latencies printed. */
async function measure(label: string): Promise<{ health: number[]; allowed: number[]; denied: number[] }> {
  const out = { health: [] as number[], allowed: [] as number[], denied: [] as number[] };
  for (let i = 0; i < 10; i++) {
    const { ms, value } = await timed(health);
    out.health.push(ms);
    expect(value.body.database).toBe("up");
  }
  for (let i = 0; i < 20; i++) {
    const allowed = await timed(() => decide("pr.open"));
    expect(allowed.value.body.status).toBe("executed");
    out.allowed.push(allowed.ms);
    const denied = await timed(() => decide("db.drop"));
    expect(denied.value.body.status).toBe("denied");
    out.denied.push(denied.ms);
  }
  console.log(`[faults/redis-frozen] ${label}: /healthz ${summary(out.health)}; allowed ${summary(out.allowed)}; denied ${summary(out.denied)}`);
  return out;
}

describe("Redis frozen or gone", () => {
  it("healthz answers within its bound and decisions without a rate condition answer promptly, denials included", async () => {
    const healthy = await measure("redis up");
    expect((await health()).body.redis).toBe("up");
    expect(Math.max(...healthy.health)).toBeLessThan(500);

    redis.freeze();
    try {
      const frozen = await measure("redis frozen (SIGSTOP)");
      expect((await health()).body).toMatchObject({ ok: true, database: "up", redis: "down" });
      // The bound is 150 ms of pings; 500 ms leaves room for a loaded host.
      expect(Math.max(...frozen.health)).toBeLessThan(500);
      expect(Math.max(...frozen.allowed)).toBeLessThan(1_000);
      expect(Math.max(...frozen.denied)).toBeLessThan(1_000);
      // A rate condition cannot be counted: it fails closed, 503 with Retry-After, never an allow.
      const limited = await timed(() => decide("api.call"));
      console.log(`[faults/redis-frozen] rate-conditioned call while frozen: ${limited.value.status} in ${limited.ms.toFixed(1)}ms`);
      expect(limited.value.status).toBe(503);
      expect(limited.value.body.error?.code).toBe("UNAVAILABLE");
      expect(limited.value.retryAfter).toBe("2");
      expect(limited.ms).toBeLessThan(1_500);
    } finally {
      redis.thaw();
    }

    await redis.kill();
    const gone = await measure("redis gone (SIGKILL)");
    expect((await health()).body.redis).toBe("down");
    expect(Math.max(...gone.health)).toBeLessThan(500);
    expect(Math.max(...gone.allowed)).toBeLessThan(1_000);
    expect(Math.max(...gone.denied)).toBeLessThan(1_000);
    const limited = await decide("api.call");
    expect(limited.status).toBe(503);
    expect(api.child.exitCode).toBeNull();

    // Back: the rate condition counts again.
    await redis.start();
    const deadline = Date.now() + 15_000;
    let back = await decide("api.call");
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      back = await decide("api.call");
    }
    expect(back.body.status).toBe("executed");
    expect((await health()).body.redis).toBe("up");
  });
});
