import { z } from "zod";
import { jsonRecord } from "../input";

/** 7 days: the longest an approval waits, and the longest a grant may last. */
const MAX_SECONDS = 7 * 24 * 3600;

/**
 * Standing grants (docs/approvals.md, Standing grants): instead of approving one request, an approver
 * grants "the same action, for this agent, with arguments matching …, for the next N minutes or N uses".
 * Later calls inside the grant are executed without a person, each naming the grant in its answer and
 * its entry. The org's settings bound them; a policy marks actions that need a person every time
 * (`approval.humanEachTime`), which no grant covers.
 */

export const grantSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true).describe("Whether approvers may grant standing permissions at all (true unless changed)."),
  maxDurationSeconds: z.number().int().min(60).max(MAX_SECONDS).default(3_600).describe("The longest a grant may last (3600 s unless changed; at most 7 days)."),
  maxUses: z.number().int().min(1).max(10_000).default(100).describe("The most calls one grant may let through (100 unless changed)."),
});
export type GrantSettings = z.output<typeof grantSettingsSchema>;

/** The grant settings of an org's settings object; missing or invalid settings give the defaults. */
export function grantSettings(orgSettings: unknown): GrantSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { grants?: unknown }).grants : undefined;
  const parsed = grantSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : grantSettingsSchema.parse({});
}

/** The most calls a grant that names no arguments (`anyArguments`) may let through. */
export const ANY_ARGUMENTS_MAX_USES = 10;

/** What an approver asks for when they grant instead of approving once. */
export const grantRequestSchema = z.strictObject({
  durationSeconds: z.number().int().min(60).max(MAX_SECONDS).describe("How long the grant lasts, from now (at most the org's `grants.maxDurationSeconds`)."),
  uses: z.number().int().min(1).max(10_000).optional().describe("How many calls it lets through (at most the org's `grants.maxUses`, which is also the default)."),
  match: jsonRecord()
    .optional()
    .describe(
      "The arguments a later call must carry: each field of `match` must be in the call's metadata with exactly this value (JSON containment). Without it, the request's own metadata is the match.",
    ),
  anyArguments: z
    .boolean()
    .optional()
    .describe(
      `Cover the action whatever its arguments: an explicit choice, shown as such, for at most ${ANY_ARGUMENTS_MAX_USES} uses. Without it, \`match\` (or the request's own metadata) must name at least one argument.`,
    ),
  reason: z.string().trim().max(1000).optional(),
});
export type GrantRequest = z.output<typeof grantRequestSchema>;

/**
 * The arguments a grant will require and how many uses it gets, from the request and the metadata of
 * the approval it is given on; or why not. A grant must name arguments: an empty `match` (or a request
 * with no metadata to match) covers anything, which is allowed only as the explicit, capped `anyArguments`.
 */
export function grantScope(
  request: GrantRequest,
  requestMetadata: Record<string, unknown>,
  settings: GrantSettings,
): { match: Record<string, unknown>; anyArguments: boolean; maxUses: number } | { path: string; message: string } {
  if (request.anyArguments) {
    if (request.match && Object.keys(request.match).length > 0) return { path: "match", message: "names arguments: leave it out with anyArguments, or drop anyArguments" };
    const cap = Math.min(settings.maxUses, ANY_ARGUMENTS_MAX_USES);
    if (request.uses !== undefined && request.uses > cap) return { path: "uses", message: `must be at most ${cap} for a grant that covers any arguments` };
    return { match: {}, anyArguments: true, maxUses: request.uses ?? cap };
  }
  const match = request.match ?? requestMetadata;
  if (Object.keys(match).length === 0) {
    return {
      path: "match",
      message: `must name at least one argument the later calls must carry; to cover any arguments say so with anyArguments: true (at most ${ANY_ARGUMENTS_MAX_USES} uses)`,
    };
  }
  return { match, anyArguments: false, maxUses: request.uses ?? settings.maxUses };
}

/** What an answer and its entry say of the grant that let a call through. */
export const grantRefSchema = z.strictObject({
  id: z.string(),
  expiresAt: z.string(),
  usesLeft: z.number().int().describe("Calls it still lets through after this one."),
});
export type GrantRef = z.output<typeof grantRefSchema>;

/** Why a grant may not be given as asked (null: it may), against the org's settings (who may give it is core's authority: grantRefusalFor). */
export function grantRefusal(request: GrantRequest, settings: GrantSettings): { path: string; message: string } | null {
  if (!settings.enabled) return { path: "", message: "this organization does not allow standing grants (settings grants.enabled)" };
  if (request.durationSeconds > settings.maxDurationSeconds)
    return { path: "durationSeconds", message: `must be at most ${settings.maxDurationSeconds} (the org's grants.maxDurationSeconds)` };
  if (request.uses !== undefined && request.uses > settings.maxUses) return { path: "uses", message: `must be at most ${settings.maxUses} (the org's grants.maxUses)` };
  return null;
}
