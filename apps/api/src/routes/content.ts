import { routeOf } from "@gatehouse/contracts";
import {
  createContentDetector,
  deleteContentDetector,
  getContentDetector,
  listContentDetectors,
  screenContentDetectors,
  testContentDetector,
  updateContentDetector,
} from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The org's own content detectors (docs/content-detectors.md): `content.detectors` (admins) reads and changes them; an agent learns only the enabled ones' names and classes. */
export async function contentRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("screenContentDetectors")), handler: async (request) => screenContentDetectors({ ctx: ctxOf(request) }) });

  api.route({ ...fromContract(routeOf("listContentDetectors")), handler: async (request) => listContentDetectors({ ctx: ctxOf(request) }) });

  api.route({
    ...fromContract(routeOf("createContentDetector")),
    handler: async (request, reply) => reply.status(201).send(await createContentDetector({ ctx: ctxOf(request), input: request.body })),
  });

  api.route({ ...fromContract(routeOf("testContentDetector")), handler: async (request) => testContentDetector({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("getContentDetector")), handler: async (request) => getContentDetector({ ctx: ctxOf(request), input: { id: request.params.id } }) });

  api.route({
    ...fromContract(routeOf("updateContentDetector")),
    handler: async (request) => updateContentDetector({ ctx: ctxOf(request), input: { id: request.params.id, body: request.body } }),
  });

  api.route({
    ...fromContract(routeOf("deleteContentDetector")),
    handler: async (request) => deleteContentDetector({ ctx: ctxOf(request), input: { id: request.params.id } }),
  });
}
