import { routeOf } from "@gatehouse/contracts";
import { getPosture } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The org's posture score, for any key of the org (docs/posture.md). */
export async function postureRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({ ...fromContract(routeOf("getPosture")), handler: async (request) => getPosture({ ctx: ctxOf(request) }) });
}
