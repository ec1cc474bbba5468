import { routeOf } from "@gatehouse/contracts";
import { pingDatabase, signals } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { fromContract, type ZodTypeProvider } from "../contract";

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const health = fromContract(routeOf("health"));
  app.withTypeProvider<ZodTypeProvider>().route({
    ...health,
    // The 503 answers the same shape as the 200.
    schema: { response: { 200: health.schema.response[200], 503: health.schema.response[200] } },
    handler: async (_request, reply) => {
      const [database, redis] = await Promise.all([pingDatabase(), signals().ping()]);
      // Redis carries hints between instances; without it the service is degraded, not down.
      const bus = signals().transport === "local" ? "disabled" : redis ? "up" : "down";
      return reply.status(database ? 200 : 503).send({ ok: database, database: database ? "up" : "down", redis: bus });
    },
  });
}
