import { validationError } from "@gatehouse/core";
import { applyPolicies, createAgent, listActivePolicyVersions, revokeApiKey } from "@gatehouse/db";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { authenticate, ctxOf, requireAdminKey } from "../auth";

const dryRunQuery = z.object({ dryRun: z.enum(["true", "false", "1", "0"]).optional() });
const keyParams = z.object({ id: z.string().min(1).max(64) });

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

  app.post("/v1/admin/agents", async (request, reply) => {
    const agent = await createAgent({ ctx: ctxOf(request), input: request.body });
    return reply.status(201).send(agent);
  });

  app.delete("/v1/admin/keys/:id", async (request) => {
    const params = keyParams.safeParse(request.params);
    if (!params.success) throw validationError([{ path: "id", message: "must be a key id" }]);
    return revokeApiKey({ ctx: ctxOf(request), input: { keyId: params.data.id } });
  });
}
