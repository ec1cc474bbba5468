import { DETECTOR_CONFIDENCE, findInText, type ContentClass, type DetectorConfidence, type OrgDetectorScan } from "../content/detectors";
import type { OrgDetectorSpec } from "../content/org-detectors";
import { answeredOrgScan, ContentLimitError, screenedTexts, screenOrgTexts } from "../content/screen-budget";
import { CONTENT_KEY_MIN_LENGTH as KEY_MIN_LENGTH, CONTENT_MIN_LENGTH as MIN_LENGTH, MAX_FINDINGS, PLACEHOLDER_KIND as KIND } from "../content/screen-content";
import { formatIssuePath } from "../issue-path";

/**
 * A standalone scan (`POST /v1/scan`, docs/content.md, "Standalone scan"): the content screen's
 * detectors over a text or a JSON value, both classes always, answering what was found where and never
 * the value. Nothing is decided, written or kept. Pure and deterministic, plain data in and out, so the
 * API runs a large scan as a job of the work pool (packages/db's standaloneScan).
 */

/** What a scan reads: a text, or any JSON value; with the org's own detectors (plain data: a work-pool job carries them). */
export type ScanInput = ({ text: string } | { json: unknown }) & { detectors?: readonly OrgDetectorSpec[] };

/** One finding: the detector, its class and where; for a text, also the value's UTF-16 offsets. */
export interface ScanFinding {
  detector: string;
  class: ContentClass;
  /** `text`; for JSON, `json`, `json.ticket.summary`, `json.items[0]` (a key with a finding is named by it: `json.[secret:github_token].to`). */
  path: string;
  /** A text's findings only: where the value starts and ends (UTF-16 offsets, as JavaScript counts). */
  start?: number;
  end?: number;
  /** A built-in detector's confidence (DetectorConfidence); none for the org's own detectors. */
  confidence?: DetectorConfidence;
}

export interface ScanResult {
  /** In the order of the text or the document; at most MAX_FINDINGS. */
  findings: ScanFinding[];
  /** More were found than the list holds. */
  truncated: boolean;
}

// The content screen's own thresholds (imported from ../content/screen-content.ts): a JSON string
// shorter than 6 characters holds nothing a detector finds, and a key shorter than 8 is a name, not a
// value. A key with a finding is named by it in every path below it, as a flagged key is there; a test
// (packages/core/test/scan-content.test.ts) holds the JSON walk to screenContent's findings.

/** Where a value sits, as a chain to the root: made into a path only where something is found. */
type At = { parent: At; key: string | number } | null;

/** A step of the JSON walk: a value to look into, or an object's entry (its key first, then its value). */
type Step = { item: unknown; at: At; hint: string | undefined } | { name: string; value: unknown; at: At };

/** A finding's confidence field: a built-in detector's, none for an org's own. */
function confidence(detector: string): { confidence?: DetectorConfidence } {
  const known = DETECTOR_CONFIDENCE.get(detector);
  return known === undefined ? {} : { confidence: known };
}

/** What a scan reads: the text, or every string and key of the JSON value that the walk looks at. */
export function scanTexts(input: ScanInput): string[] {
  return "text" in input ? [input.text] : [...screenedTexts(input.json)];
}

/**
 * The org's detectors over what a scan reads, within a call's budget (screen-budget.ts): past it, a
 * ContentLimitError naming `text` or `json`, before the walk.
 */
function orgScanFor(input: ScanInput): OrgDetectorScan | undefined {
  const specs = input.detectors ?? [];
  if (specs.length === 0) return undefined;
  const texts = scanTexts(input);
  const result = screenOrgTexts({ specs, texts });
  if ("limit" in result) throw new ContentLimitError(result.limit, "text" in input ? "text" : "json");
  return answeredOrgScan(specs, texts, result.findings);
}

/** The scan of a text or a JSON value (ScanInput): every finding up to MAX_FINDINGS, and whether there were more; a ContentLimitError past the org detectors' budget. */
export function scanContent(input: ScanInput): ScanResult {
  const org = orgScanFor(input);
  if ("text" in input) {
    const found = findInText(input.text, org ? { org } : {});
    return {
      findings: found
        .slice(0, MAX_FINDINGS)
        .map((finding) => ({ detector: finding.detector, class: finding.class, path: "text", start: finding.start, end: finding.end, ...confidence(finding.detector) })),
      truncated: found.length > MAX_FINDINGS,
    };
  }
  return scanJson(input.json, org);
}

function scanJson(value: unknown, org: OrgDetectorScan | undefined): ScanResult {
  const findings: ScanFinding[] = [];
  const pathOf = (at: At): string => {
    const keys: Array<string | number> = [];
    for (let node = at; node; node = node.parent) keys.push(node.key);
    return formatIssuePath(["json", ...keys.reverse()]);
  };
  /** Looks in one string; answers false once more than MAX_FINDINGS were found (the walk stops there). */
  const look = (text: string, at: At, hint: string | undefined): ReturnType<typeof findInText> | false => {
    const found = findInText(text, { ...(hint === undefined ? {} : { key: hint }), ...(org ? { org } : {}) });
    if (found.length === 0) return found;
    const path = pathOf(at);
    for (const finding of found) {
      if (findings.length === MAX_FINDINGS) return false;
      findings.push({ detector: finding.detector, class: finding.class, path, ...confidence(finding.detector) });
    }
    return found;
  };

  // Depth first, in document order (an object's entries in their order, each key before its value), as
  // screenContent walks; without recursion.
  const steps: Step[] = [{ item: value, at: null, hint: undefined }];
  while (steps.length > 0) {
    const step = steps.pop() as Step;
    if ("name" in step) {
      let pathKey: string = step.name;
      if (step.name.length >= KEY_MIN_LENGTH) {
        const found = look(step.name, step.at, undefined);
        if (found === false) return { findings, truncated: true };
        const first = found[0];
        if (first) pathKey = `[${KIND[first.class]}:${first.detector}]`;
      }
      steps.push({ item: step.value, at: { parent: step.at, key: pathKey }, hint: step.name });
      continue;
    }
    const { item, at, hint } = step;
    if (typeof item === "string") {
      if (item.length >= MIN_LENGTH && look(item, at, hint) === false) return { findings, truncated: true };
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i -= 1) steps.push({ item: item[i], at: { parent: at, key: i }, hint });
    } else if (item !== null && typeof item === "object") {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [name, child] = entries[i] as [string, unknown];
        steps.push({ name, value: child, at });
      }
    }
  }
  return { findings, truncated: false };
}

/**
 * How much text a scan of `input` reads, in UTF-16 code units (the detectors' cost is linear in it): a
 * text's length, or the length of a JSON value's strings and keys long enough to be looked at.
 */
export function scanWeight(input: ScanInput): number {
  if ("text" in input) return input.text.length;
  let weight = 0;
  const stack: unknown[] = [input.json];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (item.length >= MIN_LENGTH) weight += item.length;
    } else if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        if (key.length >= KEY_MIN_LENGTH) weight += key.length;
        stack.push(child);
      }
    }
  }
  return weight;
}
