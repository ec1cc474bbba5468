import { retentionSettings, retentionSettingsSchema } from "../../audit/retention";
import { groupSetting, type SettingRule } from "./setting";

/**
 * A retention made shorter, or set where values were kept: the worker will erase values (or drop entries) sooner. That
 * removes evidence as an erasure does, so it is an owner's (`audit.retention`), as erasure is (`audit.erase`).
 */
const shortened = (weakening: string): SettingRule<number> => ({
  weakens: (before, after) => after > 0 && (before === 0 || after < before),
  weakening,
  requires: "audit.retention",
});

/** `retention`: how long the values of the log's erasable fields are kept (docs/audit.md, Retention). */
export const retentionSetting = groupSetting(retentionSettingsSchema, {
  read: retentionSettings,
  describe:
    "Retention (docs/audit.md): the days the values of the log's erasable fields are kept, by entry type (`decisions`, `outcomes`, `postconditions`, `evidence`) or by the class of a content finding the entry holds (`personalData`, `secrets`); 0 keeps them (every field's default). The worker's sweep then erases them as an owner's erasure does, recorded as an `audit.erased` entry; the log still verifies. `entries`: the days whole entries are kept; past it the worker may drop the month they are in (recorded as an `audit.pruned` entry; the log then starts later and the rest still verifies).",
  describeChange:
    "Any of `decisions`, `outcomes`, `postconditions`, `evidence`, `personalData`, `secrets`, `entries`: 0 (keep) or 1 to 36,500 days. Setting a retention, or shortening one, removes evidence: it needs the permission `audit.retention` (owners), waits for a second owner or admin under the two-admin rule, and otherwise every other owner is told by email. Lengthening or removing one needs `settings.write` alone.",
  rules: {
    decisions: shortened("shortened: decisions' values are erased sooner"),
    outcomes: shortened("shortened: outcomes' values are erased sooner"),
    postconditions: shortened("shortened: broken post-conditions' values are erased sooner"),
    evidence: shortened("shortened: agents' evidence is erased sooner"),
    personalData: shortened("shortened: values with personal data are erased sooner"),
    secrets: shortened("shortened: values with secrets are erased sooner"),
    entries: shortened("shortened: whole entries may be dropped sooner"),
  },
});
