import { routeOf } from "@gatehouse/contracts";
import { createWebhook, deleteWebhook, getWebhook, listWebhookDeliveries, listWebhooks, redeliverWebhook, rotateWebhookSecret, testWebhook, updateWebhook } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The org's webhook endpoints and their delivery logs (docs/webhooks.md); `integrations.manage` decides who may. */
export async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("listWebhooks")), handler: async (request) => listWebhooks({ ctx: ctxOf(request) }) });

  api.route({
    ...fromContract(routeOf("createWebhook")),
    handler: async (request, reply) => reply.status(201).send(await createWebhook({ ctx: ctxOf(request), input: request.body })),
  });

  api.route({ ...fromContract(routeOf("getWebhook")), handler: async (request) => getWebhook({ ctx: ctxOf(request), input: { id: request.params.id } }) });

  api.route({
    ...fromContract(routeOf("updateWebhook")),
    handler: async (request) => updateWebhook({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body } }),
  });

  api.route({ ...fromContract(routeOf("deleteWebhook")), handler: async (request) => deleteWebhook({ ctx: ctxOf(request), input: { id: request.params.id } }) });

  api.route({
    ...fromContract(routeOf("rotateWebhookSecret")),
    handler: async (request) => rotateWebhookSecret({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body ?? undefined } }),
  });

  api.route({
    ...fromContract(routeOf("listWebhookDeliveries")),
    handler: async (request) => listWebhookDeliveries({ ctx: ctxOf(request), input: { id: request.params.id, cursor: request.query.cursor, limit: request.query.limit } }),
  });

  api.route({
    ...fromContract(routeOf("redeliverWebhook")),
    handler: async (request) => redeliverWebhook({ ctx: ctxOf(request), input: { id: request.params.id, deliveryId: request.params.deliveryId } }),
  });

  api.route({ ...fromContract(routeOf("testWebhook")), handler: async (request) => testWebhook({ ctx: ctxOf(request), input: { id: request.params.id } }) });
}
