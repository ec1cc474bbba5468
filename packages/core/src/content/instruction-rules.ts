/**
 * A heuristic, not a detector of fact: phrases that read as instructions aimed at the agent rather than
 * content for it ("ignore your previous instructions", "you are now …", "reveal your system prompt"),
 * looked for in what a model answered and in what a tool returned before a model reads it
 * (docs/guardrails.md). Text that discusses such phrases (a security article, this comment) matches
 * too, and an attacker who rephrases is missed: a finding is a flag for a person to look at, never a
 * refusal. English only.
 *
 * Every pattern is linear-time by the same rules as the content detectors (docs/content-detectors.md,
 * "Linear time"): no quantified group holds a quantifier, no backreference, every run is bounded.
 */

/** One phrase family; findings name it as `detector`, with class `instructions`. */
export interface InstructionRule {
  id: string;
  description: string;
  /** Lowercase literals, one of which the text must contain for the pattern to run. */
  keywords: readonly string[];
  /** Global, case-insensitive (multi-line where a rule anchors on a line's start). */
  pattern: RegExp;
}

const rx = (source: string, flags = "gi") => new RegExp(source, flags);
/** Up to `n` characters of the same sentence between two words. */
const gap = (n: number) => String.raw`[^.!?\n]{0,${n}}`;

export const INSTRUCTION_RULES: readonly InstructionRule[] = [
  {
    id: "instruction_override",
    description: "Tells the reader to ignore, forget or override its earlier instructions or rules.",
    keywords: ["ignore", "disregard", "forget", "override"],
    pattern: rx(String.raw`\b(?:ignore|disregard|forget|override)\b${gap(40)}\b(?:instructions?|directions|directives|rules|guidelines|system prompt|prompts?)\b`),
  },
  {
    id: "role_override",
    description: 'Tries to give the reader a new role or identity ("you are now …", "from now on you …", "pretend to be …").',
    keywords: ["you are now", "from now on", "pretend", "act as", "developer mode", "jailbreak"],
    pattern: rx(
      String.raw`\b(?:you are now|from now on,? you|pretend (?:to be|you are)|act as (?:if|though) you|(?:enter|enable|activate) (?:developer|god|dan) mode|jailbreak(?:ed)? mode)\b`,
    ),
  },
  {
    id: "prompt_exfiltration",
    description: "Asks the reader to reveal its system prompt, hidden instructions or configuration.",
    keywords: ["prompt", "instructions"],
    pattern: rx(
      String.raw`\b(?:reveal|print|show|repeat|output|leak|disclose|tell me)\b${gap(30)}\b(?:system prompt|(?:your|hidden|initial|original|secret) (?:instructions|prompt))\b`,
    ),
  },
  {
    id: "injected_role_tag",
    description: "Holds markup that imitates a conversation's roles or a system message (`<system>`, `[INST]`, `### System:`).",
    keywords: ["system", "inst]", "im_start", "instructions"],
    pattern: rx(String.raw`<\|?im_start\|?>|\[\/?INST\]|<\/?\s?(?:system|instructions?)\s?>|^#{1,4} ?(?:system|new instructions)\s?:`, "gim"),
  },
  {
    id: "exfiltration_request",
    description: "Asks the reader to send, post or upload something to a web address or email address.",
    keywords: ["send", "post", "upload", "forward", "exfiltrate", "transmit"],
    pattern: rx(String.raw`\b(?:send|post|upload|forward|exfiltrate|transmit)\b${gap(60)}\b(?:to|at|into)\s(?:https?:\/\/|[a-z0-9._%+-]{1,64}@)`),
  },
  {
    id: "concealment_request",
    description: "Asks the reader to hide something from its user or operator.",
    keywords: ["tell", "inform", "mention", "reveal", "without"],
    pattern: rx(
      String.raw`\b(?:do not|don't|never|without)\s(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)? (?:it|this) to|reveal(?:ing)? (?:it|this) to|alert(?:ing)?)\s(?:the\s)?(?:user|human|operator|admin(?:istrator)?)\b`,
    ),
  },
];

/** Every keyword, one case-insensitive alternation (longest first): one pass picks the rules to run. */
const KEYWORDS = new RegExp(
  [...new Set(INSTRUCTION_RULES.flatMap((rule) => rule.keywords))]
    .sort((a, b) => b.length - a.length)
    .map((keyword) => keyword.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|"),
  "gi",
);

export interface InstructionFinding {
  detector: string;
  start: number;
  end: number;
}

/** The instruction-like phrases in `text`, sorted by start, non-overlapping (the earlier wins). */
export function findInstructions(text: string): InstructionFinding[] {
  const seen = new Set<string>();
  KEYWORDS.lastIndex = 0;
  for (let match = KEYWORDS.exec(text); match !== null; match = KEYWORDS.exec(text)) seen.add(match[0].toLowerCase());
  if (seen.size === 0) return [];
  const found: InstructionFinding[] = [];
  for (const rule of INSTRUCTION_RULES) {
    if (!rule.keywords.some((keyword) => seen.has(keyword) || [...seen].some((word) => word.includes(keyword)))) continue;
    const { pattern } = rule;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (match[0].length === 0) pattern.lastIndex += 1;
      else found.push({ detector: rule.id, start: match.index, end: match.index + match[0].length });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: InstructionFinding[] = [];
  let end = 0;
  for (const finding of found) {
    if (finding.start < end) continue;
    out.push(finding);
    end = finding.end;
  }
  return out;
}
