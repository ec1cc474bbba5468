import { formatIssuePath } from "../issue-path";
import type { ContentAction, ContentActions } from "./content-rules";
import { belowConfidence, DETECTOR_CONFIDENCE, findInText, type ContentClass, type DetectorConfidence, type OrgDetectorScan } from "./detectors";

/**
 * What a finding is of: a class the content rules govern (`secrets`, `personalData`), or `instructions`,
 * the heuristic that flags phrases aimed at an agent in what a model or a tool answered (instruction-rules.ts).
 */
export type FindingClass = ContentClass | "instructions";

/**
 * What was found where and what was done (never the value): on the answer and in the audit entry.
 * `content-finding.ts` holds its schema; this module stays free of zod, so the SDK can bundle the screen.
 */
export interface ContentFinding {
  detector: string;
  class: FindingClass;
  path: string;
  action: "denied" | "redacted" | "flagged";
  /** Its built-in detector's confidence (docs/content-detectors.md, "Confidence"); absent for the org's own detectors and the instruction heuristic. */
  confidence?: DetectorConfidence;
}

/** `{ confidence }` of a built-in detector's finding, else nothing: spread into a finding. */
export function confidenceField(detector: string): { confidence?: DetectorConfidence } {
  const confidence = DETECTOR_CONFIDENCE.get(detector);
  return confidence === undefined ? {} : { confidence };
}

/** Findings kept per call: past it the values are still redacted or refused, only the list stops. */
export const MAX_FINDINGS = 100;

export interface ScreenOptions {
  /** The action per class for this call, and its minimum confidence (resolveContentActions): a finding below it is flagged. */
  actions: ContentActions;
  /** A short keyed hash of a value (the placeholder's suffix): equal values get equal suffixes, and no suffix gives a value back. */
  tag: (value: string) => string;
  /** Look for this class alone (the other is treated as `off`). */
  only?: ContentClass;
  /**
   * What stands where a value was, when not `contentPlaceholder(kind, detector, tag(value))`: the SDK's
   * screen of a model call's prompt keeps its own, random per call, to restore personal data in the answer.
   */
  placeholder?: (kind: ContentClass, detector: string, value: string) => string;
  /** The org's own detectors (org-detectors.ts), run beside the table. */
  org?: OrgDetectorScan;
  /**
   * The server's bounds on what the screen writes (screen-budget.ts): past `redactions` placeholders, or
   * once they add more than `growth` characters to what was sent, the screen stops (ScreenLimitReached).
   */
  limits?: { redactions: number; growth: number };
}

/** Which limit a screen reached (screen-budget.ts says each). */
export type ContentLimitName = "work" | "matches" | "redactions" | "growth";

/** A screen stopped at one of its limits: its caller names the field (packages/db's screen turns it into a 400, a decision into CONTENT_LIMIT). */
export class ScreenLimitReached extends Error {
  constructor(readonly limit: ContentLimitName) {
    super(`the screen reached its ${limit} limit`);
    this.name = "ScreenLimitReached";
  }
}

/**
 * A screen keyed for one org and one set of actions (packages/db's contentScreen): `screen(value, ["metadata"])`;
 * with `only`, that class alone is looked for (a secret inside an email address is found as a secret).
 */
export type ContentScreen = <T>(value: T, root: ReadonlyArray<string | number>, only?: ContentClass) => Screened<T>;

export interface Screened<T> {
  /** The value as it may be written: every finding of a class set to `redact` or `deny` replaced by its placeholder. */
  value: T;
  findings: ContentFinding[];
  /** A finding of a class set to `deny`: the call is refused (CONTENT_DENIED). */
  denied: boolean;
}

/**
 * Texts shorter than this hold nothing a detector finds (the shortest: an email address like `a@b.co`),
 * and object keys shorter than CONTENT_KEY_MIN_LENGTH are names, not values: skipped, so the screen costs
 * nothing for the many short strings and keys of typical metadata.
 */
export const CONTENT_MIN_LENGTH = 6;
export const CONTENT_KEY_MIN_LENGTH = 8;

const DONE: Record<ContentAction, ContentFinding["action"] | null> = { deny: "denied", redact: "redacted", flag: "flagged", off: null };
/** How a placeholder (and a path naming a key that held a finding) names each class. */
export const PLACEHOLDER_KIND: Record<ContentClass, string> = { secrets: "secret", personalData: "personal" };

/**
 * Sets an own property, whatever its name: a JSON object may have a key `__proto__` (JSON.parse makes it an
 * own property), which a plain assignment would take as the copy's prototype, dropping the key and its value.
 */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** `[secret:github_token#1a2b3c4d]`: what stands where a value was. */
export function contentPlaceholder(kind: ContentClass, detector: string, tag: string): string {
  return `[${PLACEHOLDER_KIND[kind]}:${detector}#${tag}]`;
}

