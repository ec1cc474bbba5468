import { RE2JS } from "re2js";
import { CONTENT_DETECTORS, type OrgDetectorScan, type TextFinding } from "./detectors";
import { INSTRUCTION_RULES } from "./instruction-rules";
import { ibanValid, luhnValid } from "./personal-data-rules";

/**
 * An org's own detectors, compiled and run (zod-free, no I/O: the SDK's model-call bundle carries it through
 * model-traffic.ts, so a caller's screen runs the org's detectors with the very code the server runs). The
 * definition's schema is org-detectors.ts's.
 *
 * An org's own detectors (docs/content-detectors.md, "An org's own detectors"): a name, a class, an RE2
 * pattern, optional keywords that gate it and an optional checksum. They run beside the built-in table in
 * every screen of the org's content (decisions' metadata, outcomes, `POST /v1/scan`), and their findings
 * name them like a built-in's.
 *
 * Linear time is the pattern's contract, as for policies' `matches` (policy/conditions.ts): the pattern is
 * compiled by RE2 (re2js), which has no backreferences and no lookaround and matches in time linear in
 * the text times the program's size; the program is capped, and so are the detectors per org. It is run
 * by RE2 too, never by JavaScript's backtracking engine, so a pattern valid in both cannot backtrack here.
 */

/** At most this many characters in a pattern, compiling to at most this many RE2 instructions (a match costs up to the text's length times that). */
export const ORG_DETECTOR_PATTERN_MAX_CHARS = 256;
export const ORG_DETECTOR_PROGRAM_MAX = 300;
/** Detectors one org may have. */
export const MAX_ORG_DETECTORS = 25;
/** Keywords per detector, each 2–32 characters of printable ASCII (matched lowercased, like the built-ins'). */
export const ORG_DETECTOR_MAX_KEYWORDS = 20;
/** Sample strings one test may run a candidate on, each at most ORG_DETECTOR_SAMPLE_MAX_CHARS. */
export const ORG_DETECTOR_MAX_SAMPLES = 20;
export const ORG_DETECTOR_SAMPLE_MAX_CHARS = 4_096;

/** Checks a match must pass to be a finding: `luhn` over its digits (cards, many account numbers), `iban` (ISO 13616 mod 97). */
export const ORG_DETECTOR_CHECKSUMS = ["luhn", "iban"] as const;
export type OrgDetectorChecksum = (typeof ORG_DETECTOR_CHECKSUMS)[number];

/** Names an org detector may not take: the built-in detectors' and the instruction heuristic's (a finding names one detector). */
const RESERVED = new Set<string>([...CONTENT_DETECTORS.map((detector) => detector.id), ...INSTRUCTION_RULES.map((rule) => rule.id)]);

/** Whether `name` is a built-in detector's (or the heuristic's). */
export function isBuiltInDetector(name: string): boolean {
  return RESERVED.has(name);
}

/**
 * Why `pattern` cannot be an org detector's, or null when it can: not RE2 (a backreference, lookaround
 * and other constructs that need backtracking are refused by RE2's parser), a program past the cap, or a
 * pattern that matches the empty string (it would find nothing and cost a match at every position).
 */
export function orgPatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > ORG_DETECTOR_PATTERN_MAX_CHARS) return `must be at most ${ORG_DETECTOR_PATTERN_MAX_CHARS} characters`;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    return `is not linear-time: RE2 refuses it (${(error as Error).message}); backreferences (\\1) and lookaround ((?=…), (?!…), (?<=…), (?<!…)) need backtracking, so they are not allowed`;
  }
  const size = compiled.programSize();
  if (size > ORG_DETECTOR_PROGRAM_MAX) return `compiles to ${size} RE2 instructions, more than ${ORG_DETECTOR_PROGRAM_MAX}: use fewer or smaller counted repetitions ({n,m})`;
  if (compiled.matcher("").find()) return "matches the empty string: it must match at least one character";
  return null;
}

/** What a screen needs of a detector (plain data: a work-pool job carries it, and `GET /v1/content/detectors/screen` serves it). */
export interface OrgDetectorSpec {
  name: string;
  class: "secrets" | "personalData";
  pattern: string;
  keywords: readonly string[];
  checksum: OrgDetectorChecksum | null;
}

const CHECKS: Record<OrgDetectorChecksum, (value: string) => boolean> = {
  luhn: (value) => {
    const digits = value.replace(/\D/g, "");
    return digits.length >= 2 && luhnValid(digits);
  },
  iban: (value) => ibanValid(value.toUpperCase()),
};

export interface CompiledOrgDetector {
  spec: OrgDetectorSpec;
  regex: RE2JS;
  keywords: readonly string[];
  /** Its RE2 program's instructions: a match over a text costs at most the text's length times this (screen-budget.ts). */
  programSize: number;
}

export function compileOne(spec: OrgDetectorSpec): CompiledOrgDetector {
  const regex = RE2JS.compile(spec.pattern);
  return { spec, regex, keywords: spec.keywords.map((keyword) => keyword.toLowerCase()), programSize: regex.programSize() };
}

