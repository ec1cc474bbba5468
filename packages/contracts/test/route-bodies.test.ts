import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openApiDocument, routes, type RouteContract } from "../src/index";

// Every route declares its body: a JSON schema (strict, so a field it does not define is refused), a
// raw body the route reads itself (Slack's signed requests), or none (then the API and the console
// refuse any body with a 400 naming `body`). The document says which.

const ALL = routes as readonly RouteContract[];
const document = openApiDocument() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }>> };
const operationOf = (route: RouteContract) => document.paths[route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")]?.[route.method.toLowerCase()];

/** Bodies that keep what they do not know, each with its reason. */
const TOLERANT: Record<string, string> = {
  codingAgentHook: "the coding agents send fields of their own (transcript_path, permission_mode, …) and add more in new versions; they are dropped",
};

/** Whether a schema refuses a key it does not define at its top level (through optional, default, pipes and unions). */
function strictAtTop(schema: z.ZodType): boolean {
  const def = (
    schema as unknown as { _zod: { def: { type: string; catchall?: { _zod: { def: { type: string } } }; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[] } } }
  )._zod.def;
  if (def.type === "object") return def.catchall?._zod.def.type === "never";
  if (def.type === "pipe" && def.in) return strictAtTop(def.in);
  if (def.innerType) return strictAtTop(def.innerType);
  if (def.type === "union" && def.options) return def.options.every(strictAtTop);
  return false;
}

describe("route bodies", () => {
  it.each(ALL.filter((route) => route.body).map((route) => [route.operationId, route] as const))("%s: its body schema refuses fields it does not define", (operationId, route) => {
    expect(strictAtTop(route.body as z.ZodType) || operationId in TOLERANT).toBe(true);
  });

  it("no GET route takes a body, and no route declares a JSON body and a raw one", () => {
    expect(ALL.filter((route) => route.method === "GET" && (route.body || route.rawBody)).map((r) => r.operationId)).toEqual([]);
    expect(ALL.filter((route) => route.body && route.rawBody).map((r) => r.operationId)).toEqual([]);
  });

  it("the document gives each route's body its media type, and a route without one its 400", () => {
    for (const route of ALL) {
      const operation = operationOf(route);
      const media = Object.keys(operation?.requestBody?.content ?? {});
      const expected = route.body ? ["application/json"] : route.rawBody ? [...route.rawBody.mediaTypes] : [];
      expect(media, route.operationId).toEqual(expected);
      if (!route.body && !route.rawBody) expect(Object.keys(operation?.responses ?? {}), route.operationId).toContain("400");
    }
  });
});
