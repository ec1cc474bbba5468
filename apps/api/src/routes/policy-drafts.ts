import { routeOf } from "@gatehouse/contracts";
import { discardPolicyDraft, getPolicyDraft, listPolicyVersions, publishPolicyDraft, savePolicyDraft } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The policy draft (edit, publish, the two-admin rule) and each policy's versions. */
export async function policyDraftRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("getPolicyDraft")), handler: async (request) => getPolicyDraft({ ctx: ctxOf(request) }) });

  api.route({ ...fromContract(routeOf("savePolicyDraft")), handler: async (request) => savePolicyDraft({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("discardPolicyDraft")), handler: async (request) => discardPolicyDraft({ ctx: ctxOf(request) }) });

  api.route({
    ...fromContract(routeOf("publishPolicyDraft")),
    handler: async (request, reply) => {
      const outcome = await publishPolicyDraft({ ctx: ctxOf(request), input: request.body });
      return outcome.status === "pending_approval" ? reply.status(202).send(outcome) : reply.status(200).send(outcome);
    },
  });

  api.route({
    ...fromContract(routeOf("listPolicyVersions")),
    handler: async (request) => listPolicyVersions({ ctx: ctxOf(request), input: { name: request.params.name } }),
  });
}
