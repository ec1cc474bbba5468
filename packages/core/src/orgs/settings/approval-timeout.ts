import { z } from "zod";
import { approvalTimeoutSecondsSchema, approvalTimeoutSetting } from "../../policy/document";
import { neutral, wholeSetting } from "./setting";

/** `approvalTimeoutSeconds`: how long an approval waits when its policy sets no `timeoutSeconds`. */
export const approvalTimeoutSettingDefinition = wholeSetting({
  value: z.number().int().describe("How long an approval waits when its policy sets no timeoutSeconds (60 s to 7 days; 3600 unless changed)."),
  patch: approvalTimeoutSecondsSchema.describe("The org's default approval timeout: 60 to 604800 seconds."),
  read: approvalTimeoutSetting,
  // How long an approval waits before it expires (and its action is refused): neither way lets more through.
  rules: neutral<number>(),
});
