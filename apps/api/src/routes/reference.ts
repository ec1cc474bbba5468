import { openApiDocument, routeOf } from "@gatehouse/contracts";
import apiReference from "@scalar/fastify-api-reference";
import type { FastifyInstance } from "fastify";
import { fromContract, type ZodTypeProvider } from "../contract";

let document: Record<string, unknown> | undefined;

/** The OpenAPI document (generated from the contracts once per process) and its rendered reference at /docs. */
export async function referenceRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().route({
    ...fromContract(routeOf("openApi")),
    handler: async (_request, reply) => reply.type("application/json; charset=utf-8").send(JSON.stringify((document ??= openApiDocument()))),
  });
  await app.register(apiReference, {
    routePrefix: "/docs",
    // A source by URL: the page loads /openapi.json itself, so the plugin adds no routes of its own for the document.
    configuration: { sources: [{ url: "/openapi.json", title: "Gatehouse API" }], hideClientButton: true },
  });
}
