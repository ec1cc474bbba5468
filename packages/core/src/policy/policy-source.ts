import { Document, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from "yaml";
import { isDomainError, type FieldIssue } from "../errors";
import { lineOfOffset, POLICY_SOURCE_LIMITS, scanJsonText, scanYamlText } from "../limits/text-limits";
import { parsePolicySet, type PolicyDocument } from "./document";
import { parsePolicyTests, type PolicyTestCase } from "./policy-tests";

/**
 * A policy set as people write it (the console's editor, a draft, a file): YAML or JSON text of
 * `{ policies: [...], tests?: [...] }`. One parser for all of them, so an error names the same path
 * and line wherever it is shown.
 */
export type PolicySourceFormat = "yaml" | "json";
export const POLICY_SOURCE_FORMATS = ["yaml", "json"] as const;

/** A draft's source is at most 1 MB (UTF-8 bytes). */
export const MAX_POLICY_SOURCE_BYTES = 1024 * 1024;

/** A validation issue with the 1-based line of `source` its path points at (or its nearest ancestor's). */
export interface SourceIssue extends FieldIssue {
  line?: number;
}

export type ParsedPolicySource =
  | {
      ok: true;
      input: { policies: unknown; tests?: unknown };
      set: PolicyDocument[];
      tests: PolicyTestCase[];
      /** The source line of an issue path found later (a failing test: `tests[3]`). */
      lineOf: (path: string) => number | undefined;
    }
  | { ok: false; issues: SourceIssue[] };

/** Splits an issue path (`policies[2].when.all[0]`) into keys and indexes. */
export function issuePathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(match[2] !== undefined ? Number(match[2]) : (match[1] as string));
  return out;
}

type Located = { contents: unknown; lineCounter: LineCounter };

/** The line of the node `path` names, or of its deepest ancestor present in the document (a missing field: its object). */
function lineOf(located: Located, path: string): number {
  const at = (node: unknown): number | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? located.lineCounter.linePos(range[0]).line : undefined;
  };
  let node = located.contents;
  let line = at(node) ?? 1;
  for (const segment of issuePathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) break;
      line = at(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      line = at(item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

function readYaml(source: string): { value: unknown; located: Located } | { issues: SourceIssue[]; column?: number } {
  const lineCounter = new LineCounter();
  // maxAliasCount bounds alias expansion (a "billion laughs" document is an error, not a hang).
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.slice(0, 20).map((e) => ({ path: "", message: `not valid YAML: ${e.message}`, line: lineCounter.linePos(e.pos[0]).line }));
    return { issues, column: lineCounter.linePos(document.errors[0]?.pos[0] ?? 0).col };
  }
  try {
    return { value: document.toJS({ maxAliasCount: 100 }), located: { contents: document.contents, lineCounter } };
  } catch (error) {
    return { issues: [{ path: "", message: `not valid YAML: ${(error as Error).message}`, line: 1 }] };
  }
}

/**
 * Where JSON text first goes wrong (its offset; the length when it ends too soon; -1 when it is
 * valid): JSON.parse does not say on every Node version. A scanner with an explicit stack, so deep
 * nesting cannot exhaust the call stack.
 */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const stack: string[] = [];
  const ws = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
  };
  const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
  const string = (): boolean => {
    i++;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c === 92) {
        ESCAPE.lastIndex = i;
        const escape = ESCAPE.exec(s);
        if (!escape) return false;
        i += escape[0].length;
        continue;
      }
      if (c < 32) return false;
      i++;
    }
    return false;
  };
  let state: "value" | "firstValue" | "key" | "firstKey" | "after" = "value";
  for (;;) {
    ws();
    if (state === "value" || state === "firstValue") {
      if (state === "firstValue" && s[i] === "]") {
        i++;
        stack.pop();
        state = "after";
        continue;
      }
      const c = s[i];
      if (c === "{" || c === "[") {
        stack.push(c === "{" ? "}" : "]");
        i++;
        state = c === "{" ? "firstKey" : "firstValue";
        continue;
      }
      if (c === '"') {
        if (!string()) return i;
      } else {
        LITERAL.lastIndex = i;
        const literal = LITERAL.exec(s);
        if (!literal) return i;
        i += literal[0].length;
      }
      state = "after";
      continue;
    }
    if (state === "key" || state === "firstKey") {
      if (state === "firstKey" && s[i] === "}") {
        i++;
        stack.pop();
        state = "after";
        continue;
      }
      if (s[i] !== '"' || !string()) return i;
      ws();
      if (s[i] !== ":") return i;
      i++;
      state = "value";
      continue;
    }
    const close = stack[stack.length - 1];
    if (close === undefined) return i < s.length ? i : -1;
    if (s[i] === ",") {
      i++;
      state = close === "}" ? "key" : "value";
    } else if (s[i] === close) {
      i++;
      stack.pop();
    } else return i;
  }
}

