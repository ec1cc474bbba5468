import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

type Json = Record<string, unknown>;

/** JSON Pointer escaping of one path segment. */
const pointer = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Checks real answers against an OpenAPI document with an independent JSON Schema 2020-12 validator
 * (Ajv), so a test proves what the server sends is what the document promises.
 */
export function responseValidator(document: Json): ((args: { method: string; path: string; status: number; body: unknown }) => string[]) & {
  /** Checks a value against one named schema of the document's components. */
  component: (name: string, value: unknown) => string[];
} {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, "openapi");
  const errors = (validate: ReturnType<typeof ajv.compile>, value: unknown) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? "is invalid"}`);
  const check = ({ method, path, status, body }: { method: string; path: string; status: number; body: unknown }): string[] => {
    const operation = ((document.paths as Record<string, Record<string, Json>>)[path] ?? {})[method.toLowerCase()];
    if (!operation) return [`the document has no ${method} ${path}`];
    const responses = operation.responses as Record<string, { content?: Record<string, unknown> }>;
    if (!responses[String(status)]?.content?.["application/json"]) return [`${method} ${path} documents no JSON answer with status ${status}`];
    const ref = `openapi#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/${pointer("application/json")}/schema`;
    return errors(ajv.getSchema(ref) ?? ajv.compile({ $ref: ref }), body);
  };
  const component = (name: string, value: unknown): string[] => {
    const ref = `openapi#/components/schemas/${pointer(name)}`;
    return errors(ajv.getSchema(ref) ?? ajv.compile({ $ref: ref }), value);
  };
  return Object.assign(check, { component });
}
