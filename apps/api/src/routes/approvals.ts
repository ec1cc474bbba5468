import { validationError } from "@gatehouse/core";
import { decideApproval, decideApprovals, getApproval, listApprovals, MAX_WAIT_MS, waitForApproval } from "@gatehouse/db";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { authenticate, ctxOf, requireAdminKey } from "../auth";

const idParams = z.object({ id: z.string().min(1).max(64) });
const waitQuery = z.object({ timeoutMs: z.coerce.number().int().min(0).optional() });

function approvalId(request: FastifyRequest): string {
  const params = idParams.safeParse(request.params);
  if (!params.success) throw validationError([{ path: "id", message: "must be an approval id (apr_…)" }]);
  return params.data.id;
}

/**
 * Runs `wait` with a signal that aborts when the client goes away, so a parked wait is released at
 * once. The listener is removed when the wait ends: aborting after every answered wait would cost
 * an AbortError (with its stack) per response.
 */
async function untilClientLeaves<T>(reply: FastifyReply, wait: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  reply.raw.once("close", abort);
  try {
    return await wait(controller.signal);
  } finally {
    reply.raw.off("close", abort);
  }
}

/** An agent's view of its approvals, and the long-poll its `gate()` waits on. */
export async function approvalRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);

  app.get("/v1/approvals/:id", async (request) => getApproval({ ctx: ctxOf(request), input: { approvalId: approvalId(request) } }));

  app.get("/v1/approvals/:id/wait", async (request, reply) => {
    const id = approvalId(request);
    const query = waitQuery.safeParse(request.query);
    if (!query.success) throw validationError([{ path: "timeoutMs", message: `must be a whole number of milliseconds, 0–${MAX_WAIT_MS}` }]);
    const timeoutMs = Math.min(query.data.timeoutMs ?? MAX_WAIT_MS, MAX_WAIT_MS);
    return untilClientLeaves(reply, (signal) => waitForApproval({ ctx: ctxOf(request), input: { approvalId: id, timeoutMs, signal } }));
  });
}

/** Members decide through their admin key; the member's role and separation of duties apply. */
export async function adminApprovalRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);
  app.addHook("preHandler", requireAdminKey);

  app.get("/v1/admin/approvals", async (request) => listApprovals({ ctx: ctxOf(request), input: request.query }));

  app.get("/v1/admin/approvals/:id", async (request) => getApproval({ ctx: ctxOf(request), input: { approvalId: approvalId(request) } }));

  app.post("/v1/admin/approvals/:id/decision", async (request) => decideApproval({ ctx: ctxOf(request), input: { approvalId: approvalId(request), body: request.body } }));

  app.post("/v1/admin/approvals/decision", async (request) => {
    const outcomes = await decideApprovals({ ctx: ctxOf(request), input: request.body });
    return {
      results: outcomes.map((o) =>
        "error" in o ? { approvalId: o.approvalId, error: { code: o.error.code, message: o.error.message } } : { approvalId: o.approvalId, status: o.status },
      ),
    };
  });
}
