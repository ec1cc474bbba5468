import { describe, expect, it } from "vitest";
import { z } from "zod";
import { routes, type RouteContract } from "../src/index";

// An answer never contradicts the log (issue 62): every answer a route's zod schema accepts must be one its
// serializer writes. The API writes answers through the JSON Schema of the contract (apps/api/src/contract.ts,
// serializerCompiler: output, draft-7, unrepresentable as any), which throws on a required property that is
// missing or undefined. zod's `z.unknown()` and `z.any()` accept undefined, yet the conversion lists them as
// required: such a field, left undefined by the engine (`expected` of an `exists` condition written without a
// value), made execute answer 500 after its decision was recorded. So a property that accepts any value is
// declared optional, in every response schema.

const ALL = routes as readonly RouteContract[];
const ANNOTATIONS = new Set(["description", "title", "examples", "default", "deprecated", "readOnly", "writeOnly", "$comment"]);

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null;

/** Whether a JSON Schema accepts any value (and so, on zod's side, undefined): no keyword but annotations, or such a branch of a union. */
function acceptsAnything(schema: unknown): boolean {
  if (!isJson(schema)) return schema === true;
  if (Object.keys(schema).every((key) => ANNOTATIONS.has(key))) return true;
  return [schema.anyOf, schema.oneOf].some((branches) => Array.isArray(branches) && branches.some(acceptsAnything));
}

/** The paths of the required properties that accept any value, anywhere in a schema. */
function requiredAnything(schema: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(schema)) schema.forEach((item, i) => requiredAnything(item, `${path}/${i}`, out));
  if (!isJson(schema)) return out;
  const properties = isJson(schema.properties) ? schema.properties : {};
  for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) if (acceptsAnything(properties[name])) out.push(`${path}.${name}`);
  for (const [key, value] of Object.entries(schema)) requiredAnything(value, `${path}/${key}`, out);
  return out;
}

const answers = ALL.flatMap((route) =>
  [route.success.json, route.accepted?.json].flatMap((schema, i) => (schema ? [[`${route.operationId} ${i === 0 ? route.success.status : 202}`, schema] as const] : [])),
);

describe("response schemas", () => {
  it.each(answers)("%s: no required property accepts any value (the serializer would refuse it undefined)", (_name, schema) => {
    const json = z.toJSONSchema(schema, { io: "output", target: "draft-7", unrepresentable: "any" });
    expect(requiredAnything(json, "", [])).toEqual([]);
  });

  it("the check sees a required property of any value, alone and in a union", () => {
    const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "output", target: "draft-7", unrepresentable: "any" });
    expect(requiredAnything(json(z.object({ a: z.unknown(), b: z.string() })), "", [])).toEqual([".a"]);
    expect(requiredAnything(json(z.object({ a: z.array(z.object({ c: z.union([z.string(), z.any()]) })) })), "", [])).toEqual(["/properties/a/items.c"]);
    expect(requiredAnything(json(z.object({ a: z.unknown().optional() })), "", [])).toEqual([]);
  });
});
