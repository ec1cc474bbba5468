import { routeOf } from "@gatehouse/contracts";
import { standaloneScan } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The standalone content scan, for any key of the org: findings only, nothing stored (docs/content.md, "Standalone scan"). */
export async function scanRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({ ...fromContract(routeOf("scan")), handler: async (request) => standaloneScan({ ctx: ctxOf(request), input: request.body }) });
}
