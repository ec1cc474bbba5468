import { routeOf } from "@gatehouse/contracts";
import { checkAction, decideAction, listPolicies, reportOutcome, whoami } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Calls agents make with their own key. */
export async function agentRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("execute")), handler: async (request) => decideAction({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("canI")), handler: async (request) => checkAction({ ctx: ctxOf(request), input: request.body }) });

  api.route({
    ...fromContract(routeOf("reportOutcome")),
    handler: async (request) => reportOutcome({ ctx: ctxOf(request), input: { auditEventId: request.params.auditEventId, body: request.body } }),
  });

  api.route({
    ...fromContract(routeOf("listPolicies")),
    handler: async (request) => listPolicies({ ctx: ctxOf(request), input: { ...(request.query.scope ? { scope: request.query.scope } : {}) } }),
  });

  api.route({ ...fromContract(routeOf("whoami")), handler: async (request) => whoami({ ctx: ctxOf(request) }) });
}
