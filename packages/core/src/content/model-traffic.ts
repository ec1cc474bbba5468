/**
 * The screen of a model call, run in the caller's process (docs/guardrails.md): what leaves for a model
 * provider is looked at before it leaves, and what comes back before the caller reads it. The prompt is
 * never sent to Gatehouse: the caller sends what its screen found (detector, class and path, never the
 * value) with the decision, the decision answers the content rules in force for the call, and the caller
 * rewrites the prompt by them. Personal data redacted on the way out is restored in the answer from a
 * mapping that stays in the caller's process.
 *
 * Free of zod and of I/O, like the detectors it runs: the SDK bundles this module, so the caller screens
 * with the very table the server screens metadata with (one source).
 */
import type { ContentAction, ContentActions } from "./content-rules";
import { belowConfidence, CONTENT_DETECTORS, type ContentClass, type OrgDetectorScan } from "./detectors";
import { findInstructions, INSTRUCTION_RULES } from "./instruction-rules";
import { formatIssuePath } from "../issue-path";
import { confidenceField, MAX_FINDINGS, screenContent, type ContentFinding, type FindingClass } from "./screen-content";

// An org's own detectors (docs/content-detectors.md): each screen below takes them as `org`, run beside the table by
// the same overlap rule as the server's screen (detectors.ts). The server compiles them (org-detector-scan.ts); the
// SDK answers them from `POST /v1/scan`, so this module carries no RE2 engine.
export type { OrgDetectorScan } from "./detectors";

/** A finding of the caller's own screen: the detector, its class and where — never the value, and no action (the decision's rules say). */
export interface LocalFinding {
  detector: string;
  class: FindingClass;
  path: string;
}