/**
 * Looks for secrets and personal data in every string of `value` (and every object key), at `root`
 * (`metadata`), with the detectors of the classes whose action is not `off`, and answers the value as it
 * may be written, the findings and whether the call is refused. Deterministic; linear in the input (the
 * detectors are). A refused call's value is redacted too: what records the refusal holds nothing of it.
 */
export function screenContent<T>(value: T, root: ReadonlyArray<string | number>, options: ScreenOptions): Screened<T> {
  const classes = new Set((["secrets", "personalData"] as const).filter((kind) => options.actions[kind] !== "off" && (options.only ?? kind) === kind));
  const findings: ContentFinding[] = [];
  let denied = false;
  if (classes.size === 0) return { value, findings, denied };
  const limits = options.limits;
  let redactions = 0;
  let growth = 0;

  /** Where a value sits, as a chain to the root: built into a path only when something is found there. */
  type At = { parent: At | null; key: string | number } | null;
  const pathOf = (at: At): Array<string | number> => {
    const out: Array<string | number> = [];
    for (let node = at; node; node = node.parent) out.push(node.key);
    return [...root, ...out.reverse()];
  };

  /** What the last screenText found that the rules keep as it is (flagged), for a key whose path must not repeat it. */
  let kept: { class: ContentClass; detector: string } | undefined;
  const screenText = (text: string, at: At, key: string | undefined): string => {
    kept = undefined;
    if (text.length < CONTENT_MIN_LENGTH) return text;
    const found = findInText(text, { classes, ...(key === undefined ? {} : { key }), ...(options.org ? { org: options.org } : {}) });
    if (found.length === 0) return text;
    const path = formatIssuePath(pathOf(at));
    let out = "";
    let cut = 0;
    for (const finding of found) {
      const ruled = options.actions[finding.class];
      const action: ContentAction = ruled !== "off" && belowConfidence(finding.detector, options.actions.minConfidence) ? "flag" : ruled;
      const done = DONE[action];
      if (!done) continue;
      if (findings.length < MAX_FINDINGS) findings.push({ detector: finding.detector, class: finding.class, path, action: done, ...confidenceField(finding.detector) });
      if (action === "deny") denied = true;
      if (action === "flag") {
        kept ??= { class: finding.class, detector: finding.detector };
        continue;
      }
      const found = text.slice(finding.start, finding.end);
      const placeholder = options.placeholder
        ? options.placeholder(finding.class, finding.detector, found)
        : contentPlaceholder(finding.class, finding.detector, options.tag(found));
      if (limits) {
        redactions += 1;
        growth += placeholder.length - (finding.end - finding.start);
        if (redactions > limits.redactions) throw new ScreenLimitReached("redactions");
        if (growth > limits.growth) throw new ScreenLimitReached("growth");
      }
      out += text.slice(cut, finding.start) + placeholder;
      cut = finding.end;
    }
    return cut === 0 ? text : out + text.slice(cut);
  };

  // Copies only what changes: an object or array with nothing found is returned as it is.
  const walk = (item: unknown, at: At, key: string | undefined): unknown => {
    if (typeof item === "string") return screenText(item, at, key);
    if (item === null || typeof item !== "object") return item;
    if (Array.isArray(item)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < item.length; i += 1) {
        const element: unknown = item[i];
        const next = walk(element, { parent: at, key: i }, key);
        if (next !== element && !out) out = item.slice(0, i);
        out?.push(next);
      }
      return out ?? item;
    }
    const record = item as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    const names = Object.keys(record);
    const copyBefore = (i: number): Record<string, unknown> => {
      const copy: Record<string, unknown> = {};
      for (let j = 0; j < i; j += 1) put(copy, names[j] as string, record[names[j] as string]);
      return copy;
    };
    for (let i = 0; i < names.length; i += 1) {
      const name = names[i] as string;
      const element = record[name];
      const screenedName = name.length < CONTENT_KEY_MIN_LENGTH ? name : screenText(name, at, undefined);
      // The key as it is written: every finding below it names that (its placeholder), never the key
      // as sent, so no path repeats a value the rules rewrite or refuse. A key the rules keep but flag
      // is written as it is, and a path names it by what was found in it (`[personal:email]`), so no
      // path — which findings, answers and events carry — repeats a value either.
      const flaggedName = name.length >= CONTENT_KEY_MIN_LENGTH ? kept : undefined;
      let target = name;
      if (screenedName !== name) {
        out ??= copyBefore(i);
        target = screenedName;
        for (let n = 2; Object.hasOwn(out, target); n += 1) target = `${screenedName}~${n}`;
      }
      const pathKey = flaggedName ? `[${PLACEHOLDER_KIND[flaggedName.class]}:${flaggedName.detector}]` : target;
      const next = walk(element, { parent: at, key: pathKey }, name);
      if (next !== element) out ??= copyBefore(i);
      if (out) put(out, target, next);
    }
    return out ?? item;
  };

  return { value: walk(value, null, undefined) as T, findings, denied };
}
