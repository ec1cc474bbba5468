import { ID_PREFIXES, idPattern, inspectInput, isSafeText, jsonRecord, jsonValue, MAX_JSON_DEPTH, safeString, UNSAFE_TEXT_MESSAGE, type IdKind } from "@gatehouse/core";
import { z } from "zod";

/**
 * Gives a schema a name: it becomes `#/components/schemas/<id>` in the OpenAPI document, and every
 * schema that contains this very instance (core's schemas included) refers to it by that name.
 */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  if (!z.globalRegistry.has(schema)) z.globalRegistry.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
}

/** The one error envelope every failed call answers. */
export const errorEnvelopeSchema = named(
  "Error",
  z.object({
    error: z.object({
      code: z.string().describe("VALIDATION, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, RATE_LIMITED, UNAVAILABLE (503, with Retry-After), INTERNAL, …"),
      message: z.string(),
      details: z.unknown().optional().describe("For VALIDATION: `{ issues: [{ path, message }] }`, each path naming a field (`policies[2].when`)."),
      requestId: z.string(),
    }),
  }),
  "What every failed call answers.",
);
export type ErrorEnvelope = z.output<typeof errorEnvelopeSchema>;

// ── What the edge accepts ───────────────────────────────────────────────────────────────────────
// Every string a caller sends is safe text (no NUL, no unpaired surrogate: what PostgreSQL and the
// audit log's canonical JSON can carry exactly), every free JSON value is bounded in depth and size,
// every id has its kind's prefix, and every query parameter comes once. A refusal is a 400 naming
// the field. The API and the console also run `inspectInput` over each whole request part first, so
// a value nested too deep never reaches a recursive schema.

export { inspectInput, isSafeText, jsonRecord, jsonValue, MAX_JSON_DEPTH, safeString, UNSAFE_TEXT_MESSAGE };

const ARTICLE: Partial<Record<IdKind, string>> = { org: "an", approval: "an", action: "an", apiKey: "an", agent: "an", audit: "an", invitation: "an" };
const ID_NAMES: Partial<Record<IdKind, string>> = { apiKey: "API key", audit: "audit entry", policyVersion: "policy version", signingKey: "signing key" };

/** An id of one kind (`apr_` and 22 letters or digits): anything else is a 400 naming the field, before any lookup. */
export const idOf = (kind: IdKind) => {
  const name = ID_NAMES[kind] ?? kind;
  return z.string().regex(idPattern(kind), `must be ${ARTICLE[kind] ?? "a"} ${name} id (${ID_PREFIXES[kind]}_…)`);
};

/** Path parameters naming one object by its id; the service answers 404 when it names nothing of the caller's org. */
export const approvalIdParams = z.object({ id: idOf("approval") });
export const agentIdParams = z.object({ id: idOf("agent") });
export const apiKeyIdParams = z.object({ id: idOf("apiKey") });
export const delegationIdParams = z.object({ id: idOf("delegation") });

/** An org's slug, as the console's paths carry it. */
export const orgSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, "must be an organization slug");

/** A free-text query filter: safe text of at most `max` characters. */
export const queryText = (max: number) => safeString().max(max);

/** A query flag: `true`/`false` (or `1`/`0`). */
export const queryFlag = z.enum(["true", "false", "1", "0"]);

/** UTC offsets PostgreSQL accepts (at most 15:59 either way); ISO 8601 allows more. */
const OFFSET = /(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * A time filter: ISO 8601 with an offset, naming an instant PostgreSQL can compare with (years 1 to
 * 9999 in UTC, offsets within ±15:59). Anything else is a 400 naming the field, never a database
 * error (which, in a download, would come after the 200).
 */
export const isoTime = () =>
  z.iso.datetime({ offset: true, message: "must be an ISO 8601 time" }).refine(
    (value) => {
      const offset = OFFSET.exec(value);
      if (offset?.[2] !== undefined && Number(offset[2]) > 15) return false;
      const year = new Date(value).getUTCFullYear();
      return year >= 1 && year <= 9999;
    },
    { message: "must be an ISO 8601 time between years 1 and 9999, with an offset of at most ±15:59" },
  );
