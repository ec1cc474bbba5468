import { clientAddressOf, formatIssuePath, NO_TRUSTED_PROXIES, randomToken, REQUEST_BODY_LIMITS, scanJsonText, validationError, type TrustedProxies } from "@gatehouse/core";
import {
  closeApprovalWaiters,
  flushCallCoverage,
  forgetKeysOnSignal,
  recordHttpRequest,
  signals,
  startDecisionLatencyFlush,
  stopDecisionLatencyFlush,
  type ResolveTxt,
} from "@gatehouse/db";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { abuseGuards, type AbuseOptions } from "./abuse";
import { releaseOrgTurns, serializerCompiler, validatorCompiler } from "./contract";
import { errorHandler } from "./errors";
import { adminRoutes } from "./routes/admin";
import { agentRoutes } from "./routes/agent";
import { hookRoutes } from "./routes/hooks";
import { delegationRoutes } from "./routes/delegations";
import { adminApprovalRoutes, approvalRoutes } from "./routes/approvals";
import { auditRoutes } from "./routes/audit";
import { eventRoutes, type EventStreamOptions } from "./routes/events";
import { governanceHealthRoutes } from "./routes/governance-health";
import { healthRoutes } from "./routes/health";
import { memberRoutes } from "./routes/members";
import { webhookRoutes } from "./routes/webhooks";
import { mcpAdminRoutes } from "./routes/mcp";
import { mcpGatewayRoutes } from "./routes/mcp-gateway";
import { slackRoutes } from "./routes/slack";
import { grantRoutes } from "./routes/grants";
import { policyDraftRoutes } from "./routes/policy-drafts";
import { postureRoutes } from "./routes/posture";
import { coverageRoutes } from "./routes/coverage";
import { cliLoginRoutes } from "./routes/cli-logins";
import { referenceRoutes } from "./routes/reference";
import { runRoutes } from "./routes/runs";
import { scanRoutes } from "./routes/scan";
import { contentRoutes } from "./routes/content";
import { budgetRoutes } from "./routes/budgets";

/** Request bodies are capped at 64 KB; larger ones are refused before they are parsed. */
export const BODY_LIMIT = 64 * 1024;

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** Unique per process start (random prefix) and cheap per request (a counter). */
const REQUEST_ID_PREFIX = `req_${randomToken(10)}`;
let requestCounter = 0;

/** A route the server answers, as registered: its method and URL pattern (`/v1/admin/agents/:id/halt`). */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The client's address for per-address limits: the socket's peer, or what a configured proxy
     * says (clientAddressOf, docs/adr/0017). Null only for a socket already closed.
     */
    readonly clientAddress: string | null;
  }
  interface FastifyInstance {
    /** Every route registered so far, HEAD ones Fastify adds for a GET included (the security test checks its table against it). */
    readonly registeredRoutes: readonly RegisteredRoute[];
  }
}

export interface ServerOptions extends AbuseOptions {
  logLevel?: string;
  /** Which proxies may say who the client is (X-Forwarded-For); none by default (GATEHOUSE_TRUSTED_PROXIES). */
  trustedProxies?: TrustedProxies;
  /** How SSO domain proofs look up DNS TXT records (default: node:dns/promises). Tests pass their own. */
  resolveTxt?: ResolveTxt;
  /** Replay window, queue and timings of the event streams (tests set small ones). */
  eventStreams?: EventStreamOptions;
  /** Where the log lines go (default: standard output); tests read them. */
  logStream?: { write: (line: string) => void };
}

