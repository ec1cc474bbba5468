import "server-only";
import { POLICY_NAME_PATTERN, notFound, safeString } from "@gatehouse/core";
import { checkPolicySourceOffLoop } from "@gatehouse/db";
import { z } from "zod";

// The console's own request shapes for its policy pages. The editor sends the draft's source (YAML or
// JSON, as the author writes it); the server parses it with core's parsePolicySource, whose issues carry
// the line of the field they name, so the editor can mark them where they are.

/** A draft's source: at most 1,000,000 characters of text PostgreSQL can store. */
export const MAX_SOURCE_CHARS = 1_000_000;

const source = safeString().max(MAX_SOURCE_CHARS, `must be at most ${MAX_SOURCE_CHARS} characters`);
const format = z.enum(["yaml", "json"]);

export const draftSourceSchema = z.strictObject({ source, format });
export const saveDraftSchema = draftSourceSchema.extend({ revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const publishDraftSchema = z.strictObject({ revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const simulateSourceSchema = draftSourceSchema.extend({ days: z.number().int().min(1).max(30).default(7) });

const days = (max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number of days")
    .transform(Number)
    .pipe(z.number().int().min(1).max(max, `must be at most ${max}`));
export const monitorQuerySchema = z.strictObject({ days: days(30).optional() });

/**
 * The set a source holds (`policies`, `tests`), or a 400 whose issues name each field and its line.
 * Parsed on the work pool in the org's turn, never on the console's event loop.
 */
export async function parsedSource(orgId: string, input: { source: string; format: "yaml" | "json" }): Promise<{ policies?: unknown; tests?: unknown }> {
  return (await checkPolicySourceOffLoop(orgId, input, ["input"])).input;
}

/** A policy name from the path; one that cannot be a policy's is the same 404 as a policy the org does not have. */
export function policyName(name: string): string {
  if (!POLICY_NAME_PATTERN.test(name)) throw notFound("policy");
  return name;
}
