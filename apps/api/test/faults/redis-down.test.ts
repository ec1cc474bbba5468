import { addTestMember, createTestOrg, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { Gatehouse } from "../../../../packages/sdk/src/index.ts";
import { stopApp } from "../helpers";
import { spawnApi, type ApiProcess } from "../spawn-api";
import { sleep, startPrivateRedis, stopApi, summary, type PrivateRedis } from "./services";

/**
 * Fault (b): the Redis of two API instances goes away mid-burst. Decisions continue (those with a
 * rate condition fail closed: 503 UNAVAILABLE with Retry-After, never an allow; loop detection counts
 * in PostgreSQL meanwhile, docs/loops.md), a gate parked on
 * one instance and decided through the other still resolves (the waiters' database poll), and when
 * Redis returns the rate conditions count again and both instances report it up.
 */
let redis: PrivateRedis;
const processes: ApiProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map(stopApi));
  await redis?.kill();
  await stopApp(undefined);
});

type Phase = "before" | "down" | "after";

describe("Redis stopped mid-burst", () => {
  it("decisions continue, rate conditions fail closed, parked gates resolve through the database, and it recovers", async () => {
    redis = await startPrivateRedis();
    const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: redis.url };
    const [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
    processes.push(a, b);
    const org = await createTestOrg({
      label: "redisdown",
      policies: [
        { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
        { name: "review-deploys", actions: ["deploy.*"], effect: "require_approval" },
        { name: "allow-calls", actions: ["api.call"], effect: "allow" },
        { name: "calls-limited", actions: ["api.call"], when: { rate: { over: 10_000, windowSeconds: 60 } }, effect: "deny" },
      ],
    });
    const approver = await addTestMember(org, "approver");
    // Each call differs (metadata.call): the same call again and again is a loop (docs/loops.md).
    let calls = 0;
    const decide = (api: ApiProcess, actionType: string) =>
      fetch(`${api.url}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType, metadata: { call: (calls += 1) } }),
      }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), body: (await r.json()) as { status?: string; error?: { code: string } } }));
    const health = async (api: ApiProcess) => ((await (await fetch(`${api.url}/healthz`)).json()) as { redis: string }).redis;

    // A gate parked on A.
    let approvalId = "";
    const gate = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: a.url }).gate("deploy.prod", { onRequested: (r) => void (approvalId = r.approvalId ?? "") });
    while (!approvalId) await sleep(10);

    // The burst: both instances, a plain call and a rate-conditioned one, with the phase each was sent in.
    let phase: Phase = "before";
    let running = true;
    const seen: Array<{ phase: Phase; actionType: string; status: number; ms: number; decision?: string; code?: string; retryAfter: string | null }> = [];
    const burst = Promise.all(
      [a, b].map(async (api) => {
        while (running) {
          for (const actionType of ["pr.open", "api.call"]) {
            const sentIn = phase;
            const started = performance.now();
            const r = await decide(api, actionType);
            seen.push({
              phase: sentIn,
              actionType,
              status: r.status,
              ms: performance.now() - started,
              retryAfter: r.retryAfter,
              ...(r.body.status ? { decision: r.body.status } : {}),
              ...(r.body.error ? { code: r.body.error.code } : {}),
            });
          }
        }
      }),
    );
    await sleep(1_000);
    await redis.kill();
    await sleep(200); // connections noticed the loss
    phase = "down";
    // Loop detection goes on without Redis (counted in PostgreSQL): an agent repeating one call is
    // refused at the 21st, as with Redis.
    const looper = (await (
      await fetch(`${a.url}/v1/admin/agents`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "looper" }),
      })
    ).json()) as { apiKey: string };
    const looped: string[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await fetch(`${[a, b][i % 2]?.url}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${looper.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType: "pr.open", metadata: { pr: 1 } }),
      });
      const body = (await r.json()) as { status?: string; denialReason?: string };
      looped.push(body.denialReason ?? body.status ?? String(r.status));
    }
    expect(looped).toEqual([...Array(20).fill("executed"), "LOOP_DETECTED"]);
    await sleep(2_000);

    // Decided through B while Redis is away: A hears of it only through its database poll.
    const decidedAt = Date.now();
    const vote = await fetch(`${b.url}/v1/admin/approvals/${approvalId}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${approver.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve" }),
    });
    expect(vote.status).toBe(200);
    const resolved = await gate;
    const gateMs = Date.now() - decidedAt;
    expect(resolved).toMatchObject({ status: "executed", approvalId });
    expect(gateMs).toBeLessThan(15_000);

    phase = "after";
    await redis.start();
    const deadline = Date.now() + 20_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      await sleep(250);
      const [ha, hb] = await Promise.all([health(a), health(b)]);
      const [ca, cb] = await Promise.all([decide(a, "api.call"), decide(b, "api.call")]);
      recovered = ha === "up" && hb === "up" && ca.body.status === "executed" && cb.body.status === "executed";
    }
    running = false;
    await burst;

    const count = (p: Phase, t: string, f: (s: (typeof seen)[number]) => boolean) => seen.filter((s) => s.phase === p && s.actionType === t && f(s)).length;
    const down = seen.filter((s) => s.phase === "down");
    console.log(
      `[faults/redis-down] before: ${count("before", "pr.open", () => true)} pr.open, ${count("before", "api.call", () => true)} api.call; ` +
        `down: pr.open ${count("down", "pr.open", (s) => s.decision === "executed")}/${count("down", "pr.open", () => true)} executed, ` +
        `api.call ${count("down", "api.call", (s) => s.status === 503)}/${count("down", "api.call", () => true)} answered 503; ` +
        `gate resolved ${gateMs} ms after the approval; recovered: ${recovered}; ` +
        `latency while down: pr.open ${summary(down.filter((s) => s.actionType === "pr.open").map((s) => s.ms))}, api.call ${summary(down.filter((s) => s.actionType === "api.call").map((s) => s.ms))}`,
    );
    expect(recovered).toBe(true);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // Without Redis: plain decisions go on; a rate condition fails closed, never an allow.
    expect(count("down", "pr.open", () => true)).toBeGreaterThan(0);
    expect(down.filter((s) => s.actionType === "pr.open" && s.decision !== "executed")).toEqual([]);
    expect(down.filter((s) => s.actionType === "api.call" && s.status !== 503)).toEqual([]);
    for (const s of down.filter((d) => d.actionType === "api.call")) expect(s).toMatchObject({ code: "UNAVAILABLE", retryAfter: "2" });
    expect(seen.filter((s) => s.status !== 200 && s.status !== 503)).toEqual([]);
  }, 120_000);
});