/** Whether a detector runs on a text: it has no keywords, or the text (lowercased, once: `lower`) holds one. */
export function gatePasses(detector: CompiledOrgDetector, lower: () => string): boolean {
  if (detector.keywords.length === 0) return true;
  const seen = lower();
  return detector.keywords.some((keyword) => seen.includes(keyword));
}

/**
 * Every validated match of one detector in `text`, non-empty, in order; at most `most` of them (the
 * matcher stops at the one past it, so a caller can tell "more than `most`" from "exactly `most`").
 */
export function matchesOf(text: string, compiled: CompiledOrgDetector, most = Number.POSITIVE_INFINITY): TextFinding[] {
  const found: TextFinding[] = [];
  const matcher = compiled.regex.matcher(text);
  const check = compiled.spec.checksum ? CHECKS[compiled.spec.checksum] : undefined;
  while (found.length <= most && matcher.find()) {
    const start = matcher.start();
    const end = matcher.end();
    if (end <= start) continue;
    if (check && !check(text.slice(start, end))) continue;
    found.push({ detector: compiled.spec.name, class: compiled.spec.class, start, end });
  }
  return found;
}

/**
 * The org's detectors compiled once, as a scan the content screen runs beside the built-in table
 * (`findInText`'s `org`). Specs that fail to compile (a stored pattern a newer check would refuse) are
 * left out rather than failing every screen of the org: they were checked when they were saved.
 */
export function compileOrgDetectors(specs: readonly OrgDetectorSpec[]): OrgDetectorScan {
  const compiled = compiledDetectors(specs);
  return {
    size: compiled.length,
    find(text, classes) {
      const found: TextFinding[] = [];
      let lower: string | undefined;
      for (const detector of compiled) {
        if (classes && !classes.has(detector.spec.class)) continue;
        if (!gatePasses(detector, () => (lower ??= text.toLowerCase()))) continue;
        found.push(...matchesOf(text, detector));
      }
      return found;
    },
  };
}

/** Compiled lists by their specs' content, so a work-pool job or a repeated screen compiles an org's set once. */
const compiledLists = new Map<string, CompiledOrgDetector[]>();

/** The specs that compile (a stored pattern a newer check would refuse is left out: it was checked when it was saved), compiled; remembered by their content (least recently used out first). */
export function compiledDetectors(specs: readonly OrgDetectorSpec[]): CompiledOrgDetector[] {
  const key = specsKey(specs);
  let compiled = compiledLists.get(key);
  if (compiled) {
    compiledLists.delete(key);
  } else {
    compiled = [];
    for (const spec of specs) {
      if (orgPatternProblem(spec.pattern) !== null) continue;
      compiled.push(compileOne(spec));
    }
  }
  compiledLists.set(key, compiled);
  if (compiledLists.size > COMPILED_SETS) compiledLists.delete(compiledLists.keys().next().value as string);
  return compiled;
}

function specsKey(specs: readonly OrgDetectorSpec[]): string {
  return JSON.stringify(specs.map((spec) => [spec.name, spec.class, spec.pattern, spec.keywords, spec.checksum]));
}

/** Compiled sets by their specs, so a work-pool job or a repeated scan compiles an org's set once. */
const compiledSets = new Map<string, OrgDetectorScan>();
const COMPILED_SETS = 256;

/** `compileOrgDetectors`, remembered by the specs' content (least recently used out first). */
export function orgDetectorScan(specs: readonly OrgDetectorSpec[]): OrgDetectorScan | undefined {
  if (specs.length === 0) return undefined;
  const key = specsKey(specs);
  let scan = compiledSets.get(key);
  if (scan) {
    compiledSets.delete(key);
  } else {
    scan = compileOrgDetectors(specs);
  }
  compiledSets.set(key, scan);
  if (compiledSets.size > COMPILED_SETS) compiledSets.delete(compiledSets.keys().next().value as string);
  return scan;
}

/** Hits a candidate's test answers in all samples (screen-budget.ts's MAX_ORG_MATCHES: a call's matches are capped alike). */
export const ORG_DETECTOR_TEST_MAX_HITS = 1_000;

/** A candidate's hits in each sample (`POST /v1/content/detectors/test`): where, and the matched text (the sample is the caller's own); at most ORG_DETECTOR_TEST_MAX_HITS in all. */
export function testOrgDetector(spec: OrgDetectorSpec, samples: readonly string[]): Array<{ sample: number; hits: Array<{ start: number; end: number; match: string }> }> {
  const compiled = compileOne(spec);
  let left = ORG_DETECTOR_TEST_MAX_HITS;
  return samples.map((sample, index) => {
    const gated = compiled.keywords.length > 0 && !compiled.keywords.some((keyword) => sample.toLowerCase().includes(keyword));
    const hits = gated || left <= 0 ? [] : matchesOf(sample, compiled, left - 1);
    left -= hits.length;
    return { sample: index, hits: hits.map((hit) => ({ start: hit.start, end: hit.end, match: sample.slice(hit.start, hit.end) })) };
  });
}

/** `testOrgDetector` as one plain-data job (a work-pool task takes one input). */
export function testOrgDetectorJob(input: { spec: OrgDetectorSpec; samples: readonly string[] }): ReturnType<typeof testOrgDetector> {
  return testOrgDetector(input.spec, input.samples);
}
