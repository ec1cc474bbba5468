import { Readable } from "node:stream";
import { exportAuditLog, getAuditProof, getCheckpoint, listAuditEntries, listCheckpoints, listSigningKeys, rotateSigningKey, verifyAuditLog } from "@gatehouse/db";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { authenticate, ctxOf, requireAdminKey } from "../auth";

/** `?format=text` (or an Accept of text/plain) asks for the raw note / key lines, ready to save to a file. */
function wantsText(request: FastifyRequest): boolean {
  const format = (request.query as { format?: unknown } | undefined)?.format;
  return format === "text" || (format === undefined && /^text\/plain/.test(request.headers.accept ?? ""));
}

/** The audit log for any key of the org: listing, checkpoints, proofs, verification, export, public keys. */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);

  app.get("/v1/audit", async (request) => listAuditEntries({ ctx: ctxOf(request), input: request.query }));

  app.get("/v1/audit/checkpoint", async (request, reply) => {
    const checkpoint = await getCheckpoint({ ctx: ctxOf(request) });
    return wantsText(request) ? reply.type("text/plain; charset=utf-8").send(checkpoint.note) : checkpoint;
  });

  app.get("/v1/audit/checkpoints", async (request) => listCheckpoints({ ctx: ctxOf(request), input: request.query }));

  app.get("/v1/audit/keys", async (request, reply) => {
    const keys = await listSigningKeys({ ctx: ctxOf(request) });
    return wantsText(request) ? reply.type("text/plain; charset=utf-8").send(keys.map((k) => `${k.vkey}\n`).join("")) : { keys };
  });

  app.get("/v1/audit/proof", async (request) => getAuditProof({ ctx: ctxOf(request), input: request.query }));

  app.post("/v1/audit/verify", async (request) => verifyAuditLog({ ctx: ctxOf(request) }));

  app.get("/v1/audit/export", async (request, reply) => {
    const bundle = await exportAuditLog({ ctx: ctxOf(request), input: request.query });
    return reply
      .type(bundle.contentType)
      .header("content-disposition", `attachment; filename="${bundle.filename}"`)
      .header("x-gatehouse-tree-size", String(bundle.treeSize))
      .send(Readable.from(bundle.chunks));
  });
}

/** Key rotation needs a member's admin key with the owner or admin role. */
export async function adminAuditRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", authenticate);
  app.addHook("preHandler", requireAdminKey);
  app.post("/v1/admin/audit/keys/rotate", async (request) => rotateSigningKey({ ctx: ctxOf(request) }));
}
