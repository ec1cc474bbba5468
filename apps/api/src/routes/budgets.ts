import { routeOf } from "@gatehouse/contracts";
import { listBudgets, listPrices } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Budgets and prices (docs/budgets.md): the org's budget counts for members, the prices for any key. */
export async function budgetRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("listBudgets")), handler: async (request) => listBudgets({ ctx: ctxOf(request), input: request.query }) });

  api.route({ ...fromContract(routeOf("listPrices")), handler: async (request) => listPrices({ ctx: ctxOf(request) }) });
}
