import { routeOf } from "@gatehouse/contracts";
import { DOMAIN_ERROR_STATUS, forbidden, isDomainError } from "@gatehouse/core";
import { authenticateApiKey, integrationOf, noteIntegration, requireStandingKey, type Ctx } from "@gatehouse/db";
import type { FastifyRequest } from "fastify";
import type { AbuseGuards } from "./abuse";

declare module "fastify" {
  interface FastifyRequest {
    ctx: Ctx | null;
  }
  interface FastifyInstance {
    /** The failure throttle and the per-key slots of this server (abuse.ts). */
    readonly abuse: AbuseGuards;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : header;
}

/** Decisions answer (and record) a halted ancestor as an AGENT_HALTED denial; every other call of such a delegate is refused. */
const DECISIONS: ReadonlySet<string> = new Set([routeOf("execute").path, routeOf("canI").path, routeOf("codingAgentHook").path]);

/**
 * onRequest hook for /v1: resolves the key to a context before the body is even read, and refuses a
 * delegate whose authority ended (requireStandingKey), on every route but the decisions. The key is
 * looked up first: a key that authenticates always passes, whatever its address has failed. A
 * failed check is counted against the client address (one round trip to the counter); past the
 * limit, a failing request from that address is answered 429 instead of 401 (still counted), and so
 * is one without a key (an in-process lookup, not counted).
 */
export async function authenticate(request: FastifyRequest): Promise<void> {
  const guards = request.server.abuse;
  const now = guards.now();
  const presented = bearer(request);
  try {
    const principal = await authenticateApiKey(presented);
    const integration = principal.actor.type === "agent" ? integrationOf(request.headers) : null;
    request.ctx = { org: principal.org, actor: principal.actor, requestId: request.id, integration };
    if (!DECISIONS.has(request.routeOptions.url ?? "")) await requireStandingKey(principal);
    noteIntegration(request.ctx, false);
  } catch (error) {
    // A request without a key guesses nothing; a key that was sent and refused is a failed check.
    // (Any 401: a key that no longer works, a delegate's that says why included.)
    if (!isDomainError(error) || DOMAIN_ERROR_STATUS[error.code] !== 401) throw error;
    const address = request.clientAddress ?? request.ip;
    const refused = guards.keyFailures.refusal(address, now);
    if (presented !== undefined) await guards.keyFailures.recordFailure(address, now);
    throw refused ?? error;
  }
}

export function ctxOf(request: FastifyRequest): Ctx {
  if (!request.ctx) throw new Error("route is missing the authenticate hook");
  return request.ctx;
}

/** The id of the API key the request authenticated with (the holder of its per-key slots). */
export function keyIdOf(request: FastifyRequest): string {
  const { actor } = ctxOf(request);
  if (actor.type !== "agent" && actor.type !== "adminKey") throw new Error("route is missing the authenticate hook");
  return actor.keyId;
}

/** onRequest hook of the admin routes (after `authenticate`): only org admin keys (a member's key) may call them. */
export async function requireAdminKey(request: FastifyRequest): Promise<void> {
  if (ctxOf(request).actor.type !== "adminKey") throw forbidden("this route needs an org admin key (gh_admin_…)");
}
