import { routeOf } from "@gatehouse/contracts";
import { hookAnswer, hookFailure } from "@gatehouse/core";
import { decideHookCall } from "@gatehouse/db";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ctxOf, keyIdOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";
import { toErrorResponse } from "../errors";
import { untilClientLeaves } from "../until-client-leaves";

/**
 * The coding agents run the tool when a hook answers anything but 2xx — so a refused key (revoked, a
 * delegation ended: the moment an admin stops an agent), a malformed payload, a body over the limit,
 * too many waiting calls or the database away would each let every tool run. Every one is answered
 * 200 with a deny that names it, its code in `x-gatehouse-error`: the call does not run.
 */
function hookErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error, request.id);
  if (status >= 500) request.log.error({ err: error }, "hook answered deny after an error");
  const issue = (body.error.details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues?.[0];
  const reason = issue ? `${issue.path || "body"} ${issue.message}` : body.error.code === "PAYLOAD_TOO_LARGE" ? "the payload is over 512 KB" : body.error.message;
  void reply
    .status(200)
    .header("x-gatehouse-error", body.error.code)
    .send(hookFailure(`${reason} (request ${request.id})`));
}

/** Coding agents' PreToolUse hooks (docs/integrations/coding-agents.md). */
export async function hookRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({
    ...fromContract(routeOf("codingAgentHook")),
    errorHandler: hookErrorHandler,
    handler: async (request, reply) => {
      const { agent } = request.params;
      const { waitSeconds } = request.query;
      // Claude Code's http hook sends no integration header: the path names the agent.
      const given = ctxOf(request);
      const ctx = given.integration ? given : { ...given, integration: { name: agent, version: null } };
      // At most `abuse.waits` held per key in this process, as the approval waits (over it: a deny naming RATE_LIMITED).
      const release = app.abuse.waits.acquire(keyIdOf(request));
      let decided;
      try {
        decided = await untilClientLeaves(reply, (signal) => decideHookCall({ ctx, input: { agent, payload: request.body, waitMs: waitSeconds * 1000, signal } }));
      } finally {
        release();
      }
      void reply.header("x-gatehouse-status", decided.outcome.status).header("x-gatehouse-audit-event-id", decided.auditEventId);
      if (decided.approvalId !== undefined) void reply.header("x-gatehouse-approval-id", decided.approvalId);
      return hookAnswer(decided.outcome, { agent, toolInput: (request.body as { tool_input?: unknown }).tool_input });
    },
  });
}