export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // A path parameter may be a runId (up to 200 characters, docs/runs.md); longer ones are a 414.
    routerOptions: { maxParamLength: 256 },
    // request.ip stays the socket's peer; request.clientAddress applies the one rule shared with the console.
    trustProxy: false,
    logger: { level: options.logLevel ?? "info", redact: ["req.headers.authorization"], ...(options.logStream ? { stream: options.logStream } : {}) },
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      if (typeof incoming === "string" && INCOMING_REQUEST_ID.test(incoming)) return incoming;
      requestCounter += 1;
      return `${REQUEST_ID_PREFIX}${requestCounter.toString(36)}`;
    },
  });
  app.decorateRequest("ctx", null);
  const trusted = options.trustedProxies ?? NO_TRUSTED_PROXIES;
  app.decorateRequest("clientAddress", {
    getter(this: FastifyRequest): string | null {
      return clientAddressOf(this.raw.socket.remoteAddress, this.headers["x-forwarded-for"], trusted);
    },
  });
  app.decorate("abuse", abuseGuards(options));
  const routes: RegisteredRoute[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push(Object.freeze({ method, url: route.url }));
  });
  app.decorate("registeredRoutes", { getter: (): readonly RegisteredRoute[] => Object.freeze([...routes]) });
  // JSON only: any other body type is refused with 415 instead of reaching a handler as a string.
  app.removeContentTypeParser("text/plain");
  // JSON bodies are counted (depth, values and keys) before JSON.parse sees them: a refusal is a 400 naming where.
  // Then Fastify's own parser, with its defaults (a __proto__ key refused, constructor keys kept).
  const parseJson = app.getDefaultJsonParser("error", "ignore");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const over = scanJsonText(body as string, REQUEST_BODY_LIMITS);
    if (over) {
      done(validationError([{ path: formatIssuePath(over.path) || "body", message: over.message }]), undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  // Counted by the route's pattern (`/v1/approvals/:id/wait`), never the path a client sent (docs/metrics.md).
  app.addHook("onResponse", async (request, reply) => {
    recordHttpRequest(request.method, request.routeOptions.url, reply.statusCode);
  });
  releaseOrgTurns(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url.split("?")[0]}`, requestId: request.id } });
  });
  // Other instances announce revocations, members' role changes or removals and closed orgs; drop our cached verifications at once.
  const unsubscribe = signals().subscribe(forgetKeysOnSignal);
  app.addHook("onClose", async () => unsubscribe());
  // How long execute takes to answer, written for the governance health every few seconds (and once more at close).
  startDecisionLatencyFlush();
  app.addHook("onClose", async () => stopDecisionLatencyFlush());
  // The coverage counts this process still holds (docs/agents.md, Coverage).
  app.addHook("onClose", async () => flushCallCoverage());
  const subscribed = await Promise.race([
    signals()
      .ready()
      .then(
        () => true,
        () => false,
      ),
    new Promise<boolean>((r) => setTimeout(r, 3_000, false)),
  ]);
  if (!subscribed) app.log.warn("Redis is not reachable yet; cross-instance signals start when it is");
  await app.register(healthRoutes);
  await app.register(agentRoutes);
  await app.register(hookRoutes);
  await app.register(scanRoutes);
  await app.register(contentRoutes);
  await app.register(adminRoutes, { resolveTxt: options.resolveTxt });
  await app.register(policyDraftRoutes);
  await app.register(delegationRoutes);
  await app.register(runRoutes);
  await app.register(budgetRoutes);
  await app.register(memberRoutes);
  await app.register(webhookRoutes);
  await app.register(mcpAdminRoutes);
  await app.register(mcpGatewayRoutes);
  await app.register(slackRoutes);
  await app.register(grantRoutes);
  await app.register(approvalRoutes);
  await app.register(adminApprovalRoutes);
  await app.register(eventRoutes, options.eventStreams ?? {});
  await app.register(auditRoutes);
  await app.register(postureRoutes);
  await app.register(coverageRoutes);
  await app.register(governanceHealthRoutes);
  await app.register(cliLoginRoutes);
  await app.register(referenceRoutes);
  // Expiry sweeps and checkpointing run in the worker (apps/worker, docs/adr/0009); a parked wait
  // records its own approval's expiry at the deadline, with or without a worker.
  // Parked long-polls answer with the approval as it is, instead of holding shutdown for 25 s.
  app.addHook("preClose", async () => closeApprovalWaiters());
  return app;
}
