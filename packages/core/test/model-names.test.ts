import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { budgetScopes, MODEL_PRICES, normalizeModelName, priceOf, spendSettingsSchema, spendSchema, type BudgetRule, type PolicyBudget } from "../src";

// A budget on `gpt-4o` counts every call that names gpt-4o, however it is written: a provider or path
// prefix (`openai/`, `models/`), the `:latest` tag, other letter case, surrounding whitespace. One
// function says what a name stands for, and prices and budgets both go through it.

const settings = spendSettingsSchema.parse({});
const at = new Date("2026-11-24T12:00:00Z");
const FACTS = { orgId: "org_1", subjectAgentId: "agt_1", at };
const SEED = { seed: 41, numRuns: 2000 };

const rule = (budget: Partial<PolicyBudget>): BudgetRule => ({
  policy: "p",
  budget: { limit: { tokens: 100 }, per: "agent-day", atLimit: "deny", perModel: false, ...budget } as PolicyBudget,
});

describe("normalizeModelName", () => {
  it.each([
    ["gpt-4o", "gpt-4o"],
    ["GPT-4o", "gpt-4o"],
    ["  gpt-4o \t", "gpt-4o"],
    ["openai/gpt-4o", "gpt-4o"],
    ["gpt-4o:latest", "gpt-4o"],
    [" OpenAI/GPT-4o:LATEST ", "gpt-4o"],
    ["anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"],
    ["models/gemini-2.5-pro", "gemini-2.5-pro"],
    ["publishers/google/models/gemini-2.5-pro", "gemini-2.5-pro"],
    ["openrouter/openai/gpt-4o:latest", "gpt-4o"],
    // A dated snapshot is the price table's to map (baseModelOf); other tags name another model.
    ["gpt-4o-2024-08-06", "gpt-4o-2024-08-06"],
    ["llama3:8b", "llama3:8b"],
    // Nothing left after a prefix or before the tag: the name as written.
    ["models/", "models/"],
    [":latest", ":latest"],
  ])("%j is %j", (name, model) => {
    expect(normalizeModelName(name)).toBe(model);
  });

  it("gives the same name again when given its own answer", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\s{0,2}[A-Za-z0-9][A-Za-z0-9._:/@-]{0,30}\s{0,2}$/), (name) => {
        const once = normalizeModelName(name);
        expect(normalizeModelName(once)).toBe(once);
      }),
      SEED,
    );
  });
});

/** A name for `model` as a caller might write it: a prefix, other case, `:latest`, whitespace. */
const decorated = (model: string) =>
  fc
    .tuple(
      fc.constantFrom("", "openai/", "anthropic/", "google/", "models/", "mistralai/", "OpenAI/", "openrouter/openai/", "publishers/google/models/"),
      fc.array(fc.boolean(), { minLength: model.length, maxLength: model.length }),
      fc.constantFrom("", ":latest", ":LATEST"),
      fc.constantFrom("", " ", "  ", "\t"),
      fc.constantFrom("", " ", "\n"),
    )
    .map(([prefix, upper, tag, before, after]) => `${before}${prefix}${[...model].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join("")}${tag}${after}`);

const TABLE_MODELS = [...new Set(MODEL_PRICES.map((p) => p.model))];
const modelAndName = fc.constantFrom(...TABLE_MODELS).chain((model) => fc.tuple(fc.constant(model), decorated(model)));

describe("every name of a model is counted and priced as the model", () => {
  it("a call may declare it (surrounding whitespace is not a refusal)", () => {
    fc.assert(
      fc.property(modelAndName, ([, name]) => {
        expect(spendSchema.safeParse({ model: name, inputTokens: 1, maxOutputTokens: 1 }).success).toBe(true);
      }),
      SEED,
    );
  });

  it("normalizes to the model", () => {
    fc.assert(
      fc.property(modelAndName, ([model, name]) => {
        expect(normalizeModelName(name)).toBe(model);
      }),
      SEED,
    );
  });

  it("is priced as the model, from the table and from the org's own prices", () => {
    const own = spendSettingsSchema.parse({
      priceOverrides: TABLE_MODELS.slice(0, 5).map((model, i) => ({ model: ` ${model.toUpperCase()}:latest`, input: i + 1, output: i + 2 })),
    });
    fc.assert(
      fc.property(modelAndName, ([model, name]) => {
        expect(priceOf(name, at, settings)).toEqual(priceOf(model, at, settings));
        expect(priceOf(name, at, own)).toEqual(priceOf(model, at, own));
      }),
      SEED,
    );
    expect(priceOf("openai/gpt-4o:latest", at, settings)).toMatchObject({ source: "table", model: "gpt-4o" });
    expect(priceOf(TABLE_MODELS[0] as string, at, own)).toMatchObject({ source: "org", input: 1 });
  });

  it("a budget naming the model (as written, any way) counts it, in the model's own count when perModel", () => {
    fc.assert(
      fc.property(modelAndName, decorated("gpt-4o"), ([model, name], budgetName) => {
        const named = budgetScopes([rule({ models: [model], perModel: true })], { ...FACTS, model: name, declaredModel: name });
        const plain = budgetScopes([rule({ models: [model], perModel: true })], { ...FACTS, model, declaredModel: model });
        expect(named).toHaveLength(1);
        expect(named[0]?.key).toBe(plain[0]?.key);
        expect(named[0]?.model).toBe(model);
        // The budget's own list may name it any way too.
        expect(budgetScopes([rule({ models: [budgetName.trim()] })], { ...FACTS, model: "openai/gpt-4o:latest" })).toHaveLength(1);
      }),
      SEED,
    );
  });

  it("a pattern counts a model by its name or by the name as written, and no other model", () => {
    const counted = (models: string[], model: string) => budgetScopes([rule({ models })], { ...FACTS, model, declaredModel: model }).length === 1;
    expect(counted(["gpt-4o*"], "OpenAI/GPT-4o-mini:latest")).toBe(true);
    expect(counted(["openai/*"], "openai/gpt-4o")).toBe(true);
    expect(counted(["openai/*"], "claude-sonnet-4-5")).toBe(false);
    expect(counted(["gpt-4o"], "openai/gpt-4o-mini")).toBe(false);
    expect(counted(["gpt-4o"], "gpt-4o:8b")).toBe(false);
  });
});
