import { routeOf } from "@gatehouse/contracts";
import { createDelegation, getDelegation, getDelegationTree, listDelegations, revokeDelegation } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Delegation: an agent's (or a delegate's) key creates, lists and revokes delegates; admins read an agent's tree and revoke. */
export async function delegationRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({
    ...fromContract(routeOf("createDelegation")),
    handler: async (request, reply) =>
      reply.status(201).send(await createDelegation({ ctx: ctxOf(request), input: request.body, idempotencyKey: request.headers["idempotency-key"] })),
  });

  api.route({ ...fromContract(routeOf("listDelegations")), handler: async (request) => listDelegations({ ctx: ctxOf(request), input: request.query }) });

  api.route({ ...fromContract(routeOf("getDelegation")), handler: async (request) => getDelegation({ ctx: ctxOf(request), input: { delegationId: request.params.id } }) });

  api.route({
    ...fromContract(routeOf("revokeDelegation")),
    handler: async (request) => revokeDelegation({ ctx: ctxOf(request), input: { delegationId: request.params.id } }),
  });

  api.route({ ...fromContract(routeOf("getDelegationTree")), handler: async (request) => getDelegationTree({ ctx: ctxOf(request), input: request.query }) });
}
