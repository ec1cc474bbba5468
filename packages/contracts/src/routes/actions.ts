import { actionResultSchema, checkBodySchema, checkResultSchema, executeBodySchema, outcomeBodySchema, outcomeParamsSchema, outcomeSchema } from "../actions";
import type { RouteContract } from "./contract";
import { idempotencyHeaders } from "./idempotency";

/** The decision routes an agent calls before it acts (execute, canI), and the outcome it reports after. */
export const actionRoutes = [
  {
    operationId: "execute",
    method: "POST",
    path: "/v1/actions",
    summary: "Decide on an action and record it (execute)",
    description:
      "Decides by the org's policies and records the decision in the audit log before answering. `eventId` makes the call idempotent: the same eventId answers the original result.",
    tag: "Decisions",
    auth: "agent",
    headers: idempotencyHeaders,
    body: executeBodySchema,
    success: { status: 200, description: "The decision: executed, requested (an approval is pending) or denied.", json: actionResultSchema },
  },
  {
    operationId: "canI",
    method: "POST",
    path: "/v1/actions/check",
    summary: "Ask what execute would decide (canI)",
    description: "Records nothing, creates no approval and consumes no rate limit.",
    tag: "Decisions",
    auth: "agent",
    body: checkBodySchema,
    success: { status: 200, description: "The decision execute would make now.", json: checkResultSchema },
  },
  {
    operationId: "reportOutcome",
    method: "POST",
    path: "/v1/actions/:auditEventId/outcome",
    summary: "Report how an executed action went",
    description: "The first outcome wins: the same report again answers the outcome on record; a different one is a 409.",
    tag: "Decisions",
    auth: "agent",
    params: outcomeParamsSchema,
    body: outcomeBodySchema,
    success: { status: 200, description: "The outcome on record.", json: outcomeSchema },
  },
] as const satisfies readonly RouteContract[];
