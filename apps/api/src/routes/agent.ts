import { routeOf } from "@gatehouse/contracts";
import { validationError } from "@gatehouse/core";
import { checkAction, decideAction, listPolicies, reportOutcome, whoami } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/**
 * An `Idempotency-Key` header is the decision's eventId (the body's, when both are sent, must be the
 * same): a retry carrying it answers the original decision and records nothing new.
 */
function withIdempotencyKey<B extends { eventId?: string | undefined }>(body: B, header: string | string[] | undefined): B {
  if (header === undefined) return body;
  if (typeof header !== "string" || !EVENT_ID.test(header)) throw validationError([{ path: "idempotency-key", message: "must be one header of 1-200 characters of [A-Za-z0-9._:-]" }]);
  if (body.eventId !== undefined && body.eventId !== header) throw validationError([{ path: "eventId", message: "must equal the Idempotency-Key header when both are sent" }]);
  return { ...body, eventId: header };
}

const EVENT_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** Calls agents make with their own key. */
export async function agentRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({
    ...fromContract(routeOf("execute")),
    handler: async (request) => decideAction({ ctx: ctxOf(request), input: withIdempotencyKey(request.body, request.headers["idempotency-key"]) }),
  });

  api.route({ ...fromContract(routeOf("canI")), handler: async (request) => checkAction({ ctx: ctxOf(request), input: request.body }) });

  api.route({
    ...fromContract(routeOf("reportOutcome")),
    handler: async (request) => reportOutcome({ ctx: ctxOf(request), input: { auditEventId: request.params.auditEventId, body: request.body } }),
  });

  api.route({
    ...fromContract(routeOf("listPolicies")),
    handler: async (request) => listPolicies({ ctx: ctxOf(request), input: { ...(request.query.scope ? { scope: request.query.scope } : {}) } }),
  });

  api.route({ ...fromContract(routeOf("whoami")), handler: async (request) => whoami({ ctx: ctxOf(request) }) });
}
