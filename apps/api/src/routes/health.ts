import { pingDatabase } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get("/healthz", async (_request, reply) => {
    const database = await pingDatabase();
    return reply.status(database ? 200 : 503).send({ ok: database, database: database ? "up" : "down" });
  });
}
