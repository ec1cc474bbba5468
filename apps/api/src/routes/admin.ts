import { routeOf } from "@gatehouse/contracts";
import type { PolicyDocument } from "@gatehouse/core";
import {
  applyPolicies,
  createAgent,
  getOrgSettings,
  getPolicyTests,
  issueAgentKey,
  issueOwnAdminKey,
  listActivePolicyVersions,
  listAdminKeys,
  listAgentKeys,
  listAgents,
  revokeApiKey,
  setAgentStatus,
  simulatePolicies,
  testPolicies,
  updateOrgSettings,
} from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** Org administration with a member's admin key; the member's role decides what is allowed. */
export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({
    ...fromContract(routeOf("getPolicySet")),
    handler: async (request) => {
      const orgId = ctxOf(request).org.id;
      const [versions, tests] = await Promise.all([listActivePolicyVersions(orgId), getPolicyTests(orgId)]);
      return { policies: versions.map((v) => ({ ...(v.document as PolicyDocument), version: v.version, contentHash: v.contentHash, versionId: v.id })), tests };
    },
  });

  api.route({ ...fromContract(routeOf("testPolicies")), handler: async (request) => testPolicies({ ctx: ctxOf(request), input: request.body }) });

  api.route({ ...fromContract(routeOf("simulatePolicies")), handler: async (request) => simulatePolicies({ ctx: ctxOf(request), input: request.body }) });

  api.route({
    ...fromContract(routeOf("applyPolicySet")),
    handler: async (request) => {
      const dryRun = request.query.dryRun === "true" || request.query.dryRun === "1";
      return applyPolicies({ ctx: ctxOf(request), input: request.body, dryRun });
    },
  });

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

  api.route({ ...fromContract(routeOf("revokeKey")), handler: async (request) => revokeApiKey({ ctx: ctxOf(request), input: { keyId: request.params.id } }) });

  api.route({ ...fromContract(routeOf("getSettings")), handler: async (request) => getOrgSettings({ ctx: ctxOf(request) }) });

  api.route({ ...fromContract(routeOf("updateSettings")), handler: async (request) => updateOrgSettings({ ctx: ctxOf(request), input: request.body }) });
}