/** The 1-based line of an offset. */
function lineAt(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function readJson(source: string): { value: unknown; located: Located | undefined } | { issues: SourceIssue[]; column?: undefined } {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const offset = jsonErrorOffset(source);
    return { issues: [{ path: "", message: `not valid JSON: ${(error as Error).message.split("\n")[0]}`, line: lineAt(source, offset < 0 ? 0 : offset) }] };
  }
  // JSON is YAML's flow style: the YAML reader knows on which line each node starts.
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  return { value, located: document.errors.length === 0 ? { contents: document.contents, lineCounter } : undefined };
}

/**
 * The first of POLICY_SOURCE_LIMITS (depth, values, keys per mapping, string length, anchors and
 * aliases) the text breaks, as an issue at `source` with its line; null when it keeps to them. A
 * linear count before any parser sees the text: deep nesting crashes the YAML reader, many keys in
 * one mapping make its duplicate-key check quadratic. Syntax is not checked (a draft may be invalid).
 */
export function policySourceLimitIssue(source: string, format: PolicySourceFormat): SourceIssue | null {
  const over = format === "yaml" ? scanYamlText(source, POLICY_SOURCE_LIMITS) : scanJsonText(source, POLICY_SOURCE_LIMITS);
  return over ? { path: "source", message: over.message, line: lineOfOffset(source, over.offset) } : null;
}

/** Source text read, not yet checked as a policy set: its value and the line of each path in it. */
export type ReadPolicySource =
  | { ok: true; value: unknown; lineOf: (path: string) => number | undefined }
  /** The text breaks a limit or is not valid YAML or JSON; `column` (from 1) of the first YAML syntax error. */
  | { ok: false; issues: SourceIssue[]; column?: number };

/**
 * Reads YAML or JSON text within POLICY_SOURCE_LIMITS, and knows the line of each path in it
 * (`policies[2].when.all[0]`: the line of that key or item, else of its nearest ancestor). What
 * {@link parsePolicySource} and the CLI's policy files start from; the value's shape is not checked.
 */
export function readPolicySource(source: string, format: PolicySourceFormat): ReadPolicySource {
  const over = policySourceLimitIssue(source, format);
  if (over) return { ok: false, issues: [over] };
  const read = format === "yaml" ? readYaml(source) : readJson(source);
  if ("issues" in read) return { ok: false, issues: read.issues, ...(read.column === undefined ? {} : { column: read.column }) };
  const { value, located } = read;
  return { ok: true, value, lineOf: (path) => (located ? lineOf(located, path) : undefined) };
}

/**
 * Parses YAML or JSON text into a policy set and its tests (the same checks as `PUT
 * /v1/admin/policies`: parsePolicySet and parsePolicyTests). Never throws for bad input: issues name
 * the field path and the source line (syntax errors: the line of the error).
 */
export function parsePolicySource(source: string, format: PolicySourceFormat): ParsedPolicySource {
  if (source.length > MAX_POLICY_SOURCE_BYTES || new TextEncoder().encode(source).length > MAX_POLICY_SOURCE_BYTES) {
    return { ok: false, issues: [{ path: "source", message: `must be at most ${MAX_POLICY_SOURCE_BYTES} bytes`, line: 1 }] };
  }
  const read = readPolicySource(source, format);
  if (!read.ok) return { ok: false, issues: read.issues };
  const { value } = read;
  const withLine = (issues: FieldIssue[]): SourceIssue[] =>
    issues.map((issue) => {
      const line = read.lineOf(issue.path);
      return line === undefined ? { ...issue } : { ...issue, line };
    });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, issues: withLine([{ path: "", message: "must be an object: { policies: [...], tests: [...] }" }]) };
  }
  const { tests, ...rest } = value as Record<string, unknown>;
  const input = { ...rest, policies: rest.policies, ...(tests !== undefined ? { tests } : {}) };
  const issues: FieldIssue[] = [];
  const collect = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!isDomainError(error) || error.code !== "VALIDATION") throw error;
      issues.push(...((error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [{ path: "", message: error.message }]));
      return undefined;
    }
  };
  // The set without `tests` (parsePolicyTests reads those), so both report their issues at once.
  const set = collect(() => parsePolicySet(rest));
  const parsedTests = collect(() => parsePolicyTests({ tests }));
  if (issues.length > 0 || !set || !parsedTests) return { ok: false, issues: withLine(issues) };
  return {
    ok: true,
    input: input as { policies: unknown; tests?: unknown },
    set,
    tests: parsedTests,
    lineOf: read.lineOf,
  };
}

