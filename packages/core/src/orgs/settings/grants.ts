import { grantSettings, grantSettingsSchema } from "../../approvals/standing-grants";
import { groupSetting, raised, switchedOn } from "./setting";

/** `grants`: standing grants (docs/approvals.md). */
export const grantsSetting = groupSetting(grantSettingsSchema, {
  read: grantSettings,
  describe:
    "Standing grants (docs/approvals.md): whether approvers may let an agent's matching calls through for a while instead of approving one (true unless changed), and the longest (3600 s) and most uses (100) a grant may have.",
  describeChange: "`enabled`, `maxDurationSeconds` (60 to 604800), `maxUses` (1 to 10,000). Turning grants on, or raising either bound, weakens enforcement.",
  rules: {
    enabled: switchedOn("turned on: approvers may let an agent's later calls through without a person"),
    maxDurationSeconds: raised("raised: a standing grant may let calls through for longer"),
    maxUses: raised("raised: a standing grant may let more calls through"),
  },
});
