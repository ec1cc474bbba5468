import { routeOf } from "@gatehouse/contracts";
import { HOOK_EVENT_PREFIX, validationError } from "@gatehouse/core";
import { checkAction, decideAction, listPolicies, logEvidence, recordHeartbeat, reportOutcome, whoami } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { recordSpend, traceDecision } from "../telemetry";
import { fromContract, type ZodTypeProvider } from "../contract";

/**
 * An `Idempotency-Key` header (checked by the contract) is the decision's eventId; the body's, when
 * both are sent, must be the same. A retry carrying it answers the original decision.
 */
function withIdempotencyKey<B extends { eventId?: string | undefined }>(body: B, header: string | undefined): B {
  const eventId = header ?? body.eventId;
  if (header !== undefined && body.eventId !== undefined && body.eventId !== header)
    throw validationError([{ path: "eventId", message: "must equal the Idempotency-Key header when both are sent" }]);
  // `hook:` keys are the coding-agent hook's own (decideHookCall re-attaches to approvals by them): a call
  // made here under one could plant an approval for other arguments where a hook would find it.
  if (eventId?.startsWith(HOOK_EVENT_PREFIX))
    throw validationError([{ path: "eventId", message: `must not start with "${HOOK_EVENT_PREFIX}": those keys are the coding-agent hooks' own` }]);
  return header === undefined ? body : { ...body, eventId: header };
}

/** Calls agents make with their own key. */
export async function agentRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({
    ...fromContract(routeOf("execute")),
    handler: async (request) => traceDecision(request, "execute", (ctx) => decideAction({ ctx, input: withIdempotencyKey(request.body, request.headers["idempotency-key"]) })),
  });

  api.route({ ...fromContract(routeOf("canI")), handler: async (request) => traceDecision(request, "check", (ctx) => checkAction({ ctx, input: request.body })) });

  api.route({ ...fromContract(routeOf("heartbeat")), handler: async (request) => recordHeartbeat({ ctx: ctxOf(request), input: request.body }) });

  api.route({
    ...fromContract(routeOf("reportOutcome")),
    handler: async (request) => {
      const outcome = await reportOutcome({ ctx: ctxOf(request), input: { auditEventId: request.params.auditEventId, body: request.body } });
      // Counted once: the answer carries what it cost only to the call that recorded it.
      if (outcome.outcomeAuditEventId) recordSpend(outcome.spend);
      return outcome;
    },
  });

  api.route({
    ...fromContract(routeOf("logEvidence")),
    handler: async (request, reply) =>
      reply.status(201).send(await logEvidence({ ctx: ctxOf(request), input: withIdempotencyKey(request.body, request.headers["idempotency-key"]) })),
  });

  api.route({
    ...fromContract(routeOf("listPolicies")),
    handler: async (request) => listPolicies({ ctx: ctxOf(request), input: { ...(request.query.scope ? { scope: request.query.scope } : {}) } }),
  });

  api.route({ ...fromContract(routeOf("whoami")), handler: async (request) => whoami({ ctx: ctxOf(request) }) });
}
