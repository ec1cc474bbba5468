import { policySettings, policySettingsSchema } from "../../policy/policy-settings";
import { groupSetting, switchedOff, switchedOn } from "./setting";

/** `policies`: policy rollout (report-only trials and the two-admin rule). */
export const policiesSetting = groupSetting(policySettingsSchema, {
  read: policySettings,
  describe:
    "Policy rollout: `reportOnly` executes what policies would refuse or hold, recording what they would have done (a trial); `requireSecondApproval` makes publishing a policy set wait for a second admin's approval. Both false unless changed.",
  describeChange: "`reportOnly` (a trial: nothing policies decide is refused, all is recorded), `requireSecondApproval` (publishing waits for a second admin).",
  rules: {
    reportOnly: switchedOn("turned on: nothing the policies decide is enforced"),
    requireSecondApproval: switchedOff("turned off: one admin alone can publish policies and change these settings"),
  },
});
