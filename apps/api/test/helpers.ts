import { afterAll, beforeAll } from "vitest";
import { closeRateLimiter, closeSignals, db, disconnectDb } from "@gatehouse/db";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { buildServer, type ServerOptions } from "../src/server";

/**
 * Failed key checks a test app allows per address: the suites send hundreds of bad keys from
 * 127.0.0.1 on purpose. auth-abuse.test.ts tests the limit with its own, low one.
 */
export const TEST_KEY_FAILURE_LIMITS = { limit: 1_000_000, windowSeconds: 60 };

/** An API app as `npm run api` builds it; background jobs are the worker's, and tests drive them directly. */
export async function startApp(options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = await buildServer({ logLevel: "silent", ...options, limits: { keyFailures: TEST_KEY_FAILURE_LIMITS, ...options.limits } });
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
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE",
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

/**
 * A GET whose answer may never end (server-sent events): the status, the headers and what arrived
 * within `forMs` (or the whole body, if it ended sooner); then the request is dropped.
 */
export async function peek(
  app: FastifyInstance,
  url: string,
  options: { key?: string; forMs?: number } = {},
): Promise<{ statusCode: number; headers: LightMyRequestResponse["headers"]; text: string }> {
  const controller = new AbortController();
  const headers: Record<string, string> = options.key === undefined ? {} : { authorization: `Bearer ${options.key}` };
  const response = await app.inject({ method: "GET", url, headers, payloadAsStream: true, signal: controller.signal });
  const body = response.stream();
  const chunks: Buffer[] = [];
  body.on("data", (chunk: Buffer) => chunks.push(chunk));
  body.on("error", () => {});
  const ended = new Promise<void>((resolve) => body.once("end", () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.forMs ?? 150)))]);
  clearTimeout(timer);
  controller.abort();
  return { statusCode: response.statusCode, headers: response.headers, text: Buffer.concat(chunks).toString("utf8") };
}

/** Every table of the test database (every org) holding `needle` anywhere in a row's text: where a value that must not be written was. */
export async function tablesHolding(needle: string): Promise<string[]> {
  const tables = await db().pool.query<{ name: string }>(
    `SELECT quote_ident(relname) AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition`,
  );
  const found: string[] = [];
  for (const { name } of tables.rows) {
    const hit = await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${name} t WHERE strpos(t::text, $1) > 0`, [needle]);
    if (Number(hit.rows[0]?.n) > 0) found.push(name);
  }
  return found;
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

/**
 * An API app listening on a loopback port for one test file (started before its tests, stopped after
 * them), for clients that call it over real HTTP: the SDK, the adapters, the CLI. `url` is set once started.
 */
export function listeningApp(options: ServerOptions = {}): { readonly url: string } {
  const state = { url: "" };
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    app = await startApp(options);
    state.url = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await stopApp(app);
  });
  return state;
}

/** The three tools of the adapters' acceptance (issue 28): one allowed, one denied, one a person must approve. */
export const THREE_TOOL_POLICIES = [
  { name: "reads", actions: ["tool.read_file"], effect: "allow" },
  { name: "no-deletes", actions: ["tool.delete_repo"], effect: "deny" },
  { name: "deploys", actions: ["tool.deploy"], effect: "require_approval" },
];

/**
 * The adapters' rewrite acceptance (issue 46, graduated effects): `tool.charge` is allowed with its
 * `internalNote` removed and its `amount` capped at 500, and held for a person above 1000 (on the amount sent).
 */
export const REWRITE_POLICIES = [
  {
    name: "charges",
    actions: ["tool.charge"],
    effect: "allow",
    redact: [{ path: "metadata.arguments.internalNote" }],
    transform: [{ path: "metadata.arguments.amount", max: 500 }],
  },
  { name: "big-charges", actions: ["tool.charge"], effect: "require_approval", when: { field: "metadata.arguments.amount", op: "gt", value: 1000 } },
];
