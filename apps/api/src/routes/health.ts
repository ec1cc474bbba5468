import { routeOf } from "@gatehouse/contracts";
import { pingDatabase, signals } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { fromContract, type ZodTypeProvider } from "../contract";

/**
 * Each dependency gets this long to answer a health check; the two are asked at once, so /healthz
 * answers within about this bound whatever PostgreSQL or Redis do (down, restarting, frozen).
 * A dependency that does not answer in time is reported down (docs/adr/0011).
 */
export const HEALTH_PING_TIMEOUT_MS = 150;

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  // The check's own connection is made now, not by the first probe (which would then spend its
  // 150 ms on connecting; pingDatabase never throws).
  void pingDatabase(5_000);
  const health = fromContract(routeOf("health"));
  app.withTypeProvider<ZodTypeProvider>().route({
    ...health,
    // The 503 answers the same shape as the 200.
    schema: { response: { 200: health.schema.response[200], 503: health.schema.response[200] } },
    handler: async (_request, reply) => {
      const bus = signals();
      const [database, redis] = await Promise.all([pingDatabase(HEALTH_PING_TIMEOUT_MS), bus.ping(HEALTH_PING_TIMEOUT_MS)]);
      // Redis carries hints between instances and the rate counter; without it the service is degraded, not down.
      const redisState = bus.transport === "local" ? "disabled" : redis ? "up" : "down";
      return reply.status(database ? 200 : 503).send({ ok: database, database: database ? "up" : "down", redis: redisState });
    },
  });
}
