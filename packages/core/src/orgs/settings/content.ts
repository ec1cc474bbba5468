import { contentActionWeakens, contentSettings, contentSettingsSchema, minConfidenceWeakens, type ContentAction } from "../../content/content-rules";
import { groupSetting, type SettingRule } from "./setting";

const loosened = (weakening: string): SettingRule<ContentAction> => ({ weakens: contentActionWeakens, weakening });

/** `content`: what happens to secrets and personal data found in calls (docs/content.md). */
export const contentSetting = groupSetting(contentSettingsSchema, {
  read: contentSettings,
  describe:
    'What happens to secrets and personal data found in calls, unless a policy\'s `content` says otherwise for its actions (docs/content.md): `deny`, `redact`, `flag` or `off`. `secrets` is `redact` and `personalData` `flag` unless changed. `promptSecrets` and `promptPersonalData` say the same for what the model-client wrappers send a model provider, both `redact` unless changed (docs/guardrails.md). `minConfidence` (`high`, `medium` or `low`, `low` unless changed): a finding of a detector less sure than it is flagged, never redacted or refused (docs/content-detectors.md, "Confidence").',
  describeChange:
    "`secrets`, `personalData` (in calls) and `promptSecrets`, `promptPersonalData` (in what the model-client wrappers send a provider): `deny`, `redact`, `flag` or `off` (docs/content.md, docs/guardrails.md). `minConfidence`: `high`, `medium` or `low`. Loosening any, or raising `minConfidence`, is a weakening change under the two-admin rule.",
  rules: {
    secrets: loosened("loosened: secrets found in calls are kept (or no longer looked for) where they were redacted or refused"),
    personalData: loosened("loosened: personal data found in calls is kept (or no longer looked for) where it was redacted or refused"),
    promptSecrets: loosened("loosened: secrets in prompts are sent to model providers (or no longer looked for) where they were redacted or refused"),
    promptPersonalData: loosened("loosened: personal data in prompts is sent to model providers (or no longer looked for) where it was redacted or refused"),
    minConfidence: {
      weakens: minConfidenceWeakens,
      weakening: "raised: findings of less sure detectors are kept (flagged) where they were redacted or refused",
    },
  },
});
