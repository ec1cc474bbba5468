import { postConditionSettings, postConditionSettingsSchema } from "../../policy/post-conditions";
import { groupSetting, switchedOff } from "./setting";

/** `postConditions`: whether an agent whose reported outcome breaks a policy's post-condition is halted. */
export const postConditionsSetting = groupSetting(postConditionSettingsSchema, {
  read: postConditionSettings,
  describe: "Post-conditions (docs/policies.md): whether an agent whose outcome breaks a policy's post-condition is also halted (false unless changed).",
  describeChange: "`haltAgent`: halt an agent whose outcome breaks a post-condition. Turning it off weakens enforcement.",
  rules: {
    haltAgent: switchedOff("turned off: an agent whose outcome breaks a post-condition keeps running"),
  },
});
