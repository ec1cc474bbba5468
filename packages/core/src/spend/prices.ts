import { z } from "zod";
import { normalizeModelName } from "./model-names";

/**
 * Model prices (docs/budgets.md, Prices): what a model call costs, per million tokens, in US dollars —
 * input, output, cache reads and cache writes — by provider, model and service tier, each with the page
 * it was read from and the day it took effect. A model's price is the entry in force at the time of the
 * request (the newest `effectiveFrom` not after it), so the table grows by appending: a price change
 * is a new entry, and a past decision keeps the price it was made with (its reservation stores it).
 * An org can price a model of its own or override one (settings `spend.priceOverrides`), and price
 * every model nobody priced (an override for `*`); without that, a call naming an unpriced model is
 * refused where money is counted — never priced at zero silently.
 */
export const PRICE_TABLE_VERSION = "2026-11-24";

export const MODEL_PROVIDERS = ["openai", "anthropic", "google", "mistral", "custom"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** Service tiers whose prices differ from the standard one. */
export const SERVICE_TIERS = ["standard", "flex", "priority", "batch"] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

export interface ModelPrice {
  provider: ModelProvider;
  model: string;
  tier: ServiceTier;
  /** USD per million input tokens (those not read from a cache). */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million input tokens read from a prompt cache; absent: priced as input. */
  cacheRead?: number;
  /** USD per million input tokens written to a prompt cache; absent: priced as input. */
  cacheWrite?: number;
  /** The day (UTC) this price took effect. */
  effectiveFrom: string;
  /** Where it was read. */
  source: string;
}

const OPENAI = "https://platform.openai.com/docs/pricing";
const ANTHROPIC = "https://docs.anthropic.com/en/docs/about-claude/pricing";
const GOOGLE = "https://ai.google.dev/gemini-api/docs/pricing";
const MISTRAL = "https://mistral.ai/pricing#api-pricing";

type Row = [model: string, input: number, output: number, cacheRead: number | undefined, cacheWrite: number | undefined, effectiveFrom: string, tier?: ServiceTier];

function rows(provider: ModelProvider, source: string, list: readonly Row[]): ModelPrice[] {
  return list.map(([model, input, output, cacheRead, cacheWrite, effectiveFrom, tier]) => ({
    provider,
    model,
    tier: tier ?? "standard",
    input,
    output,
    ...(cacheRead === undefined ? {} : { cacheRead }),
    ...(cacheWrite === undefined ? {} : { cacheWrite }),
    effectiveFrom,
    source,
  }));
}

/** The built-in table. Append a row for a change; never edit one a decision may have used. */
export const MODEL_PRICES: readonly ModelPrice[] = [
  ...rows("openai", OPENAI, [
    ["gpt-5", 1.25, 10, 0.125, undefined, "2025-08-07"],
    ["gpt-5", 0.625, 5, 0.0625, undefined, "2025-08-07", "flex"],
    ["gpt-5", 2.5, 20, 0.25, undefined, "2025-08-07", "priority"],
    ["gpt-5-mini", 0.25, 2, 0.025, undefined, "2025-08-07"],
    ["gpt-5-nano", 0.05, 0.4, 0.005, undefined, "2025-08-07"],
    ["gpt-4.1", 2, 8, 0.5, undefined, "2025-04-14"],
    ["gpt-4.1-mini", 0.4, 1.6, 0.1, undefined, "2025-04-14"],
    ["gpt-4.1-nano", 0.1, 0.4, 0.025, undefined, "2025-04-14"],
    ["gpt-4o", 5, 15, undefined, undefined, "2024-05-13"],
    // The first snapshot kept its launch price when gpt-4o's fell: named exactly, it wins over its base model's.
    ["gpt-4o-2024-05-13", 5, 15, undefined, undefined, "2024-05-13"],
    ["gpt-4o", 2.5, 10, 1.25, undefined, "2024-10-01"],
    ["gpt-4o-mini", 0.15, 0.6, 0.075, undefined, "2024-07-18"],
    ["o1", 15, 60, 7.5, undefined, "2024-12-17"],
    ["o3", 10, 40, 2.5, undefined, "2025-04-16"],
    ["o3", 2, 8, 0.5, undefined, "2025-06-10"],
    ["o3", 1, 4, 0.25, undefined, "2025-06-10", "flex"],
    ["o3-mini", 1.1, 4.4, 0.55, undefined, "2025-01-31"],
    ["o4-mini", 1.1, 4.4, 0.275, undefined, "2025-04-16"],
    ["o4-mini", 0.55, 2.2, 0.138, undefined, "2025-04-16", "flex"],
  ]),
  ...rows("anthropic", ANTHROPIC, [
    ["claude-opus-4-1", 15, 75, 1.5, 18.75, "2025-08-05"],
    ["claude-opus-4", 15, 75, 1.5, 18.75, "2025-05-22"],
    ["claude-sonnet-4-5", 3, 15, 0.3, 3.75, "2025-09-29"],
    ["claude-sonnet-4", 3, 15, 0.3, 3.75, "2025-05-22"],
    ["claude-3-7-sonnet", 3, 15, 0.3, 3.75, "2025-02-24"],
    ["claude-haiku-4-5", 1, 5, 0.1, 1.25, "2025-10-15"],
    ["claude-3-5-haiku", 0.8, 4, 0.08, 1, "2024-10-22"],
    ["claude-3-haiku", 0.25, 1.25, 0.03, 0.3, "2024-03-07"],
  ]),
  ...rows("google", GOOGLE, [
    ["gemini-2.5-pro", 1.25, 10, 0.31, undefined, "2025-06-17"],
    ["gemini-2.5-flash", 0.3, 2.5, 0.075, undefined, "2025-06-17"],
    ["gemini-2.5-flash-lite", 0.1, 0.4, 0.025, undefined, "2025-07-22"],
    ["gemini-2.0-flash", 0.1, 0.4, 0.025, undefined, "2025-02-05"],
    ["gemini-2.0-flash-lite", 0.075, 0.3, undefined, undefined, "2025-02-25"],
  ]),
  ...rows("mistral", MISTRAL, [
    ["mistral-large", 2, 6, undefined, undefined, "2024-11-18"],
    ["mistral-medium", 0.4, 2, undefined, undefined, "2025-05-07"],
    ["mistral-small", 0.1, 0.3, undefined, undefined, "2025-03-17"],
    ["magistral-medium", 2, 5, undefined, undefined, "2025-06-10"],
    ["codestral", 0.3, 0.9, undefined, undefined, "2025-01-13"],
    ["pixtral-large", 2, 6, undefined, undefined, "2024-11-18"],
    ["ministral-8b", 0.1, 0.1, undefined, undefined, "2024-10-16"],
    ["ministral-3b", 0.04, 0.04, undefined, undefined, "2024-10-16"],
  ]),
];

/**
 * A model name as calls declare it: the provider's id (`gpt-4o`, `claude-sonnet-4-5-20250929`,
 * `models/gemini-2.5-pro`), surrounding whitespace trimmed. Prices and budgets compare it by
 * {@link normalizeModelName}.
 */
export const modelNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/, "must be a model id: 1-200 characters of [A-Za-z0-9._:/@-]")
  .describe(
    "The model, as its provider names it (`gpt-4o`, `claude-sonnet-4-5-20250929`). Prices and budgets count it by its name without case, surrounding whitespace, a provider or path prefix (`openai/`, `models/`) or a `:latest` tag; a dated snapshot is priced as its model.",
  );

