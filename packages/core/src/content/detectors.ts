/**
 * Deterministic detectors of secrets and personal data in text: a table of formats (provider key
 * formats, private keys, JWTs, connection-string passwords, a generic high-entropy rule; email
 * addresses, phone numbers, card numbers, IBANs, national identifiers) and one scanner,
 * `findInText`. No model and no I/O: the same text always gives the same findings.
 *
 * Speed comes from a prefilter. One case-insensitive regex holds every detector's keywords; one pass
 * of it over the text tells which keywords occur, and only those detectors' patterns run. Rules for
 * digits (cards, phones, national ids) have no keyword to look for: they run when the text holds a
 * long enough run of digits, counted in the same scan's spirit (one pass, `longestDigitRun`). A text
 * with nothing in it costs the keyword pass, the digit pass and the few patterns its common words
 * select. docs/content-detectors.md lists every detector and states the rules.
 */

import { longestDigitRun, PERSONAL_DATA_RULES, type PersonalDataRule } from "./personal-data-rules";
import { KEY_HINTED_TOKEN, keyNamesSecret, SECRET_RULES, type SecretRule } from "./secret-rules";

export type ContentClass = "secrets" | "personalData";

/**
 * How sure a finding of a detector is (docs/content-detectors.md, "Confidence"):
 * - `high`: a self-identifying format (a documented prefix or structure: `ghp_…`, a PEM header, an email
 *   address) or one a check digit confirms (cards, IBANs, most national identifiers);
 * - `medium`: a format found by a word beside it rather than by itself (the value is a capture group after
 *   a keyword: a Heroku key after `heroku`), or a number with no check digit to confirm it (phone numbers,
 *   SSNs, NINOs, PANs);
 * - `low`: the generic high-entropy rule.
 */
export type DetectorConfidence = "high" | "medium" | "low";
export const DETECTOR_CONFIDENCES: readonly DetectorConfidence[] = ["high", "medium", "low"];

/** Personal-data formats with no check digit: a match is a plausible number, not a confirmed one. */
const UNCHECKED_PERSONAL = new Set(["phone_number", "us_ssn", "uk_nino", "in_pan"]);

function confidenceOf(rule: SecretRule | PersonalDataRule, kind: ContentClass): DetectorConfidence {
  if (rule.id === "high_entropy_secret") return "low";
  if (kind === "personalData") return UNCHECKED_PERSONAL.has(rule.id) ? "medium" : "high";
  return rule.group !== undefined && rule.group > 0 ? "medium" : "high";
}

export interface Detector {
  /** snake_case id, stable, shown to users in placeholders like [secret:github_token#a1b2]. */
  id: string;
  class: ContentClass;
  /** One line for the docs: what it finds, from which documented format. */
  description: string;
  /**
   * Lowercase literal keywords; the detector's pattern runs on a text only if the text (lowercased)
   * contains one of them. Empty for the digit-based personal-data detectors, which run when the text
   * holds a long enough run of digits instead (docs/content-detectors.md, "The prefilter").
   */
  keywords: readonly string[];
  /** Global ("g") RegExp, linear-time (see the rules in docs/content-detectors.md). */
  pattern: RegExp;
  /** Which capture group is the sensitive value (default 0: the whole match). */
  group?: number;
  /** Extra check on the matched value (Luhn, mod 97, entropy, …): false → not a finding. */
  validate?: (value: string) => boolean;
  /** How sure its findings are (DetectorConfidence). */
  confidence: DetectorConfidence;
}

export interface TextFinding {
  /** Detector.id */
  detector: string;
  class: ContentClass;
  /** UTF-16 offsets of the sensitive value within the text. */
  start: number;
  end: number;
}

/**
 * An org's own detectors, run beside the table: compiled on the server (org-detectors.ts's `orgDetectorScan`),
 * answered by `POST /v1/scan` in the SDK. An interface here so the screen (and the SDK's bundle of it) needs no RE2 engine.
 */
export interface OrgDetectorScan {
  /** How many detectors it runs. */
  readonly size: number;
  /** Every validated match of the org's detectors of `classes` (all when left out), in any order; overlaps allowed. */
  find(text: string, classes: ReadonlySet<ContentClass> | undefined): TextFinding[];
}

