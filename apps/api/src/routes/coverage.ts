import { routeOf } from "@gatehouse/contracts";
import { getCoverage } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** How each agent's model and tool calls reach Gatehouse, for members (docs/agents.md, Coverage). */
export async function coverageRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({ ...fromContract(routeOf("getCoverage")), handler: async (request) => getCoverage({ ctx: ctxOf(request) }) });
}
