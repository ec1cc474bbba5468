import { forbidden } from "@gatehouse/core";
import { authenticateApiKey, type Ctx } from "@gatehouse/db";
import type { FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyRequest {
    ctx: Ctx | null;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : header;
}

/** onRequest hook for /v1: resolves the key to a context before the body is even read. */
export async function authenticate(request: FastifyRequest): Promise<void> {
  const principal = await authenticateApiKey(bearer(request));
  request.ctx = { org: principal.org, actor: principal.actor, requestId: request.id };
}

export function ctxOf(request: FastifyRequest): Ctx {
  if (!request.ctx) throw new Error("route is missing the authenticate hook");
  return request.ctx;
}

/** onRequest hook of the admin routes (after `authenticate`): only org admin keys (a member's key) may call them. */
export async function requireAdminKey(request: FastifyRequest): Promise<void> {
  if (ctxOf(request).actor.type !== "adminKey") throw forbidden("this route needs an org admin key (gh_admin_…)");
}
