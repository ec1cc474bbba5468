import { randomBytes } from "node:crypto";
import { closeSignals, disconnectDb, metricsRegistry, startMetricsServer, type MetricsServer } from "@gatehouse/db";
import type { Election } from "@gatehouse/db/jobs";
import { freePort, testDatabaseUrl } from "@gatehouse/db/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { workerEnv } from "../src/env";
import { STALE_AFTER_MS, workerProbes } from "../src/health";
import { printed, spawnWorker, type WorkerProcess } from "./spawn-worker";

// The worker's one port (WORKER_HEALTH_PORT), as a platform's probes and Prometheus see it (docs/kubernetes.md,
// docs/metrics.md): alive while its elections keep finishing, ready while they also reach the database, healthy while
// PostgreSQL answers, and its metrics beside them. First the listener `npm run worker` starts, with the clock and the
// election injected; then the worker process itself.

const running = new Set<WorkerProcess>();
let listener: MetricsServer | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});
afterAll(async () => {
  for (const worker of running) worker.child.kill("SIGKILL");
  await disconnectDb();
  await closeSignals();
});

async function serve(election: Election | null, now: number, token?: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  listener = await startMetricsServer({
    registry: metricsRegistry("worker"),
    port: 0,
    host: "127.0.0.1",
    token,
    probes: workerProbes({ lastElection: () => election, leading: () => false, pingDatabase: async () => election?.reachedDatabase ?? false, now: () => now }),
  });
  const port = listener.port;
  return (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init);
}

describe("the worker's listener", () => {
  const NOW = Date.parse("2026-11-27T10:00:00Z");

  it.each([
    { case: "a recent election that reached the database", election: { at: NOW - 1_000, reachedDatabase: true }, livez: 200, readyz: 200, healthz: 200 },
    { case: "a recent election that could not reach the database", election: { at: NOW - 1_000, reachedDatabase: false }, livez: 200, readyz: 503, healthz: 503 },
    { case: "elections stopped finishing (stuck)", election: { at: NOW - STALE_AFTER_MS - 1, reachedDatabase: true }, livez: 503, readyz: 503, healthz: 200 },
    { case: "no election finished yet", election: null, livez: 503, readyz: 503, healthz: 503 },
  ])("$case: /livez $livez, /readyz $readyz, /healthz $healthz", async ({ election, livez, readyz, healthz }) => {
    const get = await serve(election, NOW);
    expect((await get("/livez")).status).toBe(livez);
    expect((await get("/readyz")).status).toBe(readyz);
    expect((await get("/healthz")).status).toBe(healthz);
  });

  it("serves the probes and the metrics on one port, the token asked for the metrics only; other paths 404, other methods 405", async () => {
    const token = randomBytes(24).toString("hex");
    const get = await serve({ at: NOW - 1_000, reachedDatabase: true }, NOW, token);
    const ready = await get("/readyz?verbose=1");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, lastElectionAt: new Date(NOW - 1_000).toISOString(), database: "up" });
    expect(await (await get("/healthz")).json()).toEqual({ ok: true, database: "up", leading: false });
    expect((await get("/metrics")).status).toBe(401);
    const scrape = await get("/metrics", { headers: { authorization: `Bearer ${token}` } });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain("# TYPE gatehouse_worker_leading gauge");
    expect((await get("/")).status).toBe(404);
    expect((await get("/metricsz")).status).toBe(404);
    expect((await get("/livez", { method: "POST" })).status).toBe(405);
  });
});

describe("the worker's port variables", () => {
  it("opens no port unless WORKER_HEALTH_PORT (or its deprecated alias WORKER_METRICS_PORT) is set", () => {
    expect(workerEnv({}).listener.port).toBeUndefined();
    expect(workerEnv({ WORKER_HEALTH_PORT: "", WORKER_METRICS_PORT: " " }).listener.port).toBeUndefined();
    expect(workerEnv({ WORKER_HEALTH_PORT: "4100" })).toMatchObject({ listener: { port: 4100, host: "127.0.0.1", token: undefined }, deprecatedAlias: false });
    expect(workerEnv({ WORKER_METRICS_PORT: "9465" })).toMatchObject({ listener: { port: 9465 }, deprecatedAlias: true });
    expect(workerEnv({ WORKER_HEALTH_PORT: "9465", WORKER_METRICS_PORT: "9465" })).toMatchObject({ listener: { port: 9465 }, deprecatedAlias: false });
  });

  it("listens where WORKER_HEALTH_HOST says, else where METRICS_HOST says, else on loopback", () => {
    expect(workerEnv({ WORKER_HEALTH_PORT: "4100", METRICS_HOST: "0.0.0.0" }).listener.host).toBe("0.0.0.0");
    expect(workerEnv({ WORKER_HEALTH_PORT: "4100", METRICS_HOST: "0.0.0.0", WORKER_HEALTH_HOST: "10.1.2.3" }).listener.host).toBe("10.1.2.3");
  });

  it.each([
    [{ WORKER_HEALTH_PORT: "4100", WORKER_METRICS_PORT: "9465" }, /WORKER_METRICS_PORT: is deprecated and must equal WORKER_HEALTH_PORT \(4100\) or be unset/],
    [{ WORKER_HEALTH_PORT: "70000" }, /WORKER_HEALTH_PORT: must be a port from 0 to 65535/],
    [{ WORKER_METRICS_PORT: "metrics" }, /WORKER_METRICS_PORT: must be a port/],
    [{ WORKER_HEALTH_PORT: "4100", METRICS_TOKEN: "short" }, /METRICS_TOKEN: must be at least 32 characters/],
  ])("%j is refused, naming the variable", (source, message) => {
    expect(() => workerEnv(source)).toThrow(message);
  });
});

describe("npm run worker's one port", () => {
  async function start(variable: "WORKER_HEALTH_PORT" | "WORKER_METRICS_PORT"): Promise<{ worker: WorkerProcess; base: string }> {
    const port = await freePort();
    const worker = spawnWorker({ DATABASE_URL: testDatabaseUrl(), [variable]: String(port) });
    running.add(worker);
    await printed(worker, "health and metrics on", 20_000);
    return { worker, base: `http://127.0.0.1:${port}` };
  }

  it("answers the probes once its first election reached the database, serves /healthz and /metrics on the same port, and closes it when it stops", async () => {
    const { worker, base } = await start("WORKER_HEALTH_PORT");
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain("# TYPE gatehouse_worker_leading gauge");
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    await expect(fetch(`${base}/livez`)).rejects.toThrow();
  }, 40_000);

  it("takes the deprecated WORKER_METRICS_PORT alone as that port, and says it is deprecated", async () => {
    const { worker, base } = await start("WORKER_METRICS_PORT");
    expect(worker.output()).toContain("WORKER_METRICS_PORT is deprecated");
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  }, 40_000);

  it("refuses to start when WORKER_METRICS_PORT names another port than WORKER_HEALTH_PORT, naming it", async () => {
    const worker = spawnWorker({ DATABASE_URL: testDatabaseUrl(), WORKER_HEALTH_PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()) });
    running.add(worker);
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/Invalid environment for @gatehouse\/worker: WORKER_METRICS_PORT: is deprecated and must equal WORKER_HEALTH_PORT/);
  }, 20_000);
});
