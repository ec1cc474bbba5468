import { witnessSettings, witnessSettingsSchema } from "../../audit/witnesses";
import { groupSetting } from "./setting";

/** `witnesses`: the C2SP tlog-policy of the witnesses that cosign the org's checkpoints (docs/audit.md, Witnesses). */
export const witnessesSetting = groupSetting(witnessSettingsSchema, {
  read: witnessSettings,
  describe:
    "Witnesses (docs/audit.md, Witnesses): `policy`, a C2SP tlog-policy naming the witnesses that cosign the org's checkpoints and the quorum a checkpoint needs; empty for none.",
  describeChange:
    "`policy`: a C2SP tlog-policy (witness <name> <vkey> <url>, group, quorum lines), or empty to stop witnessing. Changing or removing a policy weakens enforcement (other witnesses, or none, vouch for the log).",
  rules: {
    // Adding witnesses only adds checks; replacing or removing them changes who vouches for the log.
    policy: { weakens: (before, after) => before.trim() !== "" && after !== before, weakening: "changed or removed: other witnesses, or none, vouch for the log" },
  },
});
