import { describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { price, usd } from "../src/cli-spend.ts";
import { API_KEY, apiError, json, runCli } from "./helpers.ts";

const budget = {
  name: "daily-model-spend",
  policy: "model-calls",
  per: "agent-day",
  period: "2026-11-24",
  agentId: "agt_1",
  agentName: "triager",
  runId: null,
  model: null,
  limit: { usd: 5 },
  spent: { tokens: 120_000, usd: 1.2 },
  reserved: { tokens: 10_000, usd: 0.3 },
  updatedAt: "2026-11-24T10:00:00.000Z",
};
const gone = { ...budget, name: "old-pot", per: "pot:research", period: "2026-11", agentId: null, agentName: null, model: "gpt-4o", limit: null };
const prices = {
  version: "2026-11-01",
  models: [
    {
      provider: "openai",
      model: "gpt-4o",
      tier: "standard",
      input: 2.5,
      output: 10,
      cacheRead: 1.25,
      effectiveFrom: "2024-10-01",
      source: "https://openai.com/api/pricing",
      current: true,
    },
    { provider: "openai", model: "gpt-4o", tier: "standard", input: 5, output: 15, effectiveFrom: "2024-05-13", source: "https://openai.com/api/pricing", current: false },
    {
      provider: "anthropic",
      model: "claude-haiku-4-5",
      tier: "standard",
      input: 1,
      output: 5,
      effectiveFrom: "2025-10-15",
      source: "https://anthropic.com/pricing",
      current: true,
    },
  ],
  overrides: [{ model: "*", input: 0.075, output: 0.3 }],
};

describe("gatehouse budgets list", () => {
  it("prints each budget's count in its limit's units, and how much of the limit is spent or held", async () => {
    const run = await runCli(["budgets", "list", "--limit", "20"], [json(200, { budgets: [budget, gone] })]);
    expect([run.code, run.calls[0]?.url]).toEqual([EXIT_OK, "https://gh.example.com/v1/budgets?limit=20"]);
    const [header, first, second] = run.stdout.split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["NAME", "PER", "PERIOD", "FOR", "SPENT", "RESERVED", "LIMIT", "USED", "UPDATED"]);
    expect(first?.split(/\s{2,}/)).toEqual(["daily-model-spend", "agent-day", "2026-11-24", "triager", "$1.20", "$0.30", "$5.00", "30%", "2026-11-24T10:00:00Z"]);
    // A limit its policy no longer states: both units, no share.
    expect(second?.split(/\s{2,}/)).toEqual([
      "old-pot",
      "pot:research",
      "2026-11",
      "gpt-4o",
      "$1.20, 120,000 tokens",
      "$0.30, 10,000 tokens",
      "(none now)",
      "-",
      "2026-11-24T10:00:00Z",
    ]);
  });

  it("--json prints the answer; none yet says so; a member without posture.read gets the server's refusal (exit 1)", async () => {
    const asJson = await runCli(["budgets", "list", "--json"], [json(200, { budgets: [budget] })]);
    expect(JSON.parse(asJson.stdout)).toEqual({ budgets: [budget] });
    expect((await runCli(["budgets", "list"], [json(200, { budgets: [] })])).stdout).toBe("No budget has counted a call in the last 62 days.\n");
    expect((await runCli(["budgets", "list"], [apiError(403, "FORBIDDEN")])).code).toBe(1);
  });
});

describe("gatehouse budgets prices", () => {
  it("prints the current prices per million tokens and the org's own; --all adds the older entries", async () => {
    const run = await runCli(["budgets", "prices"], [json(200, prices)]);
    expect([run.code, run.calls[0]?.url]).toEqual([EXIT_OK, "https://gh.example.com/v1/prices"]);
    expect(run.stdout).toContain("Prices in US dollars per million tokens (built-in table 2026-11-01; the org's own win).\n");
    expect(run.stdout).toContain("openai     gpt-4o            standard  $2.50  $10.00  $1.25       -            2024-10-01\n");
    expect(run.stdout).not.toContain("2024-05-13");
    expect(run.stdout).toContain("The org's own prices:\nMODEL  INPUT   OUTPUT  CACHE READ  CACHE WRITE\n*      $0.075  $0.30   -           -\n");
    const all = await runCli(["budgets", "prices", "--all", "--model", "GPT"], [json(200, prices)]);
    expect(all.stdout).toContain("2024-05-13  no\n");
    expect(all.stdout).not.toContain("claude");
  });

  it("takes an agent's key; --json prints the answer with the same entries left out", async () => {
    const run = await runCli(["budgets", "prices", "--model", "haiku", "--json"], [json(200, prices)], {
      env: { GATEHOUSE_API_KEY: API_KEY, GATEHOUSE_BASE_URL: "https://gh.example.com" },
    });
    expect(run.calls[0]?.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
    expect(JSON.parse(run.stdout)).toEqual({ ...prices, models: [prices.models[2]] });
  });

  it("writes dollars as people read them", () => {
    expect([usd(0), usd(12.345), usd(1), usd(0.5), usd(0.00041)]).toEqual(["$0", "$12.35", "$1.00", "$0.50", "$0.00041"]);
    expect([price(2.5), price(0.075), price(10), price(1.2345), price(undefined)]).toEqual(["$2.50", "$0.075", "$10.00", "$1.2345", "-"]);
  });
});

describe("gatehouse budgets: usage mistakes", () => {
  it.each<[string, string[], string]>([
    ["list with a limit out of range", ["budgets", "list", "--limit", "500"], 'error: --limit must be a whole number from 1 to 200, not "500"'],
    ["list with an argument", ["budgets", "list", "daily"], 'error: unexpected argument "daily"'],
    ["prices with an option of list", ["budgets", "prices", "--limit", "5"], "error: budgets prices does not take --limit"],
  ])("%s: exit 2 naming it, no call", async (_case, argv, message) => {
    const run = await runCli(argv, []);
    expect([run.code, run.stderr, run.calls.length]).toEqual([EXIT_USAGE, `${message}\nRun gatehouse --help for usage.\n`, 0]);
  });
});
