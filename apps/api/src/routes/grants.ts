import { routeOf } from "@gatehouse/contracts";
import { endHandover, getHandover, grantFromApproval, listGrants, revokeGrant, setHandover } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Standing grants (given on an approval, listed, revoked) and the caller's out-of-office hand-over (docs/approvals.md). */
export async function grantRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({
    ...fromContract(routeOf("grantFromApproval")),
    handler: async (request) => grantFromApproval({ ctx: ctxOf(request), input: { approvalId: request.params.id, body: request.body } }),
  });
  api.route({ ...fromContract(routeOf("listGrants")), handler: async (request) => listGrants({ ctx: ctxOf(request), input: { status: request.query.status } }) });
  api.route({ ...fromContract(routeOf("getHandover")), handler: async (request) => getHandover({ ctx: ctxOf(request) }) });
  api.route({ ...fromContract(routeOf("setHandover")), handler: async (request) => setHandover({ ctx: ctxOf(request), input: request.body }) });
  api.route({ ...fromContract(routeOf("endHandover")), handler: async (request) => endHandover({ ctx: ctxOf(request) }) });
  api.route({ ...fromContract(routeOf("revokeGrant")), handler: async (request) => revokeGrant({ ctx: ctxOf(request), input: { grantId: request.params.id } }) });
}
