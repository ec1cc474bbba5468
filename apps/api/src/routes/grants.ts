import { routeOf } from "@gatehouse/contracts";
import { grantFromApproval, listGrants, revokeGrant } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Standing grants (docs/approvals.md): given on an approval, listed, revoked. */
export async function grantRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.route({
    ...fromContract(routeOf("grantFromApproval")),
    handler: async (request) => grantFromApproval({ ctx: ctxOf(request), input: { approvalId: request.params.id, body: request.body } }),
  });
  api.route({ ...fromContract(routeOf("listGrants")), handler: async (request) => listGrants({ ctx: ctxOf(request), input: { status: request.query.status } }) });
  api.route({ ...fromContract(routeOf("revokeGrant")), handler: async (request) => revokeGrant({ ctx: ctxOf(request), input: { grantId: request.params.id } }) });
}
