import { DomainError } from "../errors";
import type { OrgDetectorScan, TextFinding } from "./detectors";
import { compiledDetectors, gatePasses, matchesOf, type CompiledOrgDetector, type OrgDetectorSpec } from "./org-detector-scan";
import { CONTENT_KEY_MIN_LENGTH, CONTENT_MIN_LENGTH, ScreenLimitReached, type ContentLimitName } from "./screen-content";

/**
 * What one screen of an org's content may cost (docs/content-detectors.md, "Budgets"; ADR 0045).
 *
 * An org's own detectors are RE2 programs: a match over a text costs at most the text's length times the
 * program's instructions, whatever the text. That product — "work", in character-instructions — is what
 * a call's screen is held to, counted over every text of the call and every detector whose keywords the
 * text holds, before any matching starts. Measured on the 2-core development machine: the costliest
 * pattern allowed, `(?s).{0,145}\d{5}` (297 instructions) over letters, runs at about 50 ns per unit of work,
 * up to about 150 ns with the machine busy; the literal-led patterns orgs write (`ACME-[0-9]{8}`,
 * `acme_[a-z0-9]{32}`) at well under 1 ns, case-insensitive ones with a counted class at 10–20 ns.
 */

/** The work one call's screen may do with the org's detectors: about 1.6 s of one worker at the costliest pattern, at most about 5 s on a busy machine (the pool's job limit is 10 s). */
export const ORG_SCREEN_WORK_MAX = 32_000_000;
/** Work a screen may do on the event loop: about 2.5 ms at the costliest pattern, far less at the usual shapes. More goes to the work pool, in the org's turn. */
export const ORG_SCREEN_INLINE_WORK = 50_000;
/**
 * The most text one call carries (the API's request body limit, 64 KiB: a JSON string's characters never
 * outnumber its bytes): a set of detectors is refused when saved if screening this much would pass
 * ORG_SCREEN_WORK_MAX, so the org's whole set of enabled programs may hold ORG_SCREEN_PROGRAM_BUDGET instructions.
 */
export const SCREENED_CALL_MAX_CHARS = 65_536;
export const ORG_SCREEN_PROGRAM_BUDGET = Math.floor(ORG_SCREEN_WORK_MAX / SCREENED_CALL_MAX_CHARS);
/** Matches the org's detectors may find in one call's texts. */
export const MAX_ORG_MATCHES = 1_000;
/** Values one screen may replace by placeholders. */
export const MAX_REDACTIONS = 1_000;
/** Characters a screen's placeholders may add to what was sent, in all. */
export const MAX_SCREEN_GROWTH = 65_536;

const LIMIT_TEXT: Record<ContentLimitName, string> = {
  work: `the org's content detectors would need more than ${ORG_SCREEN_WORK_MAX.toLocaleString("en-US")} units of work (characters × RE2 instructions) to screen it`,
  matches: `the org's content detectors match it more than ${MAX_ORG_MATCHES.toLocaleString("en-US")} times`,
  redactions: `more than ${MAX_REDACTIONS.toLocaleString("en-US")} of its values would be replaced by placeholders`,
  growth: `its placeholders would make it more than ${MAX_SCREEN_GROWTH.toLocaleString("en-US")} characters longer`,
};

/** What a limit says, for an error or a denial's details. */
export function contentLimitText(limit: ContentLimitName): string {
  return `${LIMIT_TEXT[limit]}; send less at once, or ask an admin to narrow the org's detectors (docs/content-detectors.md, "Budgets")`;
}

/**
 * A screen that reached one of its limits, naming the field it was screening: a 400 where nothing is
 * decided (an outcome, a reason, a publish's entries, a scan); a decision catches it and is recorded as
 * denied with CONTENT_LIMIT (fail closed: what could not be screened is neither let through nor written).
 */
export class ContentLimitError extends DomainError {
  constructor(
    readonly limit: ContentLimitName,
    readonly path: string,
  ) {
    const message = contentLimitText(limit);
    super("VALIDATION", `${path} could not be screened: ${message}`, { issues: [{ path, message: `could not be screened: ${message}` }], limit });
    this.name = "ContentLimitError";
  }
}

/** The work of screening `text` with `detectors` (those whose keywords it holds): its length times their instructions. */
function workOf(text: string, detectors: readonly CompiledOrgDetector[]): number {
  let lower: string | undefined;
  let instructions = 0;
  for (const detector of detectors) if (gatePasses(detector, () => (lower ??= text.toLowerCase()))) instructions += detector.programSize;
  return text.length * instructions;
}

