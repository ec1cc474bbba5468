import { routeOf } from "@gatehouse/contracts";
import { changeMemberRole, closeOrg, createInvitation, getOrg, listInvitations, listMembers, removeMember, revokeInvitation, updateOrg } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The org, its members and its invitations, with a member's admin key; the catalogue decides who may. */
export async function memberRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("getOrg")), handler: async (request) => getOrg({ ctx: ctxOf(request) }) });

  api.route({ ...fromContract(routeOf("updateOrg")), handler: async (request) => updateOrg({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("closeOrg")), handler: async (request) => closeOrg({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("listMembers")), handler: async (request) => ({ members: await listMembers({ ctx: ctxOf(request) }) }) });

  api.route({
    ...fromContract(routeOf("updateMember")),
    handler: async (request) => changeMemberRole({ ctx: ctxOf(request), input: { membershipId: request.params.id, body: request.body } }),
  });

  api.route({ ...fromContract(routeOf("removeMember")), handler: async (request) => removeMember({ ctx: ctxOf(request), input: { membershipId: request.params.id } }) });

  api.route({ ...fromContract(routeOf("listInvitations")), handler: async (request) => ({ invitations: await listInvitations({ ctx: ctxOf(request) }) }) });

  api.route({
    ...fromContract(routeOf("createInvitation")),
    handler: async (request, reply) =>
      reply.status(201).send(await createInvitation({ ctx: ctxOf(request), input: { body: request.body, idempotencyKey: request.headers["idempotency-key"] } })),
  });

  api.route({
    ...fromContract(routeOf("revokeInvitation")),
    handler: async (request) => revokeInvitation({ ctx: ctxOf(request), input: { invitationId: request.params.id } }),
  });
}
