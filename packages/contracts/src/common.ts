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

/** An id in a path: any short token; the service answers 404 when it names nothing of the caller's org. */
export const pathId = z.string().min(1).max(64);

export const idParams = z.object({ id: pathId });

/** A query flag: `true`/`false` (or `1`/`0`). */
export const queryFlag = z.enum(["true", "false", "1", "0"]);
