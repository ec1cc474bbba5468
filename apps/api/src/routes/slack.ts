import { routeOf } from "@gatehouse/contracts";
import { notFound, unauthenticated, validationError } from "@gatehouse/core";
import { connectSlack, disconnectSlack, getSlackConnection, receiveSlackEvent, receiveSlackInteraction } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** The most a Slack request may be (Slack's are a few KB); refused before it is read past this. */
const SLACK_BODY_LIMIT = 64 * 1024;

/** The org's Slack app, Slack's proof of it (its events URL), and Slack's clicks on approval buttons (docs/approvals.md, Slack). */
export async function slackRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("getSlackConnection")), handler: async (request) => getSlackConnection({ ctx: ctxOf(request) }) });
  api.route({
    ...fromContract(routeOf("connectSlack")),
    handler: async (request, reply) => {
      const outcome = await connectSlack({ ctx: ctxOf(request), input: request.body });
      return outcome.status === "applied" ? reply.status(200).send(outcome.connection) : reply.status(202).send(outcome);
    },
  });
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

  // The Events API: JSON only, read as the exact bytes Slack signed (no parser sees it before the signature is checked).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: SLACK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().route({
      ...fromContract(routeOf("slackEvents")),
      bodyLimit: SLACK_BODY_LIMIT,
      handler: async (request, reply) => {
        const rawBody = typeof request.body === "string" ? request.body : "";
        const received = await receiveSlackEvent({ orgId: request.params.orgId, rawBody, headers: request.headers });
        // Refusals in the API's one error envelope; nothing of the request is echoed.
        if (received.status === 404) throw notFound("Slack app");
        if (received.status === 401) throw unauthenticated("the request is not signed by the org's Slack app within 5 minutes");
        if (received.status === 400) throw validationError([{ path: "body", message: "must be a Slack Events API request" }]);
        return reply.status(200).send(received.challenge === undefined ? {} : { challenge: received.challenge });
      },
    });
  });
}