/** The instructions of a set of detectors' programs, in all (what a set is held to when saved: ORG_SCREEN_PROGRAM_BUDGET). */
export function orgProgramSize(specs: readonly OrgDetectorSpec[]): number {
  return compiledDetectors(specs).reduce((sum, detector) => sum + detector.programSize, 0);
}

/** A screen job: the org's detectors over a call's texts (plain data: a work-pool job carries it). */
export interface OrgScreenJob {
  specs: readonly OrgDetectorSpec[];
  texts: readonly string[];
}

/** Each text's matches (every class), or the limit the job reached before it finished. */
export type OrgScreenResult = { findings: TextFinding[][]; work: number } | { limit: ContentLimitName; work: number };

/** The work a job would do, counted before any matching. */
export function orgScreenWork(job: OrgScreenJob): number {
  const detectors = compiledDetectors(job.specs);
  let work = 0;
  for (const text of job.texts) work += workOf(text, detectors);
  return work;
}

/**
 * The org's detectors over every text of one call, under the call's budget: the work is counted first
 * (and a job past ORG_SCREEN_WORK_MAX does no matching at all), then the matches are found, at most
 * MAX_ORG_MATCHES in all. Pure and deterministic: the API runs it inline when it is small and as a job
 * of the work pool otherwise (packages/db's screenOrgTexts).
 */
export function screenOrgTexts(job: OrgScreenJob): OrgScreenResult {
  const detectors = compiledDetectors(job.specs);
  let work = 0;
  for (const text of job.texts) work += workOf(text, detectors);
  if (work > ORG_SCREEN_WORK_MAX) return { limit: "work", work };
  const findings: TextFinding[][] = [];
  let matches = 0;
  for (const text of job.texts) {
    const found: TextFinding[] = [];
    let lower: string | undefined;
    for (const detector of detectors) {
      if (!gatePasses(detector, () => (lower ??= text.toLowerCase()))) continue;
      const hits = matchesOf(text, detector, MAX_ORG_MATCHES - matches);
      matches += hits.length;
      if (matches > MAX_ORG_MATCHES) return { limit: "matches", work };
      found.push(...hits);
    }
    findings.push(found);
  }
  return { findings, work };
}

/**
 * An org scan that answers from a job's findings (`texts[i]` → `findings[i]`), so the screen that follows
 * (screenContent, synchronous) matches nothing itself. A text the job did not carry is matched here
 * within ORG_SCREEN_INLINE_WORK in all, past which the screen stops (ScreenLimitReached "work"): the call's
 * texts are collected before the job, so only a screen that reads something else gets that far.
 */
export function answeredOrgScan(specs: readonly OrgDetectorSpec[], texts: readonly string[], findings: readonly TextFinding[][]): OrgDetectorScan {
  const known = new Map<string, readonly TextFinding[]>();
  texts.forEach((text, i) => known.set(text, findings[i] ?? []));
  let detectors: CompiledOrgDetector[] | undefined;
  let spent = 0;
  return {
    size: specs.length,
    find(text, classes) {
      let found = known.get(text);
      if (found === undefined) {
        detectors ??= compiledDetectors(specs);
        spent += workOf(text, detectors);
        if (spent > ORG_SCREEN_INLINE_WORK) throw new ScreenLimitReached("work");
        const result = screenOrgTexts({ specs, texts: [text] });
        if ("limit" in result) throw new ScreenLimitReached(result.limit);
        found = result.findings[0] ?? [];
        known.set(text, found);
      }
      return found.filter((finding) => !classes || classes.has(finding.class)).map((finding) => ({ ...finding }));
    },
  };
}

/**
 * Every text a screen of `value` reads, as screenContent reads them: strings of CONTENT_MIN_LENGTH
 * characters or more, and object keys of CONTENT_KEY_MIN_LENGTH or more. Without recursion.
 */
export function screenedTexts(value: unknown, into: Set<string> = new Set()): Set<string> {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (item.length >= CONTENT_MIN_LENGTH) into.add(item);
    } else if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        if (key.length >= CONTENT_KEY_MIN_LENGTH) into.add(key);
        stack.push(child);
      }
    }
  }
  return into;
}