/** Where a caller's finding may point: the characters of a path the screen builds, and no more than 300 of them. */
export const LOCAL_FINDING_PATH = /^[A-Za-z0-9_.:#~[\]-]{1,300}$/;

/** Every detector a caller's finding may name, with its class: the content table's and the instruction heuristic's. */
export const LOCAL_DETECTOR_CLASSES: ReadonlyMap<string, FindingClass> = new Map<string, FindingClass>([
  ...CONTENT_DETECTORS.map((detector) => [detector.id, detector.class] as const),
  ...INSTRUCTION_RULES.map((rule) => [rule.id, "instructions"] as const),
]);

/** A path made safe to send: a key the caller chose may hold anything, so what the path pattern refuses becomes `_`. */
function sendablePath(path: string): string {
  const cleaned = path.replace(/[^A-Za-z0-9_.:#~[\]-]/g, "_").slice(0, 300);
  return cleaned.length > 0 ? cleaned : "_";
}

const FLAG_BOTH: Record<ContentClass, ContentAction> = { secrets: "flag", personalData: "flag" };

/**
 * Every secret and piece of personal data in `value` (each string and each object key of 8 characters
 * or more), at `root`, without changing anything: what a prompt holds, before the decision says what
 * to do with it. At most 100 findings (MAX_FINDINGS); `redactForProvider` acts on every value all the same.
 * `org`: the org's own detectors, run beside the table.
 */
export function findInValue(value: unknown, root: ReadonlyArray<string | number>, org?: OrgDetectorScan): LocalFinding[] {
  const { findings } = screenContent(value, root, { actions: FLAG_BOTH, tag: () => "", ...(org ? { org } : {}) });
  return findings.map((finding) => ({ detector: finding.detector, class: finding.class, path: sendablePath(finding.path) }));
}

/** `[personal:email#3f9a0c1d]`: the placeholders a vault restores. */
const RESTORABLE = /\[personal:([a-z0-9_]{1,64})#([0-9a-f]{8})\]/g;
const RESTORABLE_START = "[personal:";
/** The longest placeholder a vault makes: `[personal:` + a detector id (≤ 64) + `#` + 8 hex + `]`. */
const LONGEST_PLACEHOLDER = RESTORABLE_START.length + 64 + 1 + 8 + 1;

/**
 * One model call's placeholders: each distinct value found gets one, `[secret:github_token#<8 hex>]` or
 * `[personal:email#<8 hex>]`, with a random suffix (so no placeholder is a fingerprint of its value, and
 * none can be guessed). The personal data behind them is kept here, in the caller's process, to be
 * restored in the answer; secrets are never restored.
 */
export class PlaceholderVault {
  readonly #byValue = new Map<string, string>();
  readonly #personal = new Map<string, { detector: string; value: string }>();
  readonly #randomTag: () => string;
  readonly #restore: boolean;

  /** `randomTag`: 8 random lowercase hex characters per call (the SDK passes Web Crypto's). `restore`: whether personal data comes back in the answer. */
  constructor(randomTag: () => string, options: { restore?: boolean } = {}) {
    this.#randomTag = randomTag;
    this.#restore = options.restore ?? true;
  }

  /** The placeholder for one value: the same value in one call gets the same one. */
  placeholder(kind: ContentClass, detector: string, value: string): string {
    const key = `${kind}\u0000${detector}\u0000${value}`;
    const known = this.#byValue.get(key);
    if (known !== undefined) return known;
    let tag = this.#randomTag();
    while (this.#personal.has(tag)) tag = this.#randomTag();
    const placeholder = `[${kind === "secrets" ? "secret" : "personal"}:${detector}#${tag}]`;
    this.#byValue.set(key, placeholder);
    if (kind === "personalData" && this.#restore) this.#personal.set(tag, { detector, value });
    return placeholder;
  }

  /** Whether anything would be restored. */
  get restores(): boolean {
    return this.#personal.size > 0;
  }

  /** `text` with every placeholder of this vault's personal data replaced by the value it stands for; any other text as it is. */
  restore(text: string): string {
    if (this.#personal.size === 0 || !text.includes(RESTORABLE_START)) return text;
    return text.replace(RESTORABLE, (whole, detector: string, tag: string) => {
      const kept = this.#personal.get(tag);
      return kept !== undefined && kept.detector === detector ? kept.value : whole;
    });
  }

  /**
   * Restores every string of a parsed answer in place (objects and arrays keep their identity and
   * prototype: a provider SDK's answer stays what it was), and answers it.
   */
  restoreDeep<T>(value: T): T {
    if (this.#personal.size === 0) return value;
    const visit = (item: unknown, depth: number): unknown => {
      if (typeof item === "string") return this.restore(item);
      if (item === null || typeof item !== "object" || depth > 64) return item;
      const record = item as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const before = record[key];
        const after = visit(before, depth + 1);
        if (after !== before) record[key] = after;
      }
      return item;
    };
    return visit(value, 0) as T;
  }
}

/**
 * Restores placeholders in text that arrives in pieces (a streamed answer): a piece that ends with
 * what may be the start of a placeholder keeps that end back until the next piece says, so a placeholder
 * split across two pieces is still restored. `end()` gives back what is held.
 */
export class StreamRestorer {
  #held = "";
  constructor(private readonly vault: PlaceholderVault) {}

  push(piece: string): string {
    if (!this.vault.restores) return piece;
    const text = this.#held + piece;
    const cut = heldFrom(text);
    this.#held = text.slice(cut);
    return this.vault.restore(text.slice(0, cut));
  }

  /** Whether text is held back. */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  end(): string {
    const rest = this.#held;
    this.#held = "";
    return this.vault.restore(rest);
  }
}

/** Where the possible start of a placeholder at the end of `text` begins (text.length when there is none). */
function heldFrom(text: string): number {
  const from = Math.max(0, text.length - LONGEST_PLACEHOLDER);
  for (let at = text.lastIndexOf("[", text.length - 1); at >= from; at = at > 0 ? text.lastIndexOf("[", at - 1) : -1) {
    const tail = text.slice(at);
    if (tail.includes("]")) continue;
    if (
      tail.length <= RESTORABLE_START.length
        ? RESTORABLE_START.startsWith(tail)
        : tail.startsWith(RESTORABLE_START) && /^[a-z0-9_]{0,64}(?:#[0-9a-f]{0,8})?$/.test(tail.slice(RESTORABLE_START.length))
    ) {
      return at;
    }
  }
  return text.length;
}

/**
 * `value` as it may leave for the provider under the decision's content rules: what a class set to
 * `redact` finds is replaced by the vault's placeholders; `flag` and `off` leave it. `denied` lists what
 * a class set to `deny` found (the decision refuses such a call; a caller that finds one anyway refuses
 * it too, and sends nothing). `org`: the org's own detectors, as for `findInValue`.
 */
export function redactForProvider<T>(
  value: T,
  root: ReadonlyArray<string | number>,
  actions: ContentActions,
  vault: PlaceholderVault,
  org?: OrgDetectorScan,
): { value: T; denied: LocalFinding[] } {
  const withOrg = org ? { org } : {};
  const screened = screenContent(value, root, { actions, tag: () => "", placeholder: (kind, detector, found) => vault.placeholder(kind, detector, found), ...withOrg });
  if (!screened.denied) return { value: screened.value, denied: [] };
  // The findings list stops at 100: what the denying classes found is looked for on its own, so it is named.
  const denying: ContentActions = {
    secrets: actions.secrets === "deny" ? "deny" : "off",
    personalData: actions.personalData === "deny" ? "deny" : "off",
    ...(actions.minConfidence ? { minConfidence: actions.minConfidence } : {}),
  };
  const denied = screenContent(value, root, { actions: denying, tag: () => "", ...withOrg }).findings.map((f) => ({
    detector: f.detector,
    class: f.class,
    path: sendablePath(f.path),
  }));
  return { value: screened.value, denied };
}

/** What an answer is looked at for: the content classes (by the call's rules, `off` not looked for) and the instruction heuristic. */
export interface AnswerScreen {
  secrets: boolean;
  personalData: boolean;
  instructions: boolean;
}

/**
 * What a model's answer (or a tool's result) holds, at `root`: secrets and personal data by the same
 * detectors, and phrases that read as instructions aimed at the agent (a heuristic). Nothing is changed:
 * the findings are recorded on the call's outcome. At most 100. `org`: the org's own detectors, as for `findInValue`.
 */
export function screenAnswer(value: unknown, root: ReadonlyArray<string | number>, screen: AnswerScreen, org?: OrgDetectorScan): LocalFinding[] {
  const actions: Record<ContentClass, ContentAction> = { secrets: screen.secrets ? "flag" : "off", personalData: screen.personalData ? "flag" : "off" };
  const found: LocalFinding[] = screenContent(value, root, { actions, tag: () => "", ...(org ? { org } : {}) }).findings.map((f) => ({
    detector: f.detector,
    class: f.class,
    path: sendablePath(f.path),
  }));
  if (!screen.instructions) return found;
  const visit = (item: unknown, path: Array<string | number>, depth: number): void => {
    if (found.length >= MAX_FINDINGS) return;
    if (typeof item === "string") {
      for (const finding of findInstructions(item)) {
        if (found.length >= MAX_FINDINGS) return;
        found.push({ detector: finding.detector, class: "instructions", path: sendablePath(formatIssuePath(path)) });
      }
      return;
    }
    if (item === null || typeof item !== "object" || depth > 64) return;
    if (Array.isArray(item)) item.forEach((element, i) => visit(element, [...path, i], depth + 1));
    else for (const [key, element] of Object.entries(item)) visit(element, [...path, key], depth + 1);
  };
  visit(value, [...root], 0);
  return found;
}

const JUDGED: Record<ContentAction, ContentFinding["action"] | null> = { deny: "denied", redact: "redacted", flag: "flagged", off: null };

/**
 * The server's judgement of what a caller's screen found (docs/guardrails.md): each finding takes the
 * action its class has in the call's content rules — on a decision (`prompt`), `deny` refuses the call
 * and `redact` tells the caller to rewrite before sending; in an outcome (`answer`), nothing can be
 * unsent, so every finding is recorded as flagged. A class set to `off` is not recorded. Instruction
 * findings are always flagged (a heuristic refuses nothing).
 */
export function judgeLocalFindings(found: readonly LocalFinding[], actions: ContentActions, where: "prompt" | "answer"): { findings: ContentFinding[]; denied: boolean } {
  const findings: ContentFinding[] = [];
  let denied = false;
  for (const finding of found) {
    const ruled = finding.class === "instructions" ? "flagged" : JUDGED[actions[finding.class]];
    // A finding below the call's minimum confidence is kept: flagged, never redacted or refused.
    const action = ruled !== null && belowConfidence(finding.detector, actions.minConfidence) ? "flagged" : ruled;
    if (action === null) continue;
    if (action === "denied" && where === "prompt") denied = true;
    if (findings.length < MAX_FINDINGS) findings.push({ ...finding, action: where === "answer" ? "flagged" : action, ...confidenceField(finding.detector) });
  }
  return { findings, denied };
}

/** What a model reads in place of a tool's result that holds what the org's rules refuse (a class set to `deny`). */
export const WITHHELD_TOOL_RESULT = "[Gatehouse withheld this tool result: it holds a secret or personal data the org's content rules keep from the model]";

/**
 * A tool's result as the model may read it (docs/guardrails.md, What the model reads): what it holds is
 * judged by the rules of what enters the model's context — the call's prompt rules, `actions` — before the
 * model reads it. `redact` replaces a value by its placeholder (nothing is restored: the model never saw
 * it), `deny` withholds the whole result (`withheld`, the value WITHHELD_TOOL_RESULT), `flag` and `off`
 * leave it. `found` lists every finding, phrases aimed at the agent included (the instruction heuristic,
 * which only ever flags), for the call's outcome. `org`: the org's own detectors, as for `findInValue`.
 */
export function screenToolResult<T>(
  value: T,
  actions: Record<ContentClass, ContentAction>,
  randomTag: () => string,
  org?: OrgDetectorScan,
): { value: T | string; withheld: boolean; found: LocalFinding[] } {
  const root = ["toolResult"];
  const found = screenAnswer(value, root, { secrets: actions.secrets !== "off", personalData: actions.personalData !== "off", instructions: true }, org);
  if (!found.some((finding) => finding.class !== "instructions")) return { value, withheld: false, found };
  const redacted = redactForProvider(value, root, actions, new PlaceholderVault(randomTag, { restore: false }), org);
  if (redacted.denied.length > 0) return { value: WITHHELD_TOOL_RESULT, withheld: true, found };
  return { value: redacted.value, withheld: false, found };
}
