import { Readable } from "node:stream";
import { checkpointSchema, routeOf, signingKeyListSchema } from "@gatehouse/contracts";
import {
  createArticle12Report,
  exportAuditLog,
  getAuditProof,
  getCheckpoint,
  getTlogProof,
  getWitnessStatus,
  listAuditEntries,
  listCheckpoints,
  listSigningKeys,
  recordAuditReview,
  rotateSigningKey,
  eraseAuditFields,
  verifyAuditLog,
} from "@gatehouse/db";
import { REPORT_PAGE_CSP, reportFilename } from "@gatehouse/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ctxOf } from "../auth";
import { fromContract, type ZodTypeProvider } from "../contract";

/** `?format=text` (or an Accept of text/plain) asks for the raw note / key lines, ready to save to a file. */
function wantsText(request: FastifyRequest): boolean {
  const { format } = request.query as { format?: string };
  return format === "text" || (format === undefined && /^text\/plain/.test(request.headers.accept ?? ""));
}

/** The audit log for any key of the org: listing, checkpoints, proofs, verification, export, public keys. */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.route({ ...fromContract(routeOf("listAuditEntries")), handler: async (request) => listAuditEntries({ ctx: ctxOf(request), input: request.query }) });

  api.route({
    ...fromContract(routeOf("getCheckpoint")),
    handler: async (request, reply) => {
      const checkpoint = await getCheckpoint({ ctx: ctxOf(request) });
      return wantsText(request) ? reply.type("text/plain; charset=utf-8").send(checkpoint.note) : checkpointSchema.parse(checkpoint);
    },
  });

  api.route({ ...fromContract(routeOf("listCheckpoints")), handler: async (request) => listCheckpoints({ ctx: ctxOf(request), input: request.query }) });

  api.route({
    ...fromContract(routeOf("listSigningKeys")),
    handler: async (request, reply) => {
      const keys = await listSigningKeys({ ctx: ctxOf(request) });
      return wantsText(request) ? reply.type("text/plain; charset=utf-8").send(keys.map((k) => `${k.vkey}\n`).join("")) : signingKeyListSchema.parse({ keys });
    },
  });

  api.route({
    ...fromContract(routeOf("getAuditProof")),
    handler: async (request, reply) => {
      if ((request.query as { format?: string }).format !== "tlog-proof") return getAuditProof({ ctx: ctxOf(request), input: request.query });
      const { text, filename } = await getTlogProof({ ctx: ctxOf(request), input: request.query });
      return reply.type("text/plain; charset=utf-8").header("content-disposition", `attachment; filename="${filename}"`).send(text);
    },
  });

  api.route({ ...fromContract(routeOf("getWitnessStatus")), handler: async (request) => getWitnessStatus({ ctx: ctxOf(request) }) });

  // Verifying and exporting are recorded (who, when, valid?) for the posture score; recording fails open.
  api.route({
    ...fromContract(routeOf("verifyAuditLog")),
    handler: async (request) => {
      const ctx = ctxOf(request);
      const result = await verifyAuditLog({ ctx });
      await recordAuditReview({ ctx, input: { kind: "verify", valid: result.valid } });
      return result;
    },
  });

  api.route({
    ...fromContract(routeOf("exportAuditLog")),
    handler: async (request, reply) => {
      const ctx = ctxOf(request);
      const bundle = await exportAuditLog({ ctx, input: request.query });
      await recordAuditReview({ ctx, input: { kind: "export" } });
      return reply
        .type(bundle.contentType)
        .header("content-disposition", `attachment; filename="${bundle.filename}"`)
        .header("x-gatehouse-tree-size", String(bundle.treeSize))
        .send(Readable.from(bundle.chunks));
    },
  });

  // The printable form is a document of its own: no script runs in it and nothing is loaded from elsewhere.
  api.route({
    ...fromContract(routeOf("createArticle12Report")),
    handler: async (request, reply) => {
      const output = await createArticle12Report({ ctx: ctxOf(request), input: request.body });
      if (output.format === "json") return output.report;
      return reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", REPORT_PAGE_CSP)
        .header("content-disposition", `inline; filename="${reportFilename(output.report, "html")}"`)
        .send(output.html);
    },
  });

  api.route({
    ...fromContract(routeOf("rotateSigningKey")),
    handler: async (request) => rotateSigningKey({ ctx: ctxOf(request), input: { idempotencyKey: request.headers["idempotency-key"] } }),
  });

  api.route({
    ...fromContract(routeOf("eraseAuditFields")),
    handler: async (request, reply) => {
      const outcome = await eraseAuditFields({ ctx: ctxOf(request), input: request.body });
      return outcome.status === "pending_approval" ? reply.status(202).send(outcome) : reply.status(200).send(outcome);
    },
  });
}
