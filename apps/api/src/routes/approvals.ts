import { routeOf } from "@gatehouse/contracts";
import { decideApproval, decideApprovals, getApproval, listApprovals, MAX_WAIT_MS, waitForApproval, waitForApprovals } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf, keyIdOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";
import { untilClientLeaves } from "../until-client-leaves";

/** An agent's view of its approvals, and the long-poll its `gate()` waits on. */
export async function approvalRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("getApproval")), handler: async (request) => getApproval({ ctx: ctxOf(request), input: { approvalId: request.params.id } }) });

  api.route({
    ...fromContract(routeOf("waitForApproval")),
    handler: async (request, reply) => {
      const timeoutMs = Math.min(request.query.timeoutMs ?? MAX_WAIT_MS, MAX_WAIT_MS);
      // At most `abuse.waits` parked per key in this process (429 over it); the slot frees when the wait ends or the client leaves.
      const release = app.abuse.waits.acquire(keyIdOf(request));
      try {
        return await untilClientLeaves(reply, (signal) => waitForApproval({ ctx: ctxOf(request), input: { approvalId: request.params.id, timeoutMs, signal } }));
      } finally {
        release();
      }
    },
  });

  api.route({
    ...fromContract(routeOf("waitForApprovals")),
    handler: async (request, reply) => {
      const { approvalIds, timeoutMs = MAX_WAIT_MS } = request.body;
      // One slot per request, however many approvals it covers: the cap bounds connections, not gates.
      const release = app.abuse.waits.acquire(keyIdOf(request));
      try {
        return await untilClientLeaves(reply, (signal) => waitForApprovals({ ctx: ctxOf(request), input: { approvalIds, timeoutMs: Math.min(timeoutMs, MAX_WAIT_MS), signal } }));
      } finally {
        release();
      }
    },
  });
}

/** Members decide through their admin key; the member's role and separation of duties apply. */
export async function adminApprovalRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("listApprovals")), handler: async (request) => listApprovals({ ctx: ctxOf(request), input: request.query }) });

  api.route({
    ...fromContract(routeOf("getApprovalAsMember")),
    handler: async (request) => getApproval({ ctx: ctxOf(request), input: { approvalId: request.params.id } }),
  });

  api.route({
    ...fromContract(routeOf("decideApproval")),
    handler: async (request) => decideApproval({ ctx: ctxOf(request), input: { approvalId: request.params.id, body: request.body } }),
  });

  api.route({
    ...fromContract(routeOf("decideApprovals")),
    handler: async (request) => {
      const outcomes = await decideApprovals({ ctx: ctxOf(request), input: request.body });
      return {
        results: outcomes.map((o) =>
          "error" in o ? { approvalId: o.approvalId, error: { code: o.error.code, message: o.error.message } } : { approvalId: o.approvalId, status: o.status },
        ),
      };
    },
  });
}
