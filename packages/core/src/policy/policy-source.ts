import { Document, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from "yaml";
import { isDomainError, type FieldIssue } from "../errors";
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
  | { ok: true; input: { policies: unknown; tests?: unknown }; set: PolicyDocument[]; tests: PolicyTestCase[] }
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

function readYaml(source: string): { value: unknown; located: Located } | { issues: SourceIssue[] } {
  const lineCounter = new LineCounter();
  // maxAliasCount bounds alias expansion (a "billion laughs" document is an error, not a hang).
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return { issues: document.errors.slice(0, 20).map((e) => ({ path: "", message: `not valid YAML: ${e.message}`, line: lineCounter.linePos(e.pos[0]).line })) };
  }
  try {
    return { value: document.toJS({ maxAliasCount: 100 }), located: { contents: document.contents, lineCounter } };
  } catch (error) {
    return { issues: [{ path: "", message: `not valid YAML: ${(error as Error).message}`, line: 1 }] };
  }
}

/** The 1-based line of a JSON.parse error, from the position V8 names in its message. */
function jsonErrorLine(source: string, message: string): number {
  const lineCol = /line (\d+) column/.exec(message);
  if (lineCol) return Number(lineCol[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return source.slice(0, Number(position[1])).split("\n").length;
  return 1;
}

function readJson(source: string): { value: unknown; located: Located | undefined } | { issues: SourceIssue[] } {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const message = (error as Error).message;
    return { issues: [{ path: "", message: `not valid JSON: ${message}`, line: jsonErrorLine(source, message) }] };
  }
  // JSON is YAML's flow style: the YAML reader knows on which line each node starts.
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  return { value, located: document.errors.length === 0 ? { contents: document.contents, lineCounter } : undefined };
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
  const read = format === "yaml" ? readYaml(source) : readJson(source);
  if ("issues" in read) return { ok: false, issues: read.issues };
  const { value, located } = read;
  const withLine = (issues: FieldIssue[]): SourceIssue[] => issues.map((issue) => (located ? { ...issue, line: lineOf(located, issue.path) } : { ...issue }));
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
  return { ok: true, input: input as { policies: unknown; tests?: unknown }, set, tests: parsedTests };
}

const POLICY_KEYS = ["name", "description", "actions", "agents", "when", "effect", "approval", "mode"];
const TEST_KEYS = ["name", "request", "expect"];

function ordered(value: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const known = order.filter((key) => Object.hasOwn(value, key));
  const rest = Object.keys(value).filter((key) => !order.includes(key));
  return Object.fromEntries([...known, ...rest].map((key) => [key, value[key]]));
}

/**
 * A set as source text the editor shows (an org's active set when it has no draft): keys in the
 * order people write them, small lists in flow style. Parsing it back gives the same set.
 */
export function formatPolicySource(set: { policies: readonly object[]; tests?: readonly object[] }, format: PolicySourceFormat): string {
  const value = {
    policies: set.policies.map((p) => ordered(p as Record<string, unknown>, POLICY_KEYS)),
    ...(set.tests && set.tests.length > 0 ? { tests: set.tests.map((t) => ordered(t as Record<string, unknown>, TEST_KEYS)) } : {}),
  };
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  const document = new Document(value, { compat: "yaml-1.1" });
  visit(document, {
    Collection(_key, node, path) {
      if (path.length > 1 && isSeq(node) && node.items.every((item) => !isCollection(item))) node.flow = true;
      if (path.length > 1 && isMap(node) && node.items.length <= 3 && node.items.every((pair) => isPair(pair) && !isCollection(pair.value))) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 100 });
}
