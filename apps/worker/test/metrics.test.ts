import { randomBytes } from "node:crypto";
import { authenticateApiKey, cachedRead, closeSignals, db, decideAction, disconnectDb, metricsRegistry } from "@gatehouse/db";
import { createTestOrg, freePort, parsePrometheusText, type PromExposition, sampleValue, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { printed, spawnWorker, type WorkerProcess } from "./spawn-worker";

// The worker's Prometheus metrics and health (docs/metrics.md), as `npm run worker` serves them on its one port,
// WORKER_HEALTH_PORT: its jobs' runs, its leadership, the approvals queue and an approval's time to its end, and,
// with the database away, a scrape that still answers and says so.

const running = new Set<WorkerProcess>();

afterAll(async () => {
  for (const worker of running) worker.child.kill("SIGKILL");
  await disconnectDb();
  await closeSignals();
});

async function start(env: Record<string, string | undefined>): Promise<{ worker: WorkerProcess; base: string }> {
  const port = await freePort();
  const worker = spawnWorker({ WORKER_HEALTH_PORT: String(port), ...env });
  running.add(worker);
  await printed(worker, "health and metrics on", 30_000);
  return { worker, base: `http://127.0.0.1:${port}` };
}

async function scrape(base: string, headers: Record<string, string> = {}): Promise<PromExposition> {
  const response = await fetch(`${base}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe("the worker's /metrics and /healthz", () => {
  it("serve the jobs' runs, leadership, the approvals queue and an approval's time to its expiry", async () => {
    const org = await createTestOrg({ label: "worker-metrics", policies: [{ name: "review", actions: ["pr.merge"], effect: "require_approval" }] });
    const ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "worker-metrics" };
    const { approvalId } = await decideAction({ ctx, input: { actionType: "pr.merge" } });
    if (!approvalId) throw new Error("the policy opened no approval");
    await db().approval.update({ where: { id: approvalId }, data: { createdAt: new Date(Date.now() - 120_000) } });

    const { worker, base } = await start({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
    await printed(worker, "leading: running the jobs", 20_000);
    // A first ping or query opens a connection (to PostgreSQL, to Redis), which a loaded machine may take past its bound: asked again (the
    // queries after their 10 s TTL); and a loaded machine may delay a lease's renewal past its lapse, so leading is polled too.
    const answered = (exposition: PromExposition) =>
      [
        sampleValue(exposition, "gatehouse_dependency_up", { dependency: "postgres" }),
        sampleValue(exposition, "gatehouse_dependency_up", { dependency: "redis" }),
        sampleValue(exposition, "gatehouse_metrics_query_success", { query: "approvals" }),
        sampleValue(exposition, "gatehouse_metrics_query_success", { query: "webhooks" }),
        sampleValue(exposition, "gatehouse_worker_leading"),
      ].join(" ");
    await expect.poll(async () => answered(await scrape(base)), { timeout: 30_000, interval: 1_000 }).toBe("1 1 1 1 1");
    const first = await scrape(base);
    const declared = metricsRegistry("worker")
      .getMetricsAsArray()
      .map((metric) => metric.name);
    expect(declared.filter((name) => !first.types.has(name))).toEqual([]);
    // Across every org of the shared test database: at least this org's approval, waiting at least the two minutes it was set back.
    expect(sampleValue(first, "gatehouse_approvals_pending")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(first, "gatehouse_approvals_oldest_pending_age_seconds")).toBeGreaterThanOrEqual(120);
    expect(sampleValue(first, "gatehouse_webhook_backlog_entries")).toBeGreaterThanOrEqual(0);

    // The expiry job ends it: a run counted, and the approval's time from request to end.
    const expired = (exposition: PromExposition) => sampleValue(exposition, "gatehouse_approval_duration_seconds_count", { status: "expired" }) ?? 0;
    const before = expired(first);
    await db().approval.update({ where: { id: approvalId }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    await expect.poll(async () => (await db().approval.findUniqueOrThrow({ where: { id: approvalId } })).status, { timeout: 20_000 }).toBe("expired");
    await expect.poll(async () => expired(await scrape(base)) - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const later = await scrape(base);
    expect(sampleValue(later, "gatehouse_job_runs_total", { job_name: "approval-expiry", result: "success" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(later, "gatehouse_job_last_success_timestamp_seconds", { job_name: "approval-expiry" })).toBeGreaterThan(Date.now() / 1000 - 60);
    // Excluded jobs (WORKER_JOBS_EXCLUDE) never run here.
    expect(later.samples.filter((s) => s.name === "gatehouse_job_runs_total" && s.labels.job_name === "webhook-delivery")).toEqual([]);
    // No org, approval or agent names a label.
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const value of [org.org.id, org.org.slug, approvalId, org.agent.id]) expect(text.includes(value), value).toBe(false);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, database: "up", leading: true });
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  }, 90_000);

  it("answers a scrape with the database away: PostgreSQL down, the queries failed, /healthz 503; the token still asked", async () => {
    const closed = await freePort(); // nothing listens there
    const token = randomBytes(24).toString("hex");
    const { worker, base } = await start({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${closed}/none`, REDIS_URL: undefined, METRICS_TOKEN: token });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const began = Date.now();
    const exposition = await scrape(base, { authorization: `Bearer ${token}` });
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(sampleValue(exposition, "gatehouse_dependency_up", { dependency: "postgres" })).toBe(0);
    // Without REDIS_URL there is no Redis to be down.
    expect(sampleValue(exposition, "gatehouse_dependency_up", { dependency: "redis" })).toBeUndefined();
    expect(sampleValue(exposition, "gatehouse_metrics_query_success", { query: "approvals" })).toBe(0);
    expect(sampleValue(exposition, "gatehouse_metrics_query_success", { query: "webhooks" })).toBe(0);
    expect(sampleValue(exposition, "gatehouse_worker_leading")).toBe(0);
    // Probes carry no token: /healthz is not behind it, and says the database is down.
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, database: "down", leading: false });
    worker.child.kill("SIGTERM");
    await worker.exited;
  }, 60_000);
});

describe("a scrape-time read (cachedRead)", () => {
  it("runs once for concurrent scrapes, keeps its answer for the TTL, then reads again", async () => {
    let clock = 0;
    let reads = 0;
    const read = cachedRead(async () => ++reads, { ttlMs: 10_000, timeoutMs: 1_000, now: () => clock });
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1].map((value) => ({ ok: true, value })));
    clock = 9_999;
    expect(await read()).toEqual({ ok: true, value: 1 });
    clock = 10_000;
    expect(await read()).toEqual({ ok: true, value: 2 });
    expect(reads).toBe(2);
  });

  it("a read that fails or runs past its bound answers not ok, with the last value it had", async () => {
    let clock = 0;
    const outcomes: Array<() => Promise<number>> = [async () => 7, () => Promise.reject(new Error("database away")), () => new Promise<number>(() => {})];
    let attempt = 0;
    const read = cachedRead(() => outcomes[Math.min(attempt++, outcomes.length - 1)]?.() ?? Promise.reject(new Error("no outcome")), {
      ttlMs: 1_000,
      timeoutMs: 50,
      now: () => clock,
    });
    expect(await read()).toEqual({ ok: true, value: 7 });
    clock = 1_000;
    expect(await read()).toEqual({ ok: false, value: 7 });
    clock = 2_000;
    const began = performance.now();
    expect(await read()).toEqual({ ok: false, value: 7 });
    expect(performance.now() - began).toBeLessThan(1_000);
  });
});
