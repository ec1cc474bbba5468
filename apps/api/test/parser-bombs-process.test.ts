import { db } from "@gatehouse/db";
import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOW_ALL_PR, stopApp } from "./helpers";
import { heavyLegalSource, METADATA_BOMBS, SET_BOMBS, SOURCE_BOMBS } from "./parser-bombs";
import { spawnApi, type ApiProcess } from "./spawn-api";

// A real `npm run api` process takes every bomb several times and stays up; another org's decision
// answers after them, and answers promptly while one org's long (legal) policy check runs on the
// work pool. Before the limits and the pool, the first deep document ended the process (the YAML
// reader's fatal out-of-memory) and a heavy draft held every org's decisions for seconds. Before its log entries were
// screened and sealed in slices (packages/db/test/large-appends.test.ts), publishing its 600 policies held them for a
// quarter of a second at the end (over a second on a busy CI machine).

/** A coarse safety net for "promptly", not a benchmark: bench/PARSERS.md has the measured latencies. */
const PROMPT_MS = 500;

let api: ApiProcess;
let attacker: TestOrg;
let victim: TestOrg;

beforeAll(async () => {
  api = await spawnApi({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  [attacker, victim] = await Promise.all([createTestOrg({ label: "attacker", policies: ALLOW_ALL_PR }), createTestOrg({ label: "victim", policies: ALLOW_ALL_PR })]);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await stopApp(undefined);
});

const send = (method: string, path: string, key: string, body: string) =>
  fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
  }));

/** The victim org's decision: its status and how long it took. */
let opened = 0;
async function victimDecision(): Promise<{ status: string; ms: number }> {
  const started = performance.now();
  // Each a different PR: the same call again and again is a loop (docs/loops.md).
  const response = await send("POST", "/v1/actions", victim.agent.apiKey, JSON.stringify({ actionType: "pr.open", metadata: { pr: (opened += 1) } }));
  return { status: (JSON.parse(response.text) as { status: string }).status, ms: performance.now() - started };
}

const storeDraft = async (orgId: string, source: string, format: string) => {
  await db().pool.query(`DELETE FROM policy_drafts WHERE org_id = $1`, [orgId]);
  await db().pool.query(`INSERT INTO policy_drafts (org_id, source, format, revision, updated_at) VALUES ($1, $2, $3, 1, now())`, [orgId, source, format]);
};

describe("the API process never exits", () => {
  it("takes every bomb three times on every entry point, stays up, and another org's decision answers", async () => {
    const key = attacker.adminKey.apiKey;
    for (let round = 0; round < 3; round += 1) {
      for (const bomb of SOURCE_BOMBS) {
        expect((await send("PUT", "/v1/admin/policies/draft", key, JSON.stringify({ source: bomb.source, format: bomb.format, revision: 0 }))).status).toBe(400);
        await storeDraft(attacker.org.id, bomb.source, bomb.format);
        expect((await send("POST", "/v1/admin/policies/draft/publish", key, JSON.stringify({ revision: 1 }))).status).toBe(400);
      }
      for (const bomb of SET_BOMBS) {
        for (const [method, path] of [
          ["PUT", "/v1/admin/policies"],
          ["POST", "/v1/admin/policies/test"],
          ["POST", "/v1/admin/policies/simulate"],
        ] as const) {
          expect((await send(method, path, key, bomb.text)).status).toBe(400);
        }
      }
      for (const bomb of METADATA_BOMBS) {
        for (const path of ["/v1/actions", "/v1/actions/check"]) expect((await send("POST", path, attacker.agent.apiKey, bomb.body("pr.open"))).status).toBe(bomb.status);
      }
    }
    expect(api.child.exitCode).toBeNull();
    expect((await victimDecision()).status).toBe("executed");
  }, 180_000);

  it("answers another org's decisions promptly while one org's long policy check runs", async () => {
    await storeDraft(attacker.org.id, heavyLegalSource(), "yaml");
    // The victim's first decision (compiling its policies, its first queries) is not what is measured: run alone, this test warms it.
    expect((await victimDecision()).status).toBe("executed");
    let publishing = true;
    const publish = send("POST", "/v1/admin/policies/draft/publish", attacker.adminKey.apiKey, JSON.stringify({ revision: 1 })).finally(() => {
      publishing = false;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const latencies: number[] = [];
    while (publishing) {
      const decision = await victimDecision();
      expect(decision.status).toBe("executed");
      latencies.push(decision.ms);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await publish).status).toBe(200);
    // The check took seconds; the victim's decisions ran meanwhile, each well within the bound.
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(PROMPT_MS);
  }, 120_000);
});
