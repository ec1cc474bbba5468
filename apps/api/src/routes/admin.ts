import { routeOf } from "@gatehouse/contracts";
import { policyLibrary } from "@gatehouse/core";
import {
  applyPolicies,
  changeOrgSettings,
  createAgent,
  getOrgSettings,
  getPolicyMonitor,
  getPolicyTests,
  issueAgentKey,
  issueOwnAdminKey,
  listAdminKeys,
  refreshAdminKey,
  listAgentKeys,
  listAgents,
  listPolicySummaries,
  listSsoDomains,
  revokeApiKey,
  setAgentStatus,
  simulatePolicies,
  testPolicies,
  verifySsoDomain,
  type ResolveTxt,
} from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Org administration with a member's admin key; the member's role decides what is allowed. */
export async function adminRoutes(app: FastifyInstance, options: { resolveTxt?: ResolveTxt | undefined }): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({
    ...fromContract(routeOf("getPolicySet")),
    handler: async (request) => {
      const ctx = ctxOf(request);
      const [summaries, tests] = await Promise.all([listPolicySummaries({ ctx }), getPolicyTests(ctx.org.id)]);
      return {
        policies: summaries.map((p) => ({
          ...p.document,
          version: p.version,
          contentHash: p.contentHash,
          versionId: p.versionId,
          updatedAt: p.updatedAt,
          updatedBy: p.updatedBy,
          decisions7d: p.decisions7d,
        })),
        tests,
      };
    },
  });

  api.route({ ...fromContract(routeOf("getPolicyMonitor")), handler: async (request) => getPolicyMonitor({ ctx: ctxOf(request), input: request.query }) });

  api.route({ ...fromContract(routeOf("testPolicies")), handler: async (request) => testPolicies({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("simulatePolicies")), handler: async (request) => simulatePolicies({ ctx: ctxOf(request), input: request.body }) });

  api.route({
    ...fromContract(routeOf("applyPolicySet")),
    handler: async (request) => {
      const dryRun = request.query.dryRun === "true" || request.query.dryRun === "1";
      return applyPolicies({ ctx: ctxOf(request), input: request.body, dryRun });
    },
  });

  // The same for every org (pure data from core); the auth hook has already checked the member's key.
  api.route({ ...fromContract(routeOf("getPolicyLibrary")), handler: async () => policyLibrary() });

  api.route({ ...fromContract(routeOf("listAgents")), handler: async (request) => ({ agents: await listAgents({ ctx: ctxOf(request) }) }) });

  api.route({
    ...fromContract(routeOf("createAgent")),
    handler: async (request, reply) => reply.status(201).send(await createAgent({ ctx: ctxOf(request), input: request.body, idempotencyKey: request.headers["idempotency-key"] })),
  });

  api.route({
    ...fromContract(routeOf("haltAgent")),
    handler: async (request) => setAgentStatus({ ctx: ctxOf(request), input: { agentId: request.params.id, status: "halted", body: request.body } }),
  });

  api.route({
    ...fromContract(routeOf("resumeAgent")),
    handler: async (request) => setAgentStatus({ ctx: ctxOf(request), input: { agentId: request.params.id, status: "active", body: request.body } }),
  });

  api.route({
    ...fromContract(routeOf("listAgentKeys")),
    handler: async (request) => ({ keys: await listAgentKeys({ ctx: ctxOf(request), input: { agentId: request.params.id } }) }),
  });

  api.route({
    ...fromContract(routeOf("issueAgentKey")),
    handler: async (request, reply) =>
      reply
        .status(201)
        .send(await issueAgentKey({ ctx: ctxOf(request), input: { agentId: request.params.id, body: request.body, idempotencyKey: request.headers["idempotency-key"] } })),
  });

  api.route({ ...fromContract(routeOf("listAdminKeys")), handler: async (request) => ({ keys: await listAdminKeys({ ctx: ctxOf(request) }) }) });

  api.route({
    ...fromContract(routeOf("issueAdminKey")),
    handler: async (request, reply) =>
      reply.status(201).send(await issueOwnAdminKey({ ctx: ctxOf(request), input: { body: request.body, idempotencyKey: request.headers["idempotency-key"] } })),
  });

  api.route({
    ...fromContract(routeOf("refreshAdminKey")),
    handler: async (request, reply) =>
      reply
        .status(201)
        .header("cache-control", "no-store")
        .send(await refreshAdminKey({ ctx: ctxOf(request), input: { keyId: request.params.id } })),
  });

  api.route({ ...fromContract(routeOf("revokeKey")), handler: async (request) => revokeApiKey({ ctx: ctxOf(request), input: { keyId: request.params.id } }) });

  api.route({ ...fromContract(routeOf("getSettings")), handler: async (request) => getOrgSettings({ ctx: ctxOf(request) }) });

  api.route({
    ...fromContract(routeOf("updateSettings")),
    handler: async (request, reply) => {
      const outcome = await changeOrgSettings({ ctx: ctxOf(request), input: request.body });
      return outcome.status === "applied" ? reply.status(200).send(outcome.settings) : reply.status(202).send(outcome);
    },
  });

  api.route({ ...fromContract(routeOf("listSsoDomains")), handler: async (request) => listSsoDomains({ ctx: ctxOf(request) }) });

  const resolveTxt = options.resolveTxt;
  api.route({
    ...fromContract(routeOf("verifySsoDomain")),
    handler: async (request) => verifySsoDomain({ ctx: ctxOf(request), input: request.body, deps: resolveTxt ? { resolveTxt } : {} }),
  });
}