const POLICY_KEYS = ["name", "description", "actions", "agents", "when", "effect", "approval", "mode"];
const APPROVAL_KEYS = ["quorum", "timeoutSeconds", "approverRoles", "approvers", "excludeAgentOwner"];
const CONDITION_KEYS = ["field", "op", "value", "all", "any", "not", "rate"];
const RATE_KEYS = ["over", "windowSeconds", "per"];
const TEST_KEYS = ["name", "request", "expect"];
const TEST_REQUEST_KEYS = ["actionType", "agent", "agentLabels", "metadata", "dataAccessed"];

/** The keys of `order` first, in that order, then the others as they were. */
function ordered(value: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const known = order.filter((key) => Object.hasOwn(value, key));
  const rest = Object.keys(value).filter((key) => !order.includes(key));
  return Object.fromEntries([...known, ...rest].map((key) => [key, value[key]]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function orderCondition(condition: Record<string, unknown>): Record<string, unknown> {
  const out = ordered(condition, CONDITION_KEYS);
  for (const key of ["all", "any"]) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((item) => (isRecord(item) ? orderCondition(item) : item));
  }
  if (isRecord(out.not)) out.not = orderCondition(out.not);
  if (isRecord(out.rate)) out.rate = ordered(out.rate, RATE_KEYS);
  return out;
}

/** A policy document with its keys, and those of its condition and approval, in the order people write them (stored documents come back reordered). */
export function orderPolicyKeys(document: Record<string, unknown>): Record<string, unknown> {
  const out = ordered(document, POLICY_KEYS);
  if (isRecord(out.when)) out.when = orderCondition(out.when);
  if (isRecord(out.approval)) out.approval = ordered(out.approval, APPROVAL_KEYS);
  return out;
}

function orderTestKeys(test: Record<string, unknown>): Record<string, unknown> {
  const out = ordered(test, TEST_KEYS);
  if (isRecord(out.request)) out.request = ordered(out.request, TEST_REQUEST_KEYS);
  return out;
}

/** Flow style is kept for small mappings such as a condition `{ field, op, value }`. */
const MAX_FLOW_MAPPING_ENTRIES = 3;

/**
 * YAML in block style, with lists of scalars and small mappings of those in flow style, and
 * strings quoted wherever a YAML 1.1 reader would take them for something else (`yes`, `2024-01-01`).
 */
export function stringifyPolicyYaml(value: unknown): string {
  const document = new Document(value, { compat: "yaml-1.1" });
  const flowable = (node: unknown): boolean => {
    if (!isCollection(node)) return true;
    if (isSeq(node)) return node.items.every((item) => !isCollection(item));
    return node.items.length <= MAX_FLOW_MAPPING_ENTRIES && node.items.every((pair) => isPair(pair) && flowable(pair.value));
  };
  visit(document, {
    Collection(_key, node, path) {
      if (path.length > 1 && flowable(node)) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 100 });
}

/**
 * A set as source text: what the editor shows (an org's active set when it has no draft), what
 * `gatehouse policies export` prints and what a library template is printed as. Keys in the order
 * people write them, small lists and conditions in flow style; parsing it back gives the same set.
 */
export function formatPolicySource(set: { policies: readonly object[]; tests?: readonly object[] }, format: PolicySourceFormat): string {
  const value = {
    policies: set.policies.map((p) => orderPolicyKeys(p as Record<string, unknown>)),
    ...(set.tests && set.tests.length > 0 ? { tests: set.tests.map((t) => orderTestKeys(t as Record<string, unknown>)) } : {}),
  };
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringifyPolicyYaml(value);
}
