import { validationError } from "@gatehouse/core";
import {
  applyPolicies,
  createAgent,
  getOrgSettings,
  issueAgentKey,
  listActivePolicyVersions,
  listAgentKeys,
  listAgents,
  revokeApiKey,
  setAgentStatus,
  updateOrgSettings,
} from "@gatehouse/db";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { authenticate, ctxOf, requireAdminKey } from "../auth";

const dryRunQuery = z.object({ dryRun: z.enum(["true", "false", "1", "0"]).optional() });
const idParams = z.object({ id: z.string().min(1).max(64) });

function idParam(request: FastifyRequest): string {
  const params = idParams.safeParse(request.params);
  if (!params.success) throw validationError([{ path: "id", message: "must be an id" }]);
  return params.data.id;
}

/** Org administration with a member's admin key; the member's role decides what is allowed. */
export async function adminRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);
  app.addHook("preHandler", requireAdminKey);

  app.get("/v1/admin/policies", async (request) => {
    const versions = await listActivePolicyVersions(ctxOf(request).org.id);
    return { policies: versions.map((v) => ({ ...(v.document as object), version: v.version, contentHash: v.contentHash, versionId: v.id })) };
  });

  app.put("/v1/admin/policies", async (request) => {
    const query = dryRunQuery.safeParse(request.query);
    if (!query.success) throw validationError([{ path: "dryRun", message: "must be true or false" }]);
    const dryRun = query.data.dryRun === "true" || query.data.dryRun === "1";
    return applyPolicies({ ctx: ctxOf(request), input: request.body, dryRun });
  });

  app.get("/v1/admin/agents", async (request) => ({ agents: await listAgents({ ctx: ctxOf(request) }) }));

  app.post("/v1/admin/agents", async (request, reply) => {
    const agent = await createAgent({ ctx: ctxOf(request), input: request.body });
    return reply.status(201).send(agent);
  });

  app.post("/v1/admin/agents/:id/halt", async (request) =>
    setAgentStatus({ ctx: ctxOf(request), input: { agentId: idParam(request), status: "halted", body: request.body } }),
  );

  app.post("/v1/admin/agents/:id/resume", async (request) =>
    setAgentStatus({ ctx: ctxOf(request), input: { agentId: idParam(request), status: "active", body: request.body } }),
  );

  app.get("/v1/admin/agents/:id/keys", async (request) => ({ keys: await listAgentKeys({ ctx: ctxOf(request), input: { agentId: idParam(request) } }) }));

  app.post("/v1/admin/agents/:id/keys", async (request, reply) => {
    const key = await issueAgentKey({ ctx: ctxOf(request), input: { agentId: idParam(request), body: request.body } });
    return reply.status(201).send(key);
  });

  app.delete("/v1/admin/keys/:id", async (request) => revokeApiKey({ ctx: ctxOf(request), input: { keyId: idParam(request) } }));

  app.get("/v1/admin/settings", async (request) => getOrgSettings({ ctx: ctxOf(request) }));

  app.patch("/v1/admin/settings", async (request) => updateOrgSettings({ ctx: ctxOf(request), input: request.body }));
}
