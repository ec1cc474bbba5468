import { budgetListQuerySchema, budgetListSchema, priceListSchema } from "../budgets";
import type { RouteContract } from "./contract";

/** Budgets, and the model prices calls are counted at (GET /v1/prices, kept with the budgets that count by them). */
export const budgetRoutes = [
  {
    operationId: "listBudgets",
    method: "GET",
    path: "/v1/budgets",
    summary: "Budgets: what each has spent and holds in reserve",
    description:
      "Each budget's count for its period (a run, an agent's UTC day, the org's UTC month, a pot's month), the most recently touched first, with the limit its policy states now. For members with `posture.read`.",
    tag: "Budgets",
    auth: "key",
    permission: "posture.read",
    query: budgetListQuerySchema,
    success: { status: 200, description: "The org's budget counts.", json: budgetListSchema },
  },
  {
    operationId: "listPrices",
    method: "GET",
    path: "/v1/prices",
    summary: "The model prices calls are counted at",
    description:
      "The built-in table (OpenAI, Anthropic, Google, Mistral: input, output, cache read and write per million tokens, by service tier, each with its source and the day it took effect) and the org's own prices, which win. Any key of the org.",
    tag: "Budgets",
    auth: "key",
    success: { status: 200, description: "The prices.", json: priceListSchema },
  },
] as const satisfies readonly RouteContract[];
