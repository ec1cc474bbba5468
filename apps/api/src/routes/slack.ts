import { routeOf } from "@gatehouse/contracts";
import { connectSlack, disconnectSlack, getSlackConnection, receiveSlackInteraction } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The most a Slack interaction payload may be (Slack's are a few KB); refused before it is read past this. */
const SLACK_BODY_LIMIT = 64 * 1024;

/** The org's Slack app, and Slack's clicks on approval buttons (docs/approvals.md, Slack). */
export async function slackRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("getSlackConnection")), handler: async (request) => getSlackConnection({ ctx: ctxOf(request) }) });
  api.route({ ...fromContract(routeOf("connectSlack")), handler: async (request) => connectSlack({ ctx: ctxOf(request), input: request.body }) });
  api.route({ ...fromContract(routeOf("disconnectSlack")), handler: async (request) => disconnectSlack({ ctx: ctxOf(request) }) });

  // Slack signs the exact bytes it sends: this route alone reads a form body, as one string, for the signature check.
  await app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: SLACK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().route({
      ...fromContract(routeOf("slackInteractions")),
      bodyLimit: SLACK_BODY_LIMIT,
      handler: async (request, reply) => {
        const rawBody = typeof request.body === "string" ? request.body : "";
        const received = await receiveSlackInteraction({ orgId: request.params.orgId, rawBody, headers: request.headers });
        // Answered now; the click's effect follows (Slack gives an interaction 3 seconds).
        received.done.catch((error: unknown) => request.log.error({ err: error }, "a Slack click failed after it was answered"));
        return reply.status(received.status).type("text/plain").send("");
      },
    });
  });
}
