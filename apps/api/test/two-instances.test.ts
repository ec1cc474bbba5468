import { KEY_CACHE_TTL_MS } from "@gatehouse/db";
import { closeRateLimiter, closeSignals, disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { spawnApi, type ApiProcess } from "./spawn-api";

/** Two `npm run api` processes over one database and one Redis behave as one service. */
let a: ApiProcess;
let b: ApiProcess;
let org: TestOrg;

beforeAll(async () => {
  const env = { DATABASE_URL: inject("databaseUrl"), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
  [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
  org = await createTestOrg({ label: "twoproc", policies: [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }] });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

const whoami = (api: ApiProcess, key: string) => fetch(`${api.url}/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });

describe("two API processes with Redis", () => {
  it("a decision made through one is in the same chained log as one made through the other", async () => {
    const post = (api: ApiProcess) =>
      fetch(`${api.url}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType: "pr.open" }),
      }).then((r) => r.json() as Promise<{ status: string; auditEventId: string }>);
    const [first, second] = await Promise.all([post(a), post(b)]);
    expect([first.status, second.status]).toEqual(["executed", "executed"]);
    expect(first.auditEventId).not.toBe(second.auditEventId);
  });

  it("a key revoked through A is refused by B before B's cache would have expired", async () => {
    expect((await whoami(b, org.agent.apiKey)).status).toBe(200); // B now holds the key in its cache
    const revoked = await fetch(`${a.url}/v1/admin/keys/${org.agent.keyId}`, { method: "DELETE", headers: { authorization: `Bearer ${org.adminKey.apiKey}` } });
    expect(revoked.status).toBe(200);
    const deadline = Date.now() + KEY_CACHE_TTL_MS / 2;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await whoami(b, org.agent.apiKey)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(401);
  });

  it("reports Redis in its health", async () => {
    const health = (await (await fetch(`${a.url}/healthz`)).json()) as { redis: string };
    expect(health.redis).toBe("up");
  });
});
