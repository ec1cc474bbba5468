import "server-only";
import type { NextRequest } from "next/server";
import { forbidden, formatIssuePath, REQUEST_BODY_LIMITS, rolesWith, scanJsonText, validationError } from "@gatehouse/core";
import { hasPermission, type Ctx, type Permission } from "@gatehouse/db";

/**
 * The permission a route needs, checked before its body is read or parsed (so a role without it is a
 * 403 whatever it sends). The service checks it again inside its transaction.
 */
export function requireMemberPermission(ctx: Ctx, permission: Permission): void {
  const { actor } = ctx;
  if (actor.type === "system") return;
  if ((actor.type === "user" || actor.type === "adminKey") && hasPermission(actor.role, permission)) return;
  throw forbidden(`this needs the permission ${permission}, which the roles ${rolesWith(permission).join(", ")} hold`);
}

/** The largest body a console route reads: a policy draft's 1 MB source, JSON-escaped. */
export const MAX_CONSOLE_BODY_CHARS = 2 * 1024 * 1024;

/**
 * A request's JSON body. Only application/json is accepted (a cross-site form cannot send it without a
 * CORS preflight); anything else, or text that is not JSON, is a 400. The text is bounded (2 MB) and
 * counted (depth, values: the API's body limits) before JSON.parse sees it.
 */
export async function jsonBody(request: NextRequest): Promise<unknown> {
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    throw validationError([{ path: "body", message: "must be sent as application/json" }]);
  }
  const text = await request.text();
  if (text.length > MAX_CONSOLE_BODY_CHARS) throw validationError([{ path: "body", message: `must be at most ${MAX_CONSOLE_BODY_CHARS} characters` }]);
  const over = scanJsonText(text, REQUEST_BODY_LIMITS);
  if (over) throw validationError([{ path: formatIssuePath(over.path) || "body", message: over.message }]);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw validationError([{ path: "body", message: "is not valid JSON" }]);
  }
}
