import { MODEL_PROVIDERS, orgModelPriceSchema, SERVICE_TIERS } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";

const amount = z.object({ tokens: z.number().int(), usd: z.number() });

export const budgetCounterSchema = named(
  "Budget",
  z.object({
    name: z.string().describe("Its pot's name, else its policy's."),
    policy: z.string().describe("The policy that states it (for a pot, the first that drew from it)."),
    per: z.string().describe("`run`, `agent-day`, `org-month` or `pot:<name>`."),
    period: z.string().describe("The UTC day or month counted, or the run's id."),
    agentId: z.string().nullable().describe("The agent an `agent-day` budget counts (a delegate's calls count against its root)."),
    agentName: z.string().nullable(),
    runId: z.string().nullable().describe("The run (`run_…`) a `run` budget counts."),
    model: z.string().nullable().describe("The model counted, for a budget with `perModel`."),
    limit: z
      .object({ tokens: z.number().int().optional(), usd: z.number().optional() })
      .nullable()
      .describe("The limit its policy states now; null when the policy no longer states a budget."),
    spent: amount.describe("Settled by outcomes."),
    reserved: amount.describe("Held for calls waiting for their outcome."),
    updatedAt: z.string(),
  }),
  "A budget's count for one period (docs/budgets.md).",
);

export const budgetListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const budgetListSchema = named(
  "BudgetList",
  z.object({ budgets: z.array(budgetCounterSchema).describe("The most recently touched first, over the last 62 days.") }),
  "The org's budget counts.",
);

const rates = {
  input: z.number().describe("USD per million input tokens."),
  output: z.number().describe("USD per million output tokens."),
  cacheRead: z.number().optional().describe("USD per million cached input tokens read."),
  cacheWrite: z.number().optional().describe("USD per million input tokens written to a cache."),
};

export const priceListSchema = named(
  "PriceList",
  z.object({
    version: z.string().describe("The built-in table's version."),
    models: z
      .array(
        z.object({
          provider: z.enum(MODEL_PROVIDERS),
          model: z.string(),
          tier: z.enum(SERVICE_TIERS),
          ...rates,
          effectiveFrom: z.string().describe("The UTC day it took effect; a call is priced by the entry in force at its time."),
          source: z.string().describe("Where it was read."),
          current: z.boolean().describe("Whether it is the entry in force now for its model and tier."),
        }),
      )
      .describe("The built-in table, every entry (older prices included, for the decisions made with them)."),
    overrides: z.array(orgModelPriceSchema).describe("The org's own prices (settings `spend.priceOverrides`), which win; `*` prices every model nobody else does."),
  }),
  "The prices model calls are counted at (docs/budgets.md, Prices).",
);
