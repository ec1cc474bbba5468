import { anomalySettings, anomalySettingsSchema } from "../../anomaly/detect-anomalies";
import { groupSetting, switchedOff } from "./setting";

/** `anomaly`: whether an agent is halted when an anomaly is detected in its traffic. */
export const anomalySetting = groupSetting(anomalySettingsSchema, {
  read: anomalySettings,
  describe: "Anomaly detection (docs/posture.md, Anomalies): whether an agent is also halted when an anomaly is detected in its traffic (false unless changed).",
  describeChange: "`haltAgent`: halt an agent when an anomaly is detected in its traffic.",
  rules: {
    haltAgent: switchedOff("turned off: an agent keeps acting when an anomaly is detected in its traffic"),
  },
});