export interface FindInTextOptions {
  /** Which classes run (both when left out). */
  classes?: ReadonlySet<ContentClass>;
  /** The JSON object key the text is the value of: when it names a secret, the generic rule looks at every token of the text. */
  key?: string;
  /** The org's own detectors, run beside the table; on a tie with a built-in's finding the built-in names it. */
  org?: OrgDetectorScan;
}

function detectorOf(rule: SecretRule | PersonalDataRule, kind: ContentClass): Detector {
  return {
    id: rule.id,
    class: kind,
    description: rule.description,
    keywords: rule.keywords,
    pattern: rule.pattern,
    ...(rule.group === undefined ? {} : { group: rule.group }),
    ...(rule.validate === undefined ? {} : { validate: rule.validate }),
    confidence: confidenceOf(rule, kind),
  };
}

/** Each built-in detector's confidence, by id. */
export const DETECTOR_CONFIDENCE: ReadonlyMap<string, DetectorConfidence> = new Map();

export const CONTENT_DETECTORS: readonly Detector[] = [
  ...SECRET_RULES.map((rule) => detectorOf(rule, "secrets")),
  ...PERSONAL_DATA_RULES.map((rule) => detectorOf(rule, "personalData")),
];
for (const detector of CONTENT_DETECTORS) (DETECTOR_CONFIDENCE as Map<string, DetectorConfidence>).set(detector.id, detector.confidence);

/** Confidences in order, least first: a content rule's `minConfidence` compares by it. */
export const CONFIDENCE_RANK: Readonly<Record<DetectorConfidence, number>> = { low: 0, medium: 1, high: 2 };

/** Whether a finding of `detector` is below `min` (a content rule's `minConfidence`), so it is flagged, never redacted or refused. An org's own detector (none in the table) counts as `high`. */
export function belowConfidence(detector: string, min: DetectorConfidence | undefined): boolean {
  return min !== undefined && CONFIDENCE_RANK[DETECTOR_CONFIDENCE.get(detector) ?? "high"] < CONFIDENCE_RANK[min];
}

/** A detector as the scanner runs it. */
interface Compiled {
  detector: Detector;
  /** Its place in CONTENT_DETECTORS: on a tie, the earlier names the finding. */
  order: number;
  /**
   * A private copy of the pattern (callers may use CONTENT_DETECTORS' own), with the `d` flag when a
   * group is the value, so the group's offsets come from the engine rather than a search.
   */
  regex: RegExp;
  group: number;
  /** The digit gate of a keyword-less rule. */
  minDigits: number;
}

const COMPILED: readonly Compiled[] = CONTENT_DETECTORS.map((detector, order) => {
  const group = detector.group ?? 0;
  const flags = group > 0 && !detector.pattern.flags.includes("d") ? `${detector.pattern.flags}d` : detector.pattern.flags;
  const rule = PERSONAL_DATA_RULES.find((candidate) => candidate.id === detector.id);
  return { detector, order, regex: new RegExp(detector.pattern.source, flags), group, minDigits: rule?.minDigits ?? 0 };
});

const HIGH_ENTROPY: Compiled = (() => {
  const compiled = COMPILED.find((candidate) => candidate.detector.id === "high_entropy_secret");
  if (compiled === undefined) throw new Error("the generic rule high_entropy_secret is missing from the table");
  return compiled;
})();
/** The generic rule over every token of a value whose key names a secret: same id, order and test, no text hint needed. */
const KEY_HINTED: Compiled = { ...HIGH_ENTROPY, regex: new RegExp(KEY_HINTED_TOKEN.source, "g"), group: 0 };
const DIGIT_GATED = COMPILED.filter((compiled) => compiled.detector.keywords.length === 0);
const DIGIT_GATED_CLASSES: readonly ContentClass[] = [...new Set(DIGIT_GATED.map((compiled) => compiled.detector.class))];
/** No digit rule needs a longer run than this, so the digit scan may stop there. */
const DIGIT_CAP = Math.max(0, ...DIGIT_GATED.map((compiled) => compiled.minDigits));

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * For each keyword, the detectors to run when it is seen: its own, and those of every keyword it
 * contains. The scan reports one keyword per position (the longest that starts there), so a shorter
 * keyword inside it (`sk` in `sk_live_`, `key` in `api_key`) would otherwise go unseen.
 */
