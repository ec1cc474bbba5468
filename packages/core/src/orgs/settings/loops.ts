import { loopSettings, loopSettingsSchema } from "../../limits/loops";
import { groupSetting, lowered, raised, switchedOff } from "./setting";

/** `loops`: loop detection (docs/loops.md). */
export const loopsSetting = groupSetting(loopSettingsSchema, {
  read: loopSettings,
  describe:
    "Loop detection (docs/loops.md): the same call (action and arguments), or an alternation of two, more than `maxRepeats` times within `windowSeconds` is refused with LOOP_DETECTED; `haltAgent` halts the agent too. On, 20 within 60 s, no halt, unless changed; a policy's `loop` overrides it for the calls it matches.",
  describeChange:
    "`enabled`, `maxRepeats` (1 to 100,000), `windowSeconds` (1 to 3,600), `haltAgent`. Turning it off, raising the repeats, shortening the window or turning the halt off weakens enforcement.",
  rules: {
    enabled: switchedOff("turned off: an agent may repeat the same call without limit"),
    maxRepeats: raised("raised: an agent may repeat the same call more often before it is refused"),
    windowSeconds: lowered("lowered: repeats are counted over a shorter window, so a loop is refused later or not at all"),
    haltAgent: switchedOff("turned off: an agent caught in a loop keeps running"),
  },
});
