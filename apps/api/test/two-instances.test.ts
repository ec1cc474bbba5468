import { KEY_CACHE_TTL_MS, ORG_DETECTORS_TTL_MS } from "@gatehouse/db";
import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

/** Two `npm run api` processes over one database and one Redis behave as one service. */
let a: ApiProcess;
let b: ApiProcess;
let org: TestOrg;

beforeAll(async () => {
  const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
  [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
  org = await createTestOrg({ label: "twoproc", policies: [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }] });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await stopApp(undefined);
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

  it("a content detector added through A screens B's next calls before B's copy of the org's detectors would have expired", async () => {
    const own = await createTestOrg({ label: "detectors2p" });
    const scan = async (api: ApiProcess) =>
      (await (
        await fetch(`${api.url}/v1/scan`, {
          method: "POST",
          headers: { authorization: `Bearer ${own.agent.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ text: "ref TWO-123456" }),
        })
      ).json()) as { findings: Array<{ detector: string }> };
    expect((await scan(b)).findings).toEqual([]); // B now holds the org's (empty) set of detectors
    const added = await fetch(`${a.url}/v1/content/detectors`, {
      method: "POST",
      headers: { authorization: `Bearer ${own.adminKey.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "two_ref", class: "secrets", pattern: "TWO-[0-9]{6}" }),
    });
    expect(added.status).toBe(201);
    const deadline = Date.now() + ORG_DETECTORS_TTL_MS / 2;
    let found: string[] = [];
    while (Date.now() < deadline) {
      found = (await scan(b)).findings.map((f) => f.detector);
      if (found.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(found).toEqual(["two_ref"]);
  });

  it("an agent halted through A is refused by B on its very next call, and resumed likewise", async () => {
    const own = await createTestOrg({ label: "halt", policies: [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }] });
    const admin = (api: ApiProcess, path: string) =>
      fetch(`${api.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${own.adminKey.apiKey}`, "content-type": "application/json" }, body: "{}" });
    const decide = async (api: ApiProcess) =>
      (await (
        await fetch(`${api.url}/v1/actions`, {
          method: "POST",
          headers: { authorization: `Bearer ${own.agent.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ actionType: "pr.open" }),
        })
      ).json()) as { status: string; denialReason?: string };
    expect((await decide(b)).status).toBe("executed");
    expect((await admin(a, `/v1/admin/agents/${own.agent.id}/halt`)).status).toBe(200);
    expect(await decide(b)).toMatchObject({ status: "denied", denialReason: "AGENT_HALTED" });
    expect((await admin(a, `/v1/admin/agents/${own.agent.id}/resume`)).status).toBe(200);
    expect((await decide(b)).status).toBe("executed");
  });

  it("reports Redis in its health", async () => {
    const health = (await (await fetch(`${a.url}/healthz`)).json()) as { redis: string };
    expect(health.redis).toBe("up");
  });
});

describe("an API process without Redis", () => {
  it("counts rate conditions in PostgreSQL: N parallel calls against a limit of L allow exactly L", async () => {
    const solo = await spawnApi({ DATABASE_URL: testDatabaseUrl() }, ["REDIS_URL"]);
    try {
      const health = (await (await fetch(`${solo.url}/healthz`)).json()) as { redis: string };
      expect(health.redis).toBe("disabled");
      const own = await createTestOrg({
        label: "dbrate",
        policies: [
          { name: "allow-calls", actions: ["api.call"], effect: "allow" },
          { name: "at-most-4", actions: ["api.call"], when: { rate: { over: 4, windowSeconds: 60 } }, effect: "deny" },
        ],
      });
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${solo.url}/v1/actions`, {
            method: "POST",
            headers: { authorization: `Bearer ${own.agent.apiKey}`, "content-type": "application/json" },
            body: JSON.stringify({ actionType: "api.call" }),
          }).then((r) => r.json() as Promise<{ status: string; denialReason?: string }>),
        ),
      );
      expect(results.filter((r) => r.status === "executed")).toHaveLength(4);
      expect(results.filter((r) => r.denialReason === "RATE_LIMITED")).toHaveLength(8);
    } finally {
      await solo.stop();
    }
  });
});
