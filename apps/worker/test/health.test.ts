import type { Election } from "@gatehouse/db/jobs";
import { afterEach, describe, expect, it } from "vitest";
import { workerEnv } from "../src/env";
import { STALE_AFTER_MS, startWorkerHealth, type WorkerHealth } from "../src/health";

// The worker's health port, as a platform's probes see it (docs/kubernetes.md): alive while its elections
// keep finishing, ready while they also reach the database. The clock and the election are injected.

let health: WorkerHealth | undefined;
afterEach(async () => {
  await health?.close();
  health = undefined;
});

async function serve(election: Election | null, now: number): Promise<(path: string, method?: string) => Promise<{ status: number; body: unknown }>> {
  health = await startWorkerHealth({ port: 0, host: "127.0.0.1", lastElection: () => election, now: () => now });
  const port = health.port;
  return async (path, method = "GET") => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    return { status: response.status, body: await response.json() };
  };
}

describe("the worker's health port", () => {
  const NOW = Date.parse("2026-11-27T10:00:00Z");

  it.each([
    { case: "a recent election that reached the database", election: { at: NOW - 1_000, reachedDatabase: true }, livez: 200, readyz: 200 },
    { case: "a recent election that could not reach the database", election: { at: NOW - 1_000, reachedDatabase: false }, livez: 200, readyz: 503 },
    { case: "elections stopped finishing (stuck)", election: { at: NOW - STALE_AFTER_MS - 1, reachedDatabase: true }, livez: 503, readyz: 503 },
    { case: "no election finished yet", election: null, livez: 503, readyz: 503 },
  ])("$case: /livez $livez, /readyz $readyz", async ({ election, livez, readyz }) => {
    const get = await serve(election, NOW);
    expect((await get("/livez")).status).toBe(livez);
    expect((await get("/readyz")).status).toBe(readyz);
  });

  it("answers what it knows and nothing else: other paths and methods are 404", async () => {
    const get = await serve({ at: NOW - 1_000, reachedDatabase: true }, NOW);
    expect(await get("/readyz?verbose=1")).toEqual({ status: 200, body: { ok: true, lastElectionAt: new Date(NOW - 1_000).toISOString(), database: "up" } });
    expect((await get("/")).status).toBe(404);
    expect((await get("/healthz")).status).toBe(404);
    expect((await get("/livez", "POST")).status).toBe(404);
  });

  it("opens no port unless WORKER_HEALTH_PORT is set, and refuses one that is not a port", () => {
    expect(workerEnv({}).WORKER_HEALTH_PORT).toBeUndefined();
    expect(workerEnv({ WORKER_HEALTH_PORT: "" }).WORKER_HEALTH_PORT).toBeUndefined();
    expect(workerEnv({ WORKER_HEALTH_PORT: "4100" })).toMatchObject({ WORKER_HEALTH_PORT: 4100, WORKER_HEALTH_HOST: "0.0.0.0" });
    expect(() => workerEnv({ WORKER_HEALTH_PORT: "70000" })).toThrow(/WORKER_HEALTH_PORT/);
  });
});