const KEYWORD_DETECTORS: ReadonlyMap<string, readonly Compiled[]> = (() => {
  const owners = new Map<string, Compiled[]>();
  for (const compiled of COMPILED) {
    for (const keyword of compiled.detector.keywords) owners.set(keyword, [...(owners.get(keyword) ?? []), compiled]);
  }
  const closed = new Map<string, Compiled[]>();
  for (const keyword of owners.keys()) {
    const inside = [...owners.entries()].filter(([other]) => keyword.includes(other)).flatMap(([, detectors]) => detectors);
    closed.set(keyword, [...new Set(inside)]);
  }
  return closed;
})();

/**
 * Every keyword in one alternation, longest first so that at each position the longest keyword
 * starting there is the one reported. Keywords are ASCII: with the `i` flag (and no `u`) a non-ASCII
 * character never matches an ASCII letter, so the match lowercased is always a keyword.
 */
const KEYWORD_SCAN = new RegExp(
  [...KEYWORD_DETECTORS.keys()]
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    .map(escapeRegExp)
    .join("|"),
  "gi",
);

function wanted(compiled: Compiled, classes: ReadonlySet<ContentClass> | undefined): boolean {
  return classes === undefined || classes.has(compiled.detector.class);
}

/** Which detectors a scan chose: reused by every call (reset after it), so a call allocates nothing for it. */
const SEEN = new Uint8Array(COMPILED.length);

/** The detectors the prefilter selects for `text`, in table order. */
function select(text: string, options: FindInTextOptions): Compiled[] {
  const { classes } = options;
  const chosen: Compiled[] = [];
  KEYWORD_SCAN.lastIndex = 0;
  for (let match = KEYWORD_SCAN.exec(text); match !== null; match = KEYWORD_SCAN.exec(text)) {
    const detectors = KEYWORD_DETECTORS.get(match[0].toLowerCase());
    if (detectors) {
      for (const compiled of detectors) {
        if (SEEN[compiled.order] === 1) continue;
        SEEN[compiled.order] = 1;
        chosen.push(compiled);
      }
    }
    // Resume one character on, not after the keyword: another may start inside it (`xoxb-` in `xoxe.xoxb-`).
    KEYWORD_SCAN.lastIndex = match.index + 1;
  }
  if (classes === undefined || DIGIT_GATED_CLASSES.some((kind) => classes.has(kind))) {
    const run = longestDigitRun(text, DIGIT_CAP);
    for (const compiled of DIGIT_GATED) {
      if (run < compiled.minDigits || SEEN[compiled.order] === 1) continue;
      SEEN[compiled.order] = 1;
      chosen.push(compiled);
    }
  }
  if (options.key !== undefined && SEEN[HIGH_ENTROPY.order] !== 1 && keyNamesSecret(options.key)) {
    SEEN[HIGH_ENTROPY.order] = 1;
    chosen.push(HIGH_ENTROPY);
  }
  const wantedOnes: Compiled[] = [];
  for (const compiled of chosen) {
    SEEN[compiled.order] = 0;
    if (wanted(compiled, classes)) wantedOnes.push(compiled);
  }
  return wantedOnes.length > 1 ? wantedOnes.sort(byOrder) : wantedOnes;
}

const byOrder = (a: Compiled, b: Compiled) => a.order - b.order;

/**
 * The detectors whose patterns `findInText` runs on `text` with these options: the prefilter's
 * choice (keywords seen, digit runs long enough, a key that names a secret). Exposed so the
 * prefilter can be tested and explained; findInText is what callers want.
 */
export function detectorsToRun(text: string, options: FindInTextOptions = {}): Detector[] {
  return select(text, options).map((compiled) => compiled.detector);
}

interface Ranked extends TextFinding {
  order: number;
}

