import { conditionSchema } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";
import { routes as routeTable, type RouteContract } from "./routes";

const routes: readonly RouteContract[] = routeTable;

type Json = Record<string, unknown>;

/** The version of the API this document describes. */
export const API_VERSION = "0.1.0";

// The policy condition language is recursive: naming it gives its cycle a component to point at.
named("Condition", conditionSchema, "A `when` condition: a comparison, `all`/`any`/`not`, or a rate.");

const REF = "#/components/schemas/";

/** Components documented for clients though no route names them: the unions they narrow a listing's entries with. */
const DOCUMENTED = ["AuditEntry"];

type Convert = (io: "input" | "output", uri: (id: string) => string) => Record<string, Json>;

/** Responses may grow (fields are added, never removed): a response schema never forbids extra properties. */
const convert: Convert = (io, uri) =>
  (
    z.toJSONSchema(z.globalRegistry, {
      io,
      uri,
      target: "draft-2020-12",
      unrepresentable: "any",
      override: (ctx) => {
        if (io === "output" && ctx.jsonSchema.additionalProperties === false) delete ctx.jsonSchema.additionalProperties;
      },
    }) as { schemas: Record<string, Json> }
  ).schemas;

/** The ids a set of schemas reaches through `$ref`s, the roots included. */
function reachable(roots: Iterable<string>, schemas: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const match of JSON.stringify(schemas[id] ?? {}).matchAll(/"#\/components\/schemas\/([A-Za-z0-9]+)"/g)) queue.push(match[1] as string);
  }
  return seen;
}

/**
 * The named schemas the routes use: as a response is written (output) and as a request is read
 * (input). A schema used both ways whose request form differs (defaults make fields optional) gets
 * its own `…Input` component.
 */
function components(): { schemas: Record<string, Json>; inputName: (id: string) => string } {
  const named = (schemas: Array<z.ZodType | undefined>) => schemas.flatMap((schema) => (schema && idOf(schema) ? [idOf(schema) as string] : []));
  const plain = (id: string) => REF + id;
  const firstInput = convert("input", plain);
  const output = convert("output", plain);
  const usedIn = reachable(named(routes.map((r) => r.body)), firstInput);
  const usedOut = reachable(["Error", ...DOCUMENTED, ...named(routes.flatMap((r: RouteContract) => [r.success.json, r.success.raw?.itemSchema, r.accepted?.json]))], output);
  const differs = new Set([...usedIn].filter((id) => usedOut.has(id) && JSON.stringify(strip(firstInput[id])) !== JSON.stringify(strip(output[id]))));
  const inputName = (id: string) => (differs.has(id) ? `${id}Input` : id);
  const input = convert("input", (id) => REF + inputName(id));
  const schemas: Record<string, Json> = {};
  for (const id of usedOut) schemas[id] = strip(output[id]);
  for (const id of usedIn) schemas[inputName(id)] = strip(input[id]);
  return { schemas, inputName };
}

function strip(schema: Json | undefined): Json {
  const { $schema: _s, $id: _i, id: _n, ...rest } = schema ?? {};
  return rest;
}

function idOf(schema: z.ZodType): string | undefined {
  return z.globalRegistry.get(schema)?.id as string | undefined;
}

/** A request or response schema: a reference when it is named, inline otherwise. */
function schemaFor(schema: z.ZodType, io: "input" | "output", inputName: (id: string) => string): Json {
  const id = idOf(schema);
  if (id) return { $ref: REF + (io === "input" ? inputName(id) : id) };
  return strip(z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as Json);
}

/** Path and query parameters, one per property of the object schema (a refined object's shape is read through). */
function parameters(where: "path" | "query" | "header", schema: z.ZodType | undefined): Json[] {
  if (!schema) return [];
  const json = strip(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Json);
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === "path" || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

const ERROR_STATUSES: Record<RouteContract["auth"], number[]> = {
  public: [],
  key: [400, 401, 403, 404, 429],
  agent: [400, 401, 403, 404, 409, 429],
  admin: [400, 401, 403, 404, 409, 429],
};

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid input: `error.details.issues` names each field.",
  401: "No key, or a key that is malformed, unknown, revoked or expired.",
  403: "The key may not do this (an agent key on an admin route, a role without the permission).",
  404: "No such object in the key's org (another org's id is always a 404).",
  409: "Conflicts with the current state.",
  413: "The body is larger than 64 KB (a policy draft: 2 MB of JSON, its source at most 1 MB; a scan: 1 MiB).",
  429: "Too many requests: retry after `Retry-After`.",
  500: "An unexpected error; quote the request id.",
  503: "The database cannot be reached.",
};

function operation(route: RouteContract, inputName: (id: string) => string): Json {
  const responses: Record<string, Json> = {};
  const content: Json = {};
  if (route.success.json) content["application/json"] = { schema: schemaFor(route.success.json, "output", inputName) };
  for (const mediaType of route.success.raw?.mediaTypes ?? []) {
    content[mediaType] = {
      schema: { type: "string", description: route.success.raw?.description },
      ...(route.success.raw?.itemSchema ? { "x-event-data": schemaFor(route.success.raw.itemSchema, "output", inputName) } : {}),
    };
  }
  responses[String(route.success.status)] = { description: route.success.description, content };
  if (route.accepted)
    responses[String(route.accepted.status)] = {
      description: route.accepted.description,
      content: { "application/json": { schema: schemaFor(route.accepted.json, "output", inputName) } },
    };
  // A route with a body may be sent too large a one (413); a route without one refuses any (400 naming `body`).
  const errors = [...ERROR_STATUSES[route.auth], ...(route.body || route.rawBody ? [413] : [400]), 500, ...(route.auth === "public" ? [503] : [])];
  for (const status of [...new Set(errors)].sort()) {
    responses[String(status)] = { description: ERROR_TEXT[status], content: { "application/json": { schema: { $ref: `${REF}Error` } } } };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.auth === "public" ? { security: [] } : {}),
    ...(route.auth === "agent" ? { "x-gatehouse-key": "agent" } : route.auth === "admin" ? { "x-gatehouse-key": "admin" } : {}),
    ...(route.permission ? { "x-gatehouse-permission": route.permission } : {}),
    parameters: [...parameters("path", route.params), ...parameters("query", route.query), ...parameters("header", route.headers)],
    ...(route.body ? { requestBody: { required: !route.bodyOptional, content: { "application/json": { schema: schemaFor(route.body, "input", inputName) } } } } : {}),
    ...(route.rawBody
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(route.rawBody.mediaTypes.map((mediaType) => [mediaType, { schema: { type: "string", description: route.rawBody?.description } }])),
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the API, generated from the contracts (served at /openapi.json, kept in docs/openapi.json). */
export function openApiDocument(options: { version?: string } = {}): Json {
  const { schemas, inputName } = components();
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: operation(route, inputName) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: options.version ?? API_VERSION,
      description:
        "The governance layer AI agents run through before they act. Agents call the decision routes with their key (`gh_agent_…`); members administer the org with their admin key (`gh_admin_…`). Errors answer `{ error: { code, message, details?, requestId } }`.",
    },
    servers: [{ url: "http://localhost:4000", description: "npm start" }],
    security: [{ bearer: [] }],
    tags: [
      "Decisions",
      "Content",
      "Runs",
      "Budgets",
      "Approvals",
      "Audit",
      "Events",
      "Policies",
      "Agents",
      "Delegations",
      "Organization",
      "Members",
      "Integrations",
      "Posture",
      "Service",
    ].map((name) => ({
      name,
    })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key: an agent's `gh_agent_…` or a member's `gh_admin_…`." } },
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
