import { decideAction, whoami } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { authenticate, ctxOf } from "../auth";

/** Calls agents make with their own key. */
export async function agentRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);

  app.post("/v1/actions", async (request) => decideAction({ ctx: ctxOf(request), input: request.body }));

  app.get("/v1/whoami", async (request) => whoami({ ctx: ctxOf(request) }));
}