/** A price an org sets: USD per million tokens, at most 10,000, to four decimals' worth. */
const usdPerMillion = z.number().finite().min(0).max(10_000);

export const orgModelPriceSchema = z.strictObject({
  model: z
    .union([z.literal("*"), modelNameSchema])
    .describe("The model (a dated snapshot of it is priced the same), or `*` for every model neither the table nor another override prices."),
  input: usdPerMillion.describe("USD per million input tokens."),
  output: usdPerMillion.describe("USD per million output tokens."),
  cacheRead: usdPerMillion.optional().describe("USD per million input tokens read from a cache (else priced as input)."),
  cacheWrite: usdPerMillion.optional().describe("USD per million input tokens written to a cache (else priced as input)."),
});
export type OrgModelPrice = z.output<typeof orgModelPriceSchema>;

export const MAX_PRICE_OVERRIDES = 200;

/**
 * The org's spend settings (`spend`): its own prices, which win over the built-in table and price
 * models it lacks (`*`: every model nobody priced), and how long a reservation waits for its outcome.
 */
export const spendSettingsSchema = z.strictObject({
  priceOverrides: z
    .array(orgModelPriceSchema)
    .max(MAX_PRICE_OVERRIDES)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((price, index) => {
        const key = price.model === "*" ? "*" : normalizeModelName(price.model);
        if (seen.has(key)) ctx.addIssue({ code: "custom", path: [index, "model"], message: `prices '${price.model}' twice` });
        seen.add(key);
      });
    })
    .default([])
    .describe(
      "Prices the org sets (USD per million tokens): they win over the built-in table, price models it lacks, and `*` prices every model nobody else does (without it such a call is refused where money is counted).",
    ),
  reservationSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(3600)
    .describe(
      "How long a reservation waits for its outcome before a job releases it (60 s to 7 days; 3600 unless changed); a held call's waits as long as its approval, and this much more.",
    ),
});
export type SpendSettings = z.output<typeof spendSettingsSchema>;

