import { createTestOrg, testDatabaseUrl, type TestOrg } from "@gatehouse/db/testing";
import { db } from "@gatehouse/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectLedgerMatchesLog } from "./budget-ledger";
import { stopApp } from "./helpers";
import { spawnApi, type ApiProcess } from "./spawn-api";

// Reserving in the decision's transaction, under the org's log-head lock, holds a budget exactly however
// many calls race for it and through however many API processes (docs/budgets.md): checking first and
// counting after would overshoot.
let a: ApiProcess;
let b: ApiProcess;
let org: TestOrg;

const CALLS = 1000;
const ADMITS = 100;
const TOKENS_PER_CALL = 10;

beforeAll(async () => {
  const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" };
  [a, b] = await Promise.all([spawnApi(env), spawnApi(env)]);
  org = await createTestOrg({
    label: "budget-race",
    policies: [{ name: "exact", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: ADMITS * TOKENS_PER_CALL }, per: "agent-day" } }] as never,
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await stopApp(undefined);
});

describe("a budget under concurrency, across two API processes", () => {
  it(`${CALLS} concurrent calls against a budget that admits exactly ${ADMITS}: exactly ${ADMITS} run, the rest are refused, and the ledger equals the log`, async () => {
    const post = (api: ApiProcess, i: number) =>
      fetch(`${api.url}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType: "llm.openai.gpt-4o-mini", metadata: { call: i }, spend: { model: "gpt-4o-mini", inputTokens: 6, maxOutputTokens: 4 } }),
      }).then(async (r) => ({ http: r.status, body: (await r.json()) as { status?: string; denialReason?: string } }));
    const answers = await Promise.all(Array.from({ length: CALLS }, (_, i) => post(i % 2 === 0 ? a : b, i)));
    const tally = new Map<string, number>();
    for (const { http, body } of answers) {
      const key = `${http} ${body.status ?? ""} ${body.denialReason ?? ""}`.trim();
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(tally)).toEqual({ "200 executed": ADMITS, "200 denied BUDGET_EXCEEDED": CALLS - ADMITS });
    const counter = await db().pool.query<{ rt: number }>(`SELECT reserved_tokens::float8 AS rt FROM budget_counters WHERE org_id = $1`, [org.org.id]);
    expect(counter.rows).toEqual([{ rt: ADMITS * TOKENS_PER_CALL }]);
    await expectLedgerMatchesLog(org.org.id);
  }, 120_000);
});
