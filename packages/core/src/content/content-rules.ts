import { z } from "zod";
import { CONFIDENCE_RANK, DETECTOR_CONFIDENCES, type ContentClass, type DetectorConfidence } from "./detectors";

/**
 * What happens to a value a detector finds (docs/content.md), most restrictive first:
 * - `deny`: the call is refused (CONTENT_DENIED) with the findings, and nothing of the value is written;
 * - `redact`: the value is replaced, before anything is written, by a typed placeholder
 *   (`[secret:github_token#1a2b3c4d]`) whose suffix is a keyed hash, so equal values still correlate;
 * - `flag`: the value is kept, and the finding recorded;
 * - `off`: that class is not looked for.
 */
export const CONTENT_ACTIONS = ["deny", "redact", "flag", "off"] as const;
export type ContentAction = (typeof CONTENT_ACTIONS)[number];

const contentAction = z.enum(CONTENT_ACTIONS);
const minConfidence = z.enum(DETECTOR_CONFIDENCES as [DetectorConfidence, ...DetectorConfidence[]]);
const MIN_CONFIDENCE_TEXT =
  'The least confidence (docs/content-detectors.md, "Confidence") a finding needs for `redact` or `deny` to act on it: a finding below it is kept and recorded as `flagged`. `low` (every finding counts) unless changed; the org\'s own detectors count as `high`.';

/** The org default (settings `content`): out of the box a secret is never sealed into the log, and personal data is marked. */
export const contentSettingsSchema = z.strictObject({
  secrets: contentAction.default("redact").describe("Secrets (provider keys, private keys, tokens, passwords in connection strings): `redact` unless changed."),
  personalData: contentAction.default("flag").describe("Personal data (email addresses, phone numbers, card numbers, IBANs, national identifiers): `flag` unless changed."),
  promptSecrets: contentAction
    .default("redact")
    .describe("Secrets in what leaves for a model provider through the model-client wrappers (prompts, tool results; docs/guardrails.md): `redact` unless changed."),
  promptPersonalData: contentAction
    .default("redact")
    .describe(
      "Personal data in what leaves for a model provider through the model-client wrappers: `redact` unless changed; the wrapper restores it in the answer, in the caller's process (docs/guardrails.md).",
    ),
  minConfidence: minConfidence.default("low").describe(MIN_CONFIDENCE_TEXT),
});
export type ContentSettings = z.output<typeof contentSettingsSchema>;
/** The org default for what agents send Gatehouse (a call's metadata, data accessed, outcomes): what replay and a call's rules read. */
export type CallContentDefaults = Pick<ContentSettings, "secrets" | "personalData"> & { minConfidence?: DetectorConfidence };

/** A policy's `content`: per class, for the actions and agents the policy matches; overrides the org default there. */
export const contentRuleSchema = z.strictObject({
  secrets: contentAction.optional(),
  personalData: contentAction.optional(),
  minConfidence: minConfidence
    .optional()
    .describe(
      "As the org's `content.minConfidence`, for the actions and agents the policy matches: the lowest of the matching policies' and the org's applies (the strictest wins).",
    ),
});
export type ContentRule = z.output<typeof contentRuleSchema>;

/** The org's content settings from its settings object; missing or invalid settings give the defaults. */
export function contentSettings(orgSettings: unknown): ContentSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { content?: unknown }).content : undefined;
  const parsed = contentSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : contentSettingsSchema.parse({});
}

const RESTRICTIVENESS: Record<ContentAction, number> = { off: 0, flag: 1, redact: 2, deny: 3 };

/** The more restrictive of two actions. */
export function stricterContentAction(a: ContentAction, b: ContentAction): ContentAction {
  return RESTRICTIVENESS[a] >= RESTRICTIVENESS[b] ? a : b;
}

/** Whether `after` lets more through than `before` (the two-admin rule's test for a weakening change). */
export function contentActionWeakens(before: ContentAction, after: ContentAction): boolean {
  return RESTRICTIVENESS[after] < RESTRICTIVENESS[before];
}

/** The action per class for one call, and the least confidence a finding needs for `redact` or `deny` to act on it (absent: `low`, every finding). */
export type ContentActions = Record<ContentClass, ContentAction> & { minConfidence?: DetectorConfidence };

/** Whether `after` (a minimum confidence) lets more findings through unredacted than `before`: raising it weakens. */
export function minConfidenceWeakens(before: DetectorConfidence, after: DetectorConfidence): boolean {
  return CONFIDENCE_RANK[after] > CONFIDENCE_RANK[before];
}

/**
 * The action per class for one call: the most restrictive `content` of the enforce-mode policies whose
 * action and agent patterns match it, and for a class none of them names, the org default. So a policy
 * can loosen the default for its own actions (`flag` personal data on `ticket.*`), and two policies that
 * disagree resolve to the stricter. The minimum confidence is the lowest of the org's and every matching
 * policy's (the strictest wins: a policy cannot raise it past the org's).
 */
export function resolveContentActions(orgDefault: CallContentDefaults, rules: readonly ContentRule[]): ContentActions {
  const resolved: Partial<Record<ContentClass, ContentAction>> = {};
  let least: DetectorConfidence = orgDefault.minConfidence ?? "low";
  for (const rule of rules) {
    if (rule.minConfidence !== undefined && CONFIDENCE_RANK[rule.minConfidence] < CONFIDENCE_RANK[least]) least = rule.minConfidence;
    for (const kind of ["secrets", "personalData"] as const) {
      const action = rule[kind];
      if (action) resolved[kind] = resolved[kind] ? stricterContentAction(resolved[kind], action) : action;
    }
  }
  const actions: ContentActions = { secrets: resolved.secrets ?? orgDefault.secrets, personalData: resolved.personalData ?? orgDefault.personalData };
  if (least !== "low") actions.minConfidence = least;
  return actions;
}

/**
 * The action per class for what a model call sends its provider (docs/guardrails.md): the org's prompt
 * defaults (`promptSecrets`, `promptPersonalData`: both `redact` out of the box, since the wrapper restores
 * personal data in the answer) where no matching policy's `content` names the class, as for metadata.
 */
export function resolvePromptContentActions(orgDefault: ContentSettings, rules: readonly ContentRule[]): ContentActions {
  return resolveContentActions({ ...orgDefault, secrets: orgDefault.promptSecrets, personalData: orgDefault.promptPersonalData }, rules);
}
