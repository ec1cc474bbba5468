import { validationError } from "@gatehouse/core";
import { checkAction, decideAction, listPolicies, reportOutcome, whoami } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { authenticate, ctxOf } from "../auth";

const outcomeParams = z.object({ auditEventId: z.string().regex(/^aud_[0-9a-zA-Z]{22}$/, "must be an auditEventId (aud_…)") });
const policiesQuery = z.object({ scope: z.string().optional() });

/** Calls agents make with their own key. */
export async function agentRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);

  app.post("/v1/actions", async (request) => decideAction({ ctx: ctxOf(request), input: request.body }));

  app.post("/v1/actions/check", async (request) => checkAction({ ctx: ctxOf(request), input: request.body }));

  app.post("/v1/actions/:auditEventId/outcome", async (request) => {
    const params = outcomeParams.safeParse(request.params);
    if (!params.success) throw validationError([{ path: "auditEventId", message: "must be an auditEventId (aud_…)" }]);
    return reportOutcome({ ctx: ctxOf(request), input: { auditEventId: params.data.auditEventId, body: request.body } });
  });

  app.get("/v1/policies", async (request) => {
    const query = policiesQuery.parse(request.query);
    return listPolicies({ ctx: ctxOf(request), input: { ...(query.scope ? { scope: query.scope } : {}) } });
  });

  app.get("/v1/whoami", async (request) => whoami({ ctx: ctxOf(request) }));
}
