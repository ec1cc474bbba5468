import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alertedAfter,
  baseModelOf,
  budgetAlerts,
  budgetScopes,
  checkBudgets,
  costMicros,
  EMPTY_COUNTER,
  MODEL_PRICES,
  NOT_ALERTED,
  priceOf,
  spendSettingsSchema,
  type BudgetRule,
  type PolicyBudget,
} from "../src";

const settings = spendSettingsSchema.parse({});
const at = (day: string) => new Date(`${day}T12:00:00Z`);

describe("the price table", () => {
  it("holds at least 25 models in force across OpenAI, Anthropic, Google and Mistral, each with a source and the day it took effect", () => {
    const current = new Set(MODEL_PRICES.filter((p) => p.tier === "standard").map((p) => p.model));
    expect(current.size).toBeGreaterThanOrEqual(25);
    expect(new Set(MODEL_PRICES.map((p) => p.provider))).toEqual(new Set(["openai", "anthropic", "google", "mistral"]));
    for (const p of MODEL_PRICES) {
      expect(p.source).toMatch(/^https:\/\//);
      expect(p.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.input).toBeGreaterThan(0);
      expect(p.output).toBeGreaterThan(0);
    }
    // One entry per model, tier and day: a change is a new row.
    const keys = MODEL_PRICES.map((p) => `${p.model}/${p.tier}/${p.effectiveFrom}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("prices a call by the entry in force at its time, so a past decision keeps its price", () => {
    expect(priceOf("o3", at("2025-05-01"), settings)).toMatchObject({ input: 10, output: 40, effectiveFrom: "2025-04-16" });
    expect(priceOf("o3", at("2025-06-10"), settings)).toMatchObject({ input: 2, output: 8, effectiveFrom: "2025-06-10" });
    expect(priceOf("gpt-4o", at("2024-06-01"), settings)).toMatchObject({ input: 5, output: 15 });
    expect(priceOf("gpt-4o", at("2026-11-24"), settings)).toMatchObject({ input: 2.5, output: 10, cacheRead: 1.25 });
    // Before any entry took effect, nobody priced it.
    expect(priceOf("gpt-5", at("2024-01-01"), settings)).toBeUndefined();
  });

  it("prices a tier where it differs, and the standard price where it does not", () => {
    expect(priceOf("o3", at("2026-01-01"), settings, "flex")).toMatchObject({ tier: "flex", input: 1, output: 4 });
    expect(priceOf("gpt-4.1", at("2026-01-01"), settings, "flex")).toMatchObject({ tier: "standard", input: 2 });
  });

  it.each([
    ["gpt-4o-2024-11-20", "gpt-4o"],
    ["gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["claude-sonnet-4-20250514", "claude-sonnet-4"],
    ["models/gemini-2.5-pro", "gemini-2.5-pro"],
    ["mistral-large-latest", "mistral-large"],
    ["mistral-small-2503", "mistral-small"],
    ["GPT-4O", "gpt-4o"],
    ["gpt-4o-evil", undefined],
    ["gpt-4", undefined],
    ["claude", undefined],
  ])("%s is priced as %s", (name, model) => {
    expect(baseModelOf(name, (m) => MODEL_PRICES.some((p) => p.model === m))).toBe(model);
  });

  it("the org's prices win, price what the table lacks, and '*' prices everything else; nothing else is priced", () => {
    const org = spendSettingsSchema.parse({
      priceOverrides: [
        { model: "gpt-4o", input: 1, output: 1 },
        { model: "acme-1", input: 3, output: 4 },
      ],
    });
    expect(priceOf("gpt-4o-2024-08-06", at("2026-01-01"), org)).toMatchObject({ source: "org", model: "gpt-4o", input: 1 });
    expect(priceOf("acme-1", at("2026-01-01"), org)).toMatchObject({ source: "org", input: 3, output: 4, cacheRead: 3 });
    expect(priceOf("acme-2", at("2026-01-01"), org)).toBeUndefined();
    const anything = spendSettingsSchema.parse({ priceOverrides: [{ model: "*", input: 7, output: 8 }] });
    expect(priceOf("acme-2", at("2026-01-01"), anything)).toMatchObject({ source: "org-unknown", model: "acme-2", input: 7 });
    expect(priceOf("claude-haiku-4-5", at("2026-01-01"), anything)).toMatchObject({ source: "table" });
  });

  it("counts money in micro-dollars, exactly, rounded up; cached tokens at their own rate", () => {
    const gpt = priceOf("gpt-4o", at("2026-01-01"), settings);
    if (!gpt) throw new Error("gpt-4o has a price");
    expect(costMicros(gpt, { input: 1_000_000, output: 1_000_000 })).toBe(12_500_000);
    expect(costMicros(gpt, { input: 1, output: 0 })).toBe(3); // 2.5 micro-dollars, rounded up
    expect(costMicros(gpt, { input: 1000, output: 0, cacheRead: 1000 })).toBe(1250);
    const opus = priceOf("claude-opus-4-1", at("2026-01-01"), settings);
    if (!opus) throw new Error("opus has a price");
    expect(costMicros(opus, { input: 1000, output: 0, cacheWrite: 1000 })).toBe(18_750);
    // Cached counts above the input are capped: a caller cannot buy tokens cheaper than it used.
    expect(costMicros(gpt, { input: 10, output: 0, cacheRead: 1000 })).toBe(costMicros(gpt, { input: 10, output: 0, cacheRead: 10 }));
  });
});

describe("budget scopes and the check", () => {
  const rule = (policy: string, budget: Partial<PolicyBudget>): BudgetRule => ({
    policy,
    budget: { limit: { tokens: 100 }, per: "agent-day", atLimit: "deny", perModel: false, ...budget } as PolicyBudget,
  });
  const facts = { orgId: "org_1", subjectAgentId: "agt_1", at: at("2026-11-24") };

  it("keys a counter by org, budget, subject, period and model", () => {
    const [day] = budgetScopes([rule("p", {})], facts);
    const [nextDay] = budgetScopes([rule("p", {})], { ...facts, at: at("2026-11-25") });
    const [otherAgent] = budgetScopes([rule("p", {})], { ...facts, subjectAgentId: "agt_2" });
    const [otherOrg] = budgetScopes([rule("p", {})], { ...facts, orgId: "org_2" });
    expect(new Set([day?.key, nextDay?.key, otherAgent?.key, otherOrg?.key]).size).toBe(4);
    expect(day?.key).toMatch(/^bud_[0-9a-f]{40}$/);
    expect(day).toMatchObject({ period: "2026-11-24", per: "agent-day" });
    const [month] = budgetScopes([rule("p", { per: "org-month" })], facts);
    expect(month?.period).toBe("2026-11");
  });

  it("two policies on one pot share a counter with the stricter limit and deny over approval", () => {
    const scopes = budgetScopes(
      [rule("a", { per: "pot:shared", limit: { tokens: 100, usd: 5 }, atLimit: "require_approval" }), rule("b", { per: "pot:shared", limit: { tokens: 50 } })],
      facts,
    );
    expect(scopes).toHaveLength(1);
    expect(scopes[0]).toMatchObject({ name: "shared", limitTokens: 50, limitMicros: 5_000_000, atLimit: "deny" });
  });

  it("a run budget applies in a run only; a models budget to its models only", () => {
    expect(budgetScopes([rule("r", { per: "run" })], facts)).toEqual([]);
    expect(budgetScopes([rule("r", { per: "run" })], { ...facts, runId: "run_x" })).toHaveLength(1);
    expect(budgetScopes([rule("m", { models: ["claude-*"] })], { ...facts, model: "gpt-4o" })).toEqual([]);
    expect(budgetScopes([rule("m", { models: ["claude-*"] })], { ...facts, model: "Claude-Opus-4" })).toHaveLength(1);
    expect(budgetScopes([rule("m", { models: ["claude-*"] })], facts)).toEqual([]);
  });

  it("denies what would go over, asks for approval where the budget says so, and names the tightest budget otherwise", () => {
    const scopes = budgetScopes([rule("deny", { limit: { tokens: 100 } }), rule("ask", { limit: { tokens: 50 }, atLimit: "require_approval" })], facts);
    const none = () => EMPTY_COUNTER;
    expect(checkBudgets(scopes, none, { tokens: 40, micros: 0 })).toMatchObject({ verdict: "reserve", state: { name: "ask", exceeded: false } }); // 80% of "ask"
    expect(checkBudgets(scopes, none, { tokens: 39, micros: 0 })).toEqual({ verdict: "reserve", state: undefined }); // under 80% of every budget
    expect(checkBudgets(scopes, none, { tokens: 60, micros: 0 })).toMatchObject({ verdict: "require_approval", state: { name: "ask", exceeded: true } });
    expect(checkBudgets(scopes, none, { tokens: 101, micros: 0 })).toMatchObject({ verdict: "deny", state: { name: "deny", exceeded: true } });
    // Exactly at the limit fits; a call declaring nothing is refused once the budget is used up.
    const full = () => ({ ...EMPTY_COUNTER, spentTokens: 60, reservedTokens: 40 });
    expect(checkBudgets([scopes[0]!], () => ({ ...EMPTY_COUNTER, spentTokens: 60 }), { tokens: 40, micros: 0 }).verdict).toBe("reserve");
    expect(checkBudgets([scopes[0]!], full, { tokens: 0, micros: 0 }).verdict).toBe("deny");
    expect(checkBudgets([scopes[0]!], () => ({ ...EMPTY_COUNTER, spentTokens: 99 }), { tokens: 0, micros: 0 }).verdict).toBe("reserve");
  });
});

describe("budget alerts (docs/budgets.md, Alerts)", () => {
  const rule = (policy: string, budget: Partial<PolicyBudget>): BudgetRule => ({
    policy,
    budget: { limit: { tokens: 100 }, per: "agent-day", atLimit: "deny", perModel: false, ...budget } as PolicyBudget,
  });
  const facts = { orgId: "org_1", subjectAgentId: "agt_1", at: at("2026-11-24") };
  const used = (tokens: number) => () => ({ ...EMPTY_COUNTER, spentTokens: tokens });
  const cost = (tokens: number) => ({ tokens, micros: 0 });

  it("alerts at 80% by default, at the highest ratio a call reaches, and not again once sent", () => {
    const scopes = budgetScopes([rule("p", {})], facts);
    expect(scopes[0]?.alertAt).toEqual([0.8]);
    expect(budgetAlerts(scopes, used(70), () => NOT_ALERTED, cost(9), "reserve")).toEqual([]);
    const [alert] = budgetAlerts(scopes, used(70), () => NOT_ALERTED, cost(10), "reserve");
    expect(alert).toMatchObject({ kind: "threshold", threshold: 0.8, used: 0.8, state: { name: "p", spent: { tokens: 70 }, exceeded: false } });
    expect(budgetAlerts(scopes, used(80), () => alertedAfter(NOT_ALERTED, alert!), cost(10), "reserve")).toEqual([]);
  });

  it("takes a budget's own ratios, sorted, and the union of two budgets on one counter", () => {
    const [own] = budgetScopes([rule("p", { alertAt: [0.9, 0.5, 0.5] })], facts);
    expect(own?.alertAt).toEqual([0.5, 0.9]);
    const [pot] = budgetScopes([rule("a", { per: "pot:shared", alertAt: [0.5] }), rule("b", { per: "pot:shared", alertAt: [0.75] })], facts);
    expect(pot?.alertAt).toEqual([0.5, 0.75]);
    expect(budgetAlerts([pot!], used(0), () => ({ ratio: 0.5, exceeded: false }), cost(80), "reserve")).toMatchObject([{ threshold: 0.75 }]);
  });

  it("says a budget is exceeded for each budget a refused or held call would go over, once", () => {
    const scopes = budgetScopes([rule("deny", { limit: { tokens: 100 } }), rule("ask", { limit: { tokens: 50 }, atLimit: "require_approval" })], facts);
    const refused = budgetAlerts(
      scopes,
      () => EMPTY_COUNTER,
      () => NOT_ALERTED,
      cost(101),
      "deny",
    );
    expect(refused.map((a) => [a.kind, a.state.name, a.state.exceeded])).toEqual([
      ["exceeded", "deny", true],
      ["exceeded", "ask", true],
    ]);
    expect(
      budgetAlerts(
        scopes,
        () => EMPTY_COUNTER,
        () => ({ ratio: 0, exceeded: true }),
        cost(101),
        "deny",
      ),
    ).toEqual([]);
    expect(
      budgetAlerts(
        scopes,
        () => EMPTY_COUNTER,
        () => NOT_ALERTED,
        cost(60),
        "require_approval",
      ).map((a) => a.state.name),
    ).toEqual(["ask"]);
  });

  it("over any run of calls on one counter: each ratio at most once, never above what is used, and every ratio reached is sent", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 5 }).map((percents) => percents.map((p) => p / 100)),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }),
        (alertAt, calls) => {
          const [scope] = budgetScopes([rule("p", { limit: { tokens: 200 }, alertAt })], facts);
          let counter = { ...EMPTY_COUNTER };
          let alerted = NOT_ALERTED;
          const sent: number[] = [];
          for (const tokens of calls) {
            const verdict = checkBudgets([scope!], () => counter, cost(tokens)).verdict;
            for (const alert of budgetAlerts(
              [scope!],
              () => counter,
              () => alerted,
              cost(tokens),
              verdict,
            )) {
              if (alert.kind === "threshold") {
                expect(alert.threshold).toBeLessThanOrEqual(alert.used);
                sent.push(alert.threshold);
              }
              alerted = alertedAfter(alerted, alert);
            }
            if (verdict === "reserve") counter = { ...counter, reservedTokens: counter.reservedTokens + tokens };
          }
          expect(new Set(sent).size).toBe(sent.length);
          expect(sent).toEqual([...sent].sort((x, y) => x - y));
          // The highest ratio the counter reached was sent (lower ones may be skipped by one call's jump).
          const reached = scope!.alertAt.filter((ratio) => counter.reservedTokens / 200 >= ratio).at(-1);
          expect(sent.at(-1)).toBe(reached);
        },
      ),
      { numRuns: 500, seed: 45 },
    );
  });
});
