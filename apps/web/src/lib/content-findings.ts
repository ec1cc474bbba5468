// The content screen in the console's words (docs/content.md): what each org content rule does, and the
// findings a decision or an outcome names — where a secret or personal data was found, by which
// detector, and what was done with it (never the value). Pure: read defensively from an entry's data
// or an action result, so a finding of a shape this console does not know is left out, not misread.

import type { ContentAction, ContentFinding, ContentSettings, DetectorConfidence } from "@gatehouse/core";

/** What a finding is of: the two classes the rules govern, or the instruction heuristic. */
type FindingClass = ContentFinding["class"];
/** The classes the org's content rules govern. */
type ContentClass = Exclude<FindingClass, "instructions">;

/** What each content rule does, in the order the settings offer them (strictest first); one line each. */
export const CONTENT_ACTION_CHOICES = [
  { value: "deny", label: "Deny", line: "Refuse the call (CONTENT_DENIED): the refusal is recorded with a placeholder, never the value." },
  { value: "redact", label: "Redact", line: "Replace the value with a placeholder before anything is written; the call goes on as decided." },
  { value: "flag", label: "Flag", line: "Keep the value as sent and record the finding; the call goes on as decided." },
  { value: "off", label: "Off", line: "Do not look for this class: the value is written as sent, with no finding." },
] as const satisfies ReadonlyArray<{ value: ContentAction; label: string; line: string }>;

/** Every content rule has a line (the compiler walks through a rule added in core). */
const CHOICE_OF: Record<ContentAction, (typeof CONTENT_ACTION_CHOICES)[number]> = {
  deny: CONTENT_ACTION_CHOICES[0],
  redact: CONTENT_ACTION_CHOICES[1],
  flag: CONTENT_ACTION_CHOICES[2],
  off: CONTENT_ACTION_CHOICES[3],
};

export function contentActionChoice(action: ContentAction): (typeof CONTENT_ACTION_CHOICES)[number] {
  return CHOICE_OF[action];
}

/** The two classes the screen looks for, as the settings name them and as a finding line names one. */
export const CONTENT_CLASSES = [
  { value: "secrets", label: "Secrets", one: "secret", examples: "Provider keys, private keys, tokens, passwords in connection strings" },
  { value: "personalData", label: "Personal data", one: "personal data", examples: "Email addresses, phone numbers, card numbers, IBANs, national identifiers" },
] as const satisfies ReadonlyArray<{ value: ContentClass; label: string; one: string; examples: string }>;

/** Where the org's content rules hold: what agents send Gatehouse, and what the model-client wrappers send a model provider (docs/guardrails.md). */
export const CONTENT_RULE_ROWS = [
  { where: "calls", legend: "In what agents send Gatehouse (metadata, data accessed, outcomes)" },
  { where: "prompts", legend: "In prompts to model providers, through the model-client wrappers (redacted personal data is restored in the answer, in the agent's process)" },
] as const;

/** Each setting of `content`, with its class and the row it stands in. */
export const CONTENT_RULE_FIELDS = [
  { key: "secrets", where: "calls", label: "Secrets", kind: CONTENT_CLASSES[0] },
  { key: "personalData", where: "calls", label: "Personal data", kind: CONTENT_CLASSES[1] },
  { key: "promptSecrets", where: "prompts", label: "Secrets in prompts", kind: CONTENT_CLASSES[0] },
  { key: "promptPersonalData", where: "prompts", label: "Personal data in prompts", kind: CONTENT_CLASSES[1] },
] as const satisfies ReadonlyArray<{ key: keyof ContentSettings; where: (typeof CONTENT_RULE_ROWS)[number]["where"]; label: string; kind: (typeof CONTENT_CLASSES)[number] }>;

/** `content.minConfidence`: the least confidence a finding needs for Redact or Deny to act on it (docs/content-detectors.md, "Confidence"). */
export const MIN_CONFIDENCE_FIELD = { key: "minConfidence", label: "Minimum confidence" } as const satisfies { key: keyof ContentSettings; label: string };

/** Its choices, least first (the default, every finding counts). */
export const CONFIDENCE_CHOICES = [
  { value: "low", label: "Low", line: "Every finding counts, the generic high-entropy rule's too." },
  { value: "medium", label: "Medium", line: "A finding of the high-entropy rule is only flagged; the rest as the rules say." },
  { value: "high", label: "High", line: "Only self-identifying or check-digit formats are redacted or denied; phone numbers, SSNs and keyword-found keys are only flagged." },
] as const satisfies ReadonlyArray<{ value: DetectorConfidence; label: string; line: string }>;

const CLASS_ONE: Record<FindingClass, string> = { secrets: CONTENT_CLASSES[0].one, personalData: CONTENT_CLASSES[1].one, instructions: "instruction-like text (a heuristic)" };

const FINDING_ACTIONS: ReadonlySet<string> = new Set<ContentFinding["action"]>(["denied", "redacted", "flagged"]);

const isClass = (value: unknown): value is FindingClass => value === "secrets" || value === "personalData" || value === "instructions";

/** The findings an entry's data or an action result carries (`findings`); anything not a finding is left out. */
export function findingsOf(value: unknown): ContentFinding[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((raw: unknown) => {
    if (typeof raw !== "object" || raw === null) return [];
    const { detector, class: kind, path, action, confidence } = raw as Record<string, unknown>;
    if (typeof detector !== "string" || typeof path !== "string" || !isClass(kind) || typeof action !== "string" || !FINDING_ACTIONS.has(action)) return [];
    const sure = CONFIDENCE_CHOICES.find((choice) => choice.value === confidence)?.value;
    return [{ detector, class: kind, path, action: action as ContentFinding["action"], ...(sure ? { confidence: sure } : {}) }];
  });
}

/** What was found where: the class, the detector id as the server gave it, the path. */
export function findingParts(finding: ContentFinding): [string, string, string] {
  return [CLASS_ONE[finding.class], finding.detector, finding.path];
}

/** "secret · github_token · metadata.headers.authorization · redacted", and the detector's confidence when the finding carries it. */
export function findingLine(finding: ContentFinding): string {
  return [...findingParts(finding), finding.action, ...(finding.confidence ? [`${finding.confidence} confidence`] : [])].join(" · ");
}

/** What the list says under itself: which of its values were kept, and that the others never were. */
export function findingsNote(findings: readonly ContentFinding[]): string {
  const kept = findings.some((finding) => finding.action === "flagged");
  const removed = findings.some((finding) => finding.action !== "flagged");
  const never =
    "Values are never stored when redacted or denied: a placeholder such as [secret:github_token#1a2b3c4d] stands in their place (the same value gives the same placeholder).";
  const flagged = "A flagged value is kept as sent; an owner can erase it from the audit log.";
  if (kept && removed) return `${never} ${flagged}`;
  return kept ? flagged : never;
}

const DONE: Record<ContentAction, string> = { deny: "denied (the call is refused)", redact: "redacted", flag: "flagged", off: "not looked for" };

/** "secrets are redacted and personal data is flagged". */
export function contentRulesText(rules: Readonly<Record<ContentClass, ContentAction>>): string {
  return `secrets are ${DONE[rules.secrets]} and personal data is ${DONE[rules.personalData]}`;
}
