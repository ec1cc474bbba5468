import { delegationSettings, delegationSettingsSchema } from "../../delegation/settings";
import { groupSetting, raised } from "./setting";

/** `delegation`: how deep delegation chains may go and how many active delegates one agent may hold. */
export const delegationSetting = groupSetting(delegationSettingsSchema, {
  read: delegationSettings,
  describe: "Delegation limits: the deepest chain (5 unless changed) and the active delegates one agent may hold (100 unless changed).",
  describeChange: "`maxDepth` 1 to 10, `maxActiveChildren` 1 to 1000.",
  rules: {
    maxDepth: raised("raised: delegation chains may be deeper"),
    maxActiveChildren: raised("raised: one agent may hold more active delegates"),
  },
});
