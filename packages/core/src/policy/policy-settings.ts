import { z } from "zod";

/** What a decision that cannot be evaluated may become: there is no `allow`. */
export const FAILURE_POLICIES = ["deny", "require_approval"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/**
 * The org's policy rollout settings. `reportOnly`: a trial switch — every decision that a policy (or
 * the default deny) would refuse or hold for approval is executed instead, and recorded with what it
 * would have been; the agent's halt, its circuit breaker, its delegation scope and a closed org still
 * refuse. `requireSecondApproval`: publishing a policy set waits for a second admin's approval,
 * through Gatehouse's own approvals. `failurePolicy`: what a decision that cannot be evaluated (an
 * internal error while its policies, gates, content screen, budgets or grants are worked out) becomes —
 * `deny` (the default) or `require_approval` (a person decides); never `allow` (docs/policies.md, When a
 * decision cannot be evaluated).
 */
export const policySettingsSchema = z.strictObject({
  reportOnly: z.boolean().default(false).describe("Trial: execute what policies would refuse or hold, recording what they would have done (false unless changed)."),
  requireSecondApproval: z.boolean().default(false).describe("Publishing a policy set waits for a second admin's approval (false unless changed)."),
  failurePolicy: z
    .enum(FAILURE_POLICIES)
    .default("deny")
    .describe(
      "What a decision that cannot be evaluated (an internal error) becomes: `deny` (the default) or `require_approval` (held for a person). Never `allow`: enforcement fails closed.",
    ),
});
export type PolicySettings = z.output<typeof policySettingsSchema>;

/** The policy settings of an org's settings object; missing or invalid settings give the defaults. */
export function policySettings(orgSettings: unknown): PolicySettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { policies?: unknown }).policies : undefined;
  const parsed = policySettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : policySettingsSchema.parse({});
}
