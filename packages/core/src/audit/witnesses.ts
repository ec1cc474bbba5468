import { parseWitnessPolicy, POLICY_MAX_BYTES, type WitnessPolicy } from "@gatehouse/tlog";
import { z } from "zod";

/**
 * The org's witnesses (docs/audit.md, Witnesses): a C2SP tlog-policy naming the witnesses that
 * cosign the org's checkpoints and the quorum of them a checkpoint needs. Empty: no witnesses. The
 * log asks each witness with a URL to cosign its latest checkpoint; `gatehouse verify --policy`
 * with the same file refuses a bundle whose last checkpoint lacks the quorum.
 */
export const witnessSettingsSchema = z.strictObject({
  policy: z
    .string()
    .max(POLICY_MAX_BYTES)
    .superRefine((text, ctx) => {
      if (text.trim() === "") return;
      const problem = witnessPolicyProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default("")
    .describe(
      "A C2SP tlog-policy (https://c2sp.org/tlog-policy): witness <name> <vkey> <url> lines (each with the URL of its add-checkpoint API), optional group lines and one quorum line; log lines are allowed (the file is the one auditors pass to gatehouse verify --policy) and not used by the server. Empty: no witnesses.",
    ),
});

export type WitnessSettings = z.output<typeof witnessSettingsSchema>;

/** Why a policy cannot be the org's (a line that does not parse, a witness the log cannot reach), or null. */
export function witnessPolicyProblem(text: string): string | null {
  let policy: WitnessPolicy;
  try {
    policy = parseWitnessPolicy(text);
  } catch (error) {
    return (error as Error).message;
  }
  const unreachable = policy.witnesses.filter((w) => w.url === null).map((w) => w.name);
  if (unreachable.length > 0) return `witness ${unreachable.join(", ")} has no URL: the log sends its checkpoints to each witness's add-checkpoint URL`;
  if (policy.quorum === "none" && policy.witnesses.length > 0) return "quorum none asks for no cosignature: name the witness or group whose cosignatures a checkpoint needs";
  return null;
}

export function witnessSettings(orgSettings: unknown): WitnessSettings {
  const stored = (orgSettings as { witnesses?: unknown } | null)?.witnesses;
  const parsed = witnessSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : { policy: "" };
}

/** The org's witness policy, parsed; null when it has none. */
export function orgWitnessPolicy(orgSettings: unknown): WitnessPolicy | null {
  const { policy } = witnessSettings(orgSettings);
  return policy.trim() === "" ? null : parseWitnessPolicy(policy);
}
