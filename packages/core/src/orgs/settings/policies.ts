import { policySettings, policySettingsSchema } from "../../policy/policy-settings";
import { groupSetting, switchedOff, switchedOn } from "./setting";

/** `policies`: policy rollout (report-only trials and the two-admin rule) and what a decision that cannot be evaluated becomes. */
export const policiesSetting = groupSetting(policySettingsSchema, {
  read: policySettings,
  describe:
    "Policy rollout: `reportOnly` executes what policies would refuse or hold, recording what they would have done (a trial); `requireSecondApproval` makes publishing a policy set wait for a second admin's approval (both false unless changed); `failurePolicy`: what a decision that cannot be evaluated becomes, `deny` (the default) or `require_approval`, never `allow`.",
  describeChange:
    "`reportOnly` (a trial: nothing policies decide is refused, all is recorded), `requireSecondApproval` (publishing waits for a second admin), `failurePolicy` (`deny` or `require_approval` for a decision that cannot be evaluated).",
  rules: {
    reportOnly: switchedOn("turned on: nothing the policies decide is enforced"),
    requireSecondApproval: switchedOff("turned off: one admin alone can publish policies and change these settings"),
    failurePolicy: {
      weakens: (before, after) => before === "deny" && after === "require_approval",
      weakening: "a decision that cannot be evaluated is held for a person instead of denied",
    },
  },
});