/** The spend settings of an org's settings object; missing or invalid settings give the defaults. */
export function spendSettings(orgSettings: unknown): SpendSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { spend?: unknown }).spend : undefined;
  const parsed = spendSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : spendSettingsSchema.parse({});
}

/** A dated snapshot's suffix: `-2024-08-06`, `-20250929`, `-latest`, `-001`. */
const SNAPSHOT_SUFFIX = /^-(\d{4}-\d{2}-\d{2}|\d{8}|latest|\d{2,4}|preview(-\d{2}-\d{4})?)$/;

/** The table's model a declared name stands for ({@link normalizeModelName}): itself, or the longest model it is a dated snapshot of. */
export function baseModelOf(name: string, known: (model: string) => boolean): string | undefined {
  const lower = normalizeModelName(name);
  if (known(lower)) return lower;
  let best: string | undefined;
  for (let cut = lower.lastIndexOf("-"); cut > 0; cut = lower.lastIndexOf("-", cut - 1)) {
    const head = lower.slice(0, cut);
    if (SNAPSHOT_SUFFIX.test(lower.slice(cut)) && known(head)) {
      best = head;
      break;
    }
  }
  return best;
}

const byModel = new Map<string, ModelPrice[]>();
for (const price of MODEL_PRICES) {
  const list = byModel.get(price.model) ?? [];
  list.push(price);
  byModel.set(price.model, list);
}

/** What a model's series is labelled in metrics when it is not a model of the built-in table. */
export const OTHER_MODEL_LABEL = "other";

/**
 * A model name as a metric label (docs/metrics.md): the built-in table's model it stands for
 * ({@link baseModelOf}: any case, provider prefix, `:latest` tag or dated snapshot of it), else
 * `other`. A closed set — the table's models and `other` — whatever names callers send and whatever
 * models orgs price themselves: a label from a caller's text would grow the series with every name
 * an agent invents (issue 62).
 */
export function modelMetricLabel(name: string): string {
  return baseModelOf(name, (m) => byModel.has(m)) ?? OTHER_MODEL_LABEL;
}

/** The price a call is charged by: where it came from, and the rates. */
export interface AppliedPrice {
  /** `table` (built-in, with its effective date), `org` (the org's override or custom model), `org-unknown` (the org's price for unpriced models). */
  source: "table" | "org" | "org-unknown";
  model: string;
  tier: ServiceTier;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  effectiveFrom?: string;
  /** The built-in table's version the price was read from (`table` only). */
  tableVersion?: string;
}

