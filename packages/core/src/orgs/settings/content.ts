import { contentActionWeakens, contentSettings, contentSettingsSchema, type ContentAction } from "../../content/content-rules";
import { groupSetting, type SettingRule } from "./setting";

const loosened = (weakening: string): SettingRule<ContentAction> => ({ weakens: contentActionWeakens, weakening });

/** `content`: what happens to secrets and personal data found in calls (docs/content.md). */
export const contentSetting = groupSetting(contentSettingsSchema, {
  read: contentSettings,
  describe:
    "What happens to secrets and personal data found in calls, unless a policy's `content` says otherwise for its actions (docs/content.md): `deny`, `redact`, `flag` or `off`. `secrets` is `redact` and `personalData` `flag` unless changed.",
  describeChange: "`secrets`, `personalData`: `deny`, `redact`, `flag` or `off` (docs/content.md). Loosening either is a weakening change under the two-admin rule.",
  rules: {
    secrets: loosened("loosened: secrets found in calls are kept (or no longer looked for) where they were redacted or refused"),
    personalData: loosened("loosened: personal data found in calls is kept (or no longer looked for) where it was redacted or refused"),
  },
});
