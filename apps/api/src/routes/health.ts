import { pingDatabase, signals } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get("/healthz", async (_request, reply) => {
    const [database, redis] = await Promise.all([pingDatabase(), signals().ping()]);
    // Redis carries hints between instances; without it the service is degraded, not down.
    const bus = signals().transport === "local" ? "disabled" : redis ? "up" : "down";
    return reply.status(database ? 200 : 503).send({ ok: database, database: database ? "up" : "down", redis: bus });
  });
}
