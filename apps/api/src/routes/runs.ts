import { routeOf } from "@gatehouse/contracts";
import { endRun, getRun, listRuns } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Runs (docs/runs.md): an agent's calls grouped by the runId it chose; listed and read by any key of the org, ended by the agent. */
export async function runRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("listRuns")), handler: async (request) => listRuns({ ctx: ctxOf(request), input: request.query }) });

  api.route({ ...fromContract(routeOf("getRun")), handler: async (request) => getRun({ ctx: ctxOf(request), input: { id: request.params.id } }) });

  api.route({ ...fromContract(routeOf("endRun")), handler: async (request) => endRun({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body } }) });
}
