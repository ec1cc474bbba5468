import { z } from "zod";

/**
 * The org's policy rollout settings. `reportOnly`: a trial switch — every decision that a policy (or
 * the default deny) would refuse or hold for approval is executed instead, and recorded with what it
 * would have been; the agent's halt, its circuit breaker, its delegation scope and a closed org still
 * refuse. `requireSecondApproval`: publishing a policy set waits for a second admin's approval,
 * through Gatehouse's own approvals.
 */
export const policySettingsSchema = z.strictObject({
  reportOnly: z.boolean().default(false).describe("Trial: execute what policies would refuse or hold, recording what they would have done (false unless changed)."),
  requireSecondApproval: z.boolean().default(false).describe("Publishing a policy set waits for a second admin's approval (false unless changed)."),
});
export type PolicySettings = z.output<typeof policySettingsSchema>;

/** The policy settings of an org's settings object; missing or invalid settings give the defaults. */
export function policySettings(orgSettings: unknown): PolicySettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { policies?: unknown }).policies : undefined;
  const parsed = policySettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : policySettingsSchema.parse({});
}
