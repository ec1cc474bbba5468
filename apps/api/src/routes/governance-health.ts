import { routeOf } from "@gatehouse/contracts";
import { getGovernanceHealth } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The org's governance health, for members with `audit.verify` (docs/audit.md, Governance health). */
export async function governanceHealthRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({ ...fromContract(routeOf("getGovernanceHealth")), handler: async (request) => getGovernanceHealth({ ctx: ctxOf(request) }) });
}
