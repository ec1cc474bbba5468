import { carriesBody, formatIssuePath, inspectInput, MAX_REQUEST_DEPTH, undeclaredBody, validationError, zodIssues, type FieldIssue } from "@gatehouse/core";
import type { RawContent, RouteContract } from "@gatehouse/contracts";
import type { Permission } from "@gatehouse/core";
import { orgTurns, requirePermissionUnlessAgent } from "@gatehouse/db";
import type { FastifyInstance, FastifyRequest, FastifySchema, FastifySchemaCompiler, FastifyTypeProvider, onRequestHookHandler } from "fastify";
import type { FastifySerializerCompiler } from "fastify/types/schema";
import fastJson from "fast-json-stringify";
import { z } from "zod";
import { authenticate, ctxOf, requireAdminKey } from "./auth";

/** Request and reply types inferred from the contracts' zod schemas. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

/**
 * What the edge refuses in a request part before its schema sees it: a query parameter given more
 * than once (Fastify makes it an array), text PostgreSQL cannot store (NUL, an unpaired surrogate)
 * anywhere, in a key or a value, and nesting deeper than any schema allows (so no recursive walk
 * ever meets it). Null when the part may go on to its schema.
 */
export function edgeIssues(part: string, data: unknown): FieldIssue[] | null {
  if (part === "querystring" && data !== null && typeof data === "object") {
    const repeated = Object.entries(data).filter(([, value]) => Array.isArray(value));
    if (repeated.length > 0) return repeated.map(([name]) => ({ path: name, message: "must be given once" }));
  }
  const issue = inspectInput(data, { maxDepth: MAX_REQUEST_DEPTH });
  return issue ? [{ path: formatIssuePath(issue.path), message: issue.message }] : null;
}

/**
 * Every request part is parsed by its contract schema: a refusal is a 400 whose issues name each
 * field (`limit`, `policies[2].when`), the same envelope the services answer.
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const refused = edgeIssues(httpPart ?? "", data);
    if (refused) return { error: validationError(refused) };
    const parsed = schema.safeParse(data);
    return parsed.success ? { value: parsed.data } : { error: validationError(zodIssues(parsed.error)) };
  };

/**
 * Responses are written through their contract schema, compiled once per route to a fast-json-stringify
 * serializer from the schema's JSON Schema: only the fields the contract names leave the server, a
 * missing required field is an error (500), and writing costs less than JSON.stringify (a zod parse
 * of every answer cost the decision path a quarter of its throughput).
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) =>
  fastJson(z.toJSONSchema(schema, { io: "output", target: "draft-7", unrepresentable: "any" }) as Parameters<typeof fastJson>[0]);

type Optional<S, Flag> = S extends z.ZodType ? (Flag extends true ? z.ZodOptional<z.ZodNullable<S>> : S) : undefined;

/** The Fastify schema of a contract, typed so that handlers see parsed params, query and body. */
export type SchemaOf<C extends RouteContract> = {
  params: C["params"];
  querystring: C["query"];
  headers: C["headers"] extends z.ZodObject ? ReturnType<C["headers"]["loose"]> : undefined;
  body: Optional<C["body"], C["bodyOptional"]>;
  response: C["success"]["raw"] extends RawContent
    ? undefined
    : C["success"]["json"] extends z.ZodType
      ? C["accepted"] extends { status: 202; json: z.ZodType }
        ? Record<C["success"]["status"], C["success"]["json"]> & Record<202, C["accepted"]["json"]>
        : Record<C["success"]["status"], C["success"]["json"]>
      : undefined;
};

const AUTH_HOOKS: Record<RouteContract["auth"], onRequestHookHandler[]> = {
  public: [],
  key: [authenticate],
  agent: [authenticate],
  admin: [authenticate, requireAdminKey],
};

/** A member's key needs the route's catalogue permission before anything is parsed; agents are checked by the service. */
function permissionHook(permission: Permission): onRequestHookHandler {
  return async (request) => requirePermissionUnlessAgent(ctxOf(request), permission);
}

/**
 * A route whose contract declares no body (neither `body` nor `rawBody`) refuses a request that
 * carries one: 400 naming `body`, after the key and the permission and before the body is read, so
 * nothing a route does not define can change what it does (a key rotation sent `{ … }` rotates nothing).
 */
const refuseBody: onRequestHookHandler = async (request) => {
  const length = request.headers["content-length"];
  const encoding = request.headers["transfer-encoding"];
  if (carriesBody(length, encoding)) throw undeclaredBody();
};

/** Each request holding an org turn, with its release (once, however it ends); requests whose client went away. */
const heldTurns = new WeakMap<FastifyRequest, () => void>();
const abandoned = new WeakSet<FastifyRequest>();

/**
 * A route contract's `orgTurn`: after the key and the permission, the request waits for its org's turn
 * (one call of the org at a time in this process, infra/fair-share.ts `orgTurns`) before its body is
 * read; the turn is released when the answer is sent or the client goes away (see releaseOrgTurns).
 */
function orgTurnHook(name: NonNullable<RouteContract["orgTurn"]>): onRequestHookHandler {
  return async (request) => {
    const release = await orgTurns(name).acquire(ctxOf(request).org.id, name);
    if (abandoned.has(request)) release();
    else heldTurns.set(request, release);
  };
}

/** Releases a request's org turn when its answer is sent, or when its client goes away (also while it waits). */
export function releaseOrgTurns(app: FastifyInstance): void {
  const release = async (request: FastifyRequest) => {
    heldTurns.get(request)?.();
    heldTurns.delete(request);
  };
  app.addHook("onResponse", release);
  app.addHook("onRequestAbort", async (request) => {
    abandoned.add(request);
    await release(request);
  });
}

/** Method, URL, schema, authentication and (for a route without a body) the refusal of one, from its contract. */
export function fromContract<C extends RouteContract>(
  contract: C,
): { method: C["method"]; url: C["path"]; schema: SchemaOf<C> & FastifySchema; onRequest: onRequestHookHandler[]; bodyLimit?: number } {
  const schema: FastifySchema = {
    ...(contract.params ? { params: contract.params } : {}),
    ...(contract.query ? { querystring: contract.query } : {}),
    // Loose: the other headers (Accept, Last-Event-ID, …) stay on the request as they came.
    ...(contract.headers ? { headers: contract.headers.loose() } : {}),
    ...(contract.body ? { body: contract.bodyOptional ? contract.body.nullish() : contract.body } : {}),
    // A route that can also answer text (a signed note, a download) serializes its JSON itself.
    ...(contract.success.json && !contract.success.raw
      ? { response: { [contract.success.status]: contract.success.json, ...(contract.accepted ? { [contract.accepted.status]: contract.accepted.json } : {}) } }
      : {}),
  };
  const onRequest = [
    ...AUTH_HOOKS[contract.auth],
    ...(contract.permission ? [permissionHook(contract.permission)] : []),
    ...(contract.body || contract.rawBody ? [] : [refuseBody]),
    ...(contract.orgTurn ? [orgTurnHook(contract.orgTurn)] : []),
  ];
  return {
    method: contract.method,
    url: contract.path,
    schema: schema as SchemaOf<C> & FastifySchema,
    onRequest,
    ...(contract.bodyLimit !== undefined ? { bodyLimit: contract.bodyLimit } : {}),
  };
}