/** Every validated match of one detector, pushed onto `found`. */
function collect(text: string, compiled: Compiled, found: Ranked[]): void {
  const { detector, regex, group } = compiled;
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    // Patterns never match the empty string; this only guards against looping on one that did.
    if (match[0].length === 0) regex.lastIndex += 1;
    const value = match[group];
    const start = group === 0 ? match.index : match.indices?.[group]?.[0];
    if (value === undefined || start === undefined || value.length === 0) continue;
    if (detector.validate !== undefined && !detector.validate(value)) continue;
    found.push({ detector: detector.id, class: detector.class, start, end: start + value.length, order: compiled.order });
  }
}

/** Earlier start first; then the longer; then a secret before personal data; then table order. */
function byRank(a: Ranked, b: Ranked): number {
  return a.start - b.start || b.end - a.end || (a.class === b.class ? 0 : a.class === "secrets" ? -1 : 1) || a.order - b.order;
}

/**
 * Every finding in `text`, sorted by start, non-overlapping (when two overlap keep the earlier start;
 * on a tie the longer; on a tie a secret before personal data). `classes` limits which classes run
 * (both when left out). `key`: the JSON object key the text is the value of (e.g. "apiKey",
 * "password"); when it names a secret (keyNamesSecret) the generic high-entropy rule checks every
 * token of the text, not only those after a secret-naming word.
 */
export function findInText(text: string, options: FindInTextOptions = {}): TextFinding[] {
  if (text.length === 0) return [];
  const { org, ...rest } = options;
  if (org !== undefined && org.size > 0) return withOrgFindings(text, findInText(text, rest), org.find(text, rest.classes));
  if (text.length > CACHED_TEXT_LENGTH) return scan(text, options);
  // Short texts repeat (tool names, titles, ids): their findings are remembered, by what decides them.
  const hinted = options.key !== undefined && keyNamesSecret(options.key);
  const cacheKey = `${options.classes === undefined ? "*" : [...options.classes].sort().join(",")}|${hinted ? 1 : 0}|${text}`;
  const cached = recent.get(cacheKey);
  if (cached) {
    recent.delete(cacheKey);
    recent.set(cacheKey, cached);
    return cached.map((finding) => ({ ...finding }));
  }
  const findings = scan(text, hinted ? { ...options, key: options.key as string } : { ...(options.classes ? { classes: options.classes } : {}) });
  recent.set(
    cacheKey,
    findings.map((finding) => ({ ...finding })),
  );
  if (recent.size > CACHED_TEXTS) recent.delete(recent.keys().next().value as string);
  return findings;
}

/**
 * The table's findings and the org's detectors' together, by the table's rule: earlier start first, then
 * the longer, then a secret before personal data, then the table's before the org's; overlaps dropped.
 */
function withOrgFindings(text: string, builtIn: readonly TextFinding[], own: readonly TextFinding[]): TextFinding[] {
  if (own.length === 0) return [...builtIn];
  const ranked: Ranked[] = [...builtIn.map((finding) => ({ ...finding, order: 0 })), ...own.map((finding) => ({ ...finding, order: 1 }))];
  ranked.sort(byRank);
  const findings: TextFinding[] = [];
  let end = 0;
  for (const finding of ranked) {
    if (finding.start < end || finding.end > text.length) continue;
    findings.push({ detector: finding.detector, class: finding.class, start: finding.start, end: finding.end });
    end = finding.end;
  }
  return findings;
}

/** Texts up to this length are remembered (CACHED_TEXTS of them, least recently used out first). */
const CACHED_TEXT_LENGTH = 256;
const CACHED_TEXTS = 4_096;
const recent = new Map<string, readonly TextFinding[]>();

function scan(text: string, options: FindInTextOptions): TextFinding[] {
  const found: Ranked[] = [];
  for (const compiled of select(text, options)) {
    collect(text, compiled, found);
    if (compiled === HIGH_ENTROPY && options.key !== undefined && keyNamesSecret(options.key)) collect(text, KEY_HINTED, found);
  }
  found.sort(byRank);
  const findings: TextFinding[] = [];
  let end = 0;
  for (const finding of found) {
    if (finding.start < end) continue;
    findings.push({ detector: finding.detector, class: finding.class, start: finding.start, end: finding.end });
    end = finding.end;
  }
  return findings;
}