/**
 * The price of `model` at `at` in `tier` (standard when the tier has no price of its own): the org's
 * override first, then the built-in entry in force at that time, then the org's `*` override;
 * `undefined` when nobody prices the model.
 */
export function priceOf(name: string, at: Date, settings: SpendSettings, tier: ServiceTier = "standard"): AppliedPrice | undefined {
  const model = normalizeModelName(name);
  // The same model, day and tier under the same settings object: the same price (settings snapshots are immutable).
  const memoKey = `${model}\u0000${tier}\u0000${at.toISOString().slice(0, 10)}`;
  let memo = priced.get(settings);
  if (!memo) {
    memo = new Map();
    priced.set(settings, memo);
  }
  if (memo.has(memoKey)) return memo.get(memoKey);
  const price = lookUpPrice(model, at, settings, tier);
  if (memo.size >= 1000) memo.clear();
  memo.set(memoKey, price);
  return price;
}

const priced = new WeakMap<SpendSettings, Map<string, AppliedPrice | undefined>>();

function lookUpPrice(model: string, at: Date, settings: SpendSettings, tier: ServiceTier): AppliedPrice | undefined {
  const overrides = new Map(settings.priceOverrides.map((p) => [p.model === "*" ? "*" : normalizeModelName(p.model), p]));
  const overridden = baseModelOf(model, (m) => m !== "*" && overrides.has(m));
  if (overridden) return applied("org", overridden, "standard", overrides.get(overridden) as OrgModelPrice);
  const base = baseModelOf(model, (m) => byModel.has(m));
  if (base) {
    const day = at.toISOString().slice(0, 10);
    const inForce = (wanted: ServiceTier) =>
      (byModel.get(base) ?? []).filter((p) => p.tier === wanted && p.effectiveFrom <= day).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
    const found = inForce(tier) ?? inForce("standard");
    if (found) return { ...applied("table", base, found.tier, found), effectiveFrom: found.effectiveFrom, tableVersion: PRICE_TABLE_VERSION };
  }
  const fallback = overrides.get("*");
  if (fallback) return applied("org-unknown", model, "standard", fallback);
  return undefined;
}

function applied(source: AppliedPrice["source"], model: string, tier: ServiceTier, price: Omit<OrgModelPrice, "model">): AppliedPrice {
  return { source, model, tier, input: price.input, output: price.output, cacheRead: price.cacheRead ?? price.input, cacheWrite: price.cacheWrite ?? price.input };
}

/** Tokens of a call, split as prices are: `input` counts every input token, cached ones included. */
export interface TokenCounts {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** Micro-dollars (USD × 10⁶), rounded up: what money is counted in, exactly, in budgets and the log. */
export function costMicros(price: Pick<AppliedPrice, "input" | "output" | "cacheRead" | "cacheWrite">, tokens: TokenCounts): number {
  const cacheRead = Math.min(tokens.cacheRead ?? 0, tokens.input);
  const cacheWrite = Math.min(tokens.cacheWrite ?? 0, tokens.input - cacheRead);
  const plain = tokens.input - cacheRead - cacheWrite;
  // USD per million tokens × tokens = micro-dollars; rates to 1e-4 are exact as integers of 1e-4.
  const scaled = (rate: number, count: number) => Math.round(rate * 10_000) * count;
  const total = scaled(price.input, plain) + scaled(price.cacheRead, cacheRead) + scaled(price.cacheWrite, cacheWrite) + scaled(price.output, tokens.output);
  return Math.ceil(total / 10_000);
}

/** Micro-dollars as dollars (for answers and the console). */
export function usdOf(micros: number): number {
  return micros / 1_000_000;
}

/** Dollars as micro-dollars (a limit as a policy states it). */
export function microsOf(usd: number): number {
  return Math.round(usd * 1_000_000);
}
