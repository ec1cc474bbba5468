import { closeRateLimiter, closeSignals, db, disconnectDb } from "@gatehouse/db";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { buildServer } from "../src/server";

export async function startApp(options: { expirySweepMs?: number; checkpointEveryMs?: number } = {}): Promise<FastifyInstance> {
  const app = await buildServer({ logLevel: "silent", ...options });
  await app.ready();
  return app;
}

/** Closes the app and everything the process opened for it (database pool, Redis connections). */
export async function stopApp(app: FastifyInstance | undefined): Promise<void> {
  await app?.close();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
}

export function call(
  app: FastifyInstance,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  return app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
}

/** What a request may have written: the org's audit log size and its action rows. */
export async function writesOf(orgId: string): Promise<{ auditSize: number; actions: number }> {
  const head = await db().auditLogHead.findUniqueOrThrow({ where: { orgId } });
  const actions = await db().action.count({ where: { orgId } });
  return { auditSize: Number(head.size), actions };
}

export const ALLOW_ALL_PR = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
  { name: "no-deletes", actions: ["*.delete"], effect: "deny" },
];
