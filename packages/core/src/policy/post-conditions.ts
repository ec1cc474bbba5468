import { z } from "zod";

/**
 * Post-conditions (docs/policies.md, Post-conditions): what must hold after the calls a policy
 * matches, tested on each reported outcome. A violation is recorded and streamed whatever the
 * setting; `postConditions.haltAgent` also halts the agent that broke it.
 */
export const postConditionSettingsSchema = z.strictObject({
  haltAgent: z.boolean().default(false).describe("Halt an agent whose outcome breaks a policy's post-condition (false unless changed)."),
});
export type PostConditionSettings = z.output<typeof postConditionSettingsSchema>;

/** The post-condition settings of an org's settings object; missing or invalid settings give the defaults. */
export function postConditionSettings(orgSettings: unknown): PostConditionSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { postConditions?: unknown }).postConditions : undefined;
  const parsed = postConditionSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : postConditionSettingsSchema.parse({});
}

/** What a violation is, in words (the entry's and the halt's reason). */
export function postConditionReason(policy: string, actionType: string): string {
  return `post-condition of policy '${policy}' broken by the outcome of ${actionType}`;
}
