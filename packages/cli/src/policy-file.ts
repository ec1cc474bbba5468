/** Policy files as the CLI reads and writes them: JSON or YAML, `{ policies: [...], tests: [...] }` or a bare list of policies. */
import { lineOfOffset, POLICY_SOURCE_LIMITS, scanJsonText, scanYamlText } from "@gatehouse/core";
import type { PolicyTestCase, StoredPolicy } from "@gatehouse/sdk";
import { Document, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from "yaml";

export type PolicyFileFormat = "json" | "yaml";

/** A policy file's content, and where in the file each path the server may complain about is. */
export interface PolicyFile {
  policies: unknown[];
  /** The tests that travel with the policies; absent when the file has none. */
  tests?: unknown;
  /** The line of the node an API issue path (`policies[2].when.all[0].op`) points at, or of its nearest ancestor. */
  lineOf(issuePath: string): number | undefined;
}

/** The file's content is not a policy set (bad JSON or YAML, or the wrong shape). `line` and `column` (from 1) when known. */
export class PolicyFileError extends Error {
  override readonly name = "PolicyFileError";
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, line?: number, column?: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

/**
 * Reads a policy file. `.json` is JSON, `.yaml`/`.yml` YAML; any other name is read as JSON when
 * it parses as JSON, else as YAML.
 */
export function readPolicyFile(fileName: string, text: string): PolicyFile {
  const lower = fileName.toLowerCase();
  const kind: PolicyFileFormat | undefined = lower.endsWith(".json") ? "json" : /\.ya?ml$/.test(lower) ? "yaml" : undefined;
  // The server's source limits, counted before any parser sees the text (YAML counts JSON too: it is YAML's flow style).
  const over = kind === "json" ? scanJsonText(text, POLICY_SOURCE_LIMITS) : scanYamlText(text, POLICY_SOURCE_LIMITS);
  if (over) throw new PolicyFileError(over.message, lineOfOffset(text, over.offset));
  let value: unknown;
  let lines: Map<string, number> | undefined;
  if (kind !== "yaml") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (kind === "json") throw new PolicyFileError(`not valid JSON: ${(error as Error).message}`);
    }
    // JSON is YAML's flow style, so the YAML reader can say on which line each policy is.
    if (value !== undefined) lines = tryLines(text);
  }
  if (value === undefined) {
    const document = parseYaml(text);
    value = document.value;
    lines = document.lines;
  }
  return toPolicyFile(value, lines);
}

/**
 * Parses YAML (1.2, core schema; one document; no duplicate keys) and records the line (from 1)
 * of every mapping entry and sequence item, keyed by its path as the API writes it in validation
 * issues: `policies[2].when.all[0]`; the root is `""`. Throws a {@link PolicyFileError} naming the
 * line and column of the first error.
 */
export function parseYaml(text: string): { value: unknown; lines: Map<string, number> } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = document.errors;
  if (error !== undefined) {
    const at = lineCounter.linePos(error.pos[0]);
    throw new PolicyFileError(`not valid YAML: ${error.message}`, at.line, at.col);
  }
  const lines = new Map<string, number>();
  const lineOf = (node: { range?: readonly number[] | null | undefined } | null | undefined): number | undefined =>
    node?.range?.[0] === undefined ? undefined : lineCounter.linePos(node.range[0]).line;
  const walk = (node: unknown, path: string, line: number | undefined): void => {
    if (line !== undefined) lines.set(path, line);
    if (isSeq(node)) node.items.forEach((item, i) => walk(item, `${path}[${i}]`, lineOf(item as Node)));
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, path === "" ? key : `${path}.${key}`, lineOf(pair.key as Node));
      }
    }
  };
  walk(document.contents, "", lineOf(document.contents) ?? 1);
  return { value: document.toJS(), lines };
}

function tryLines(text: string): Map<string, number> | undefined {
  try {
    return parseYaml(text).lines;
  } catch {
    return undefined;
  }
}

function toPolicyFile(value: unknown, lines: Map<string, number> | undefined): PolicyFile {
  let policies: unknown[];
  let tests: unknown;
  let bareList = false;
  if (Array.isArray(value)) {
    policies = value;
    bareList = true;
  } else if (typeof value === "object" && value !== null && Array.isArray((value as { policies?: unknown }).policies)) {
    const extra = Object.keys(value).filter((key) => key !== "policies" && key !== "tests");
    if (extra.length > 0)
      throw new PolicyFileError(`unexpected top-level key "${extra[0]}": a policy file holds { policies: [...], tests: [...] } or a list`, lines?.get(extra[0] ?? ""));
    policies = (value as { policies: unknown[] }).policies;
    tests = (value as { tests?: unknown }).tests;
  } else {
    throw new PolicyFileError("expected { policies: [...] } or a list of policies");
  }
  return {
    policies,
    ...(tests === undefined ? {} : { tests }),
    lineOf(issuePath) {
      if (lines === undefined) return undefined;
      // A bare list is `policies` itself: the server's `policies[2].name` is the file's `[2].name`.
      let path = bareList ? issuePath.replace(/^policies(?=\[|$)/, "") : issuePath;
      for (;;) {
        const line = lines.get(path);
        if (line !== undefined || path === "") return line;
        path = path.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
      }
    },
  };
}

const POLICY_KEYS = ["name", "description", "actions", "agents", "when", "effect", "approval", "mode"];
const APPROVAL_KEYS = ["quorum", "timeoutSeconds", "approverRoles", "approvers", "excludeAgentOwner"];
const CONDITION_KEYS = ["field", "op", "value", "all", "any", "not", "rate"];
const RATE_KEYS = ["over", "windowSeconds", "per"];
const VERSION_KEYS = new Set(["version", "contentHash", "versionId", "updatedAt", "updatedBy", "decisions7d"]);
const TEST_KEYS = ["name", "request", "expect"];
const TEST_REQUEST_KEYS = ["actionType", "agent", "agentLabels", "metadata", "dataAccessed"];

/**
 * The active policies (and the tests published with them) as a file that `policies apply` accepts and
 * finds unchanged: version fields dropped, keys in the order people write them (the server stores
 * documents with keys reordered).
 */
export function formatPolicyFile(policies: readonly StoredPolicy[], format: PolicyFileFormat, tests: readonly PolicyTestCase[] = []): string {
  const documents = policies.map((policy) => {
    const document = Object.fromEntries(Object.entries(policy).filter(([key]) => !VERSION_KEYS.has(key)));
    return orderPolicy(document);
  });
  const file = tests.length === 0 ? { policies: documents } : { policies: documents, tests: tests.map(orderTest) };
  return format === "json" ? `${JSON.stringify(file, null, 2)}\n` : stringifyYaml(file);
}

/** Flow style is kept for small mappings such as a condition `{ field, op, value }`. */
const MAX_FLOW_MAPPING_ENTRIES = 3;

/**
 * YAML in block style, with lists of scalars and small mappings of those in flow style, and
 * strings quoted wherever a YAML 1.1 reader would take them for something else (`yes`, `2024-01-01`).
 */
export function stringifyYaml(value: unknown): string {
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

/** A policy document with its keys in the order people write them. */
export function orderPolicy(document: Record<string, unknown>): Record<string, unknown> {
  const out = ordered(document, POLICY_KEYS);
  if (isRecord(out.when)) out.when = orderCondition(out.when);
  if (isRecord(out.approval)) out.approval = ordered(out.approval, APPROVAL_KEYS);
  return out;
}

function orderTest(test: PolicyTestCase): Record<string, unknown> {
  const out = ordered(test as unknown as Record<string, unknown>, TEST_KEYS);
  if (isRecord(out.request)) out.request = ordered(out.request, TEST_REQUEST_KEYS);
  return out;
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

/** The keys of `order` first, in that order, then the others as they were. */
function ordered(value: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const known = order.filter((key) => Object.hasOwn(value, key));
  const rest = Object.keys(value).filter((key) => !order.includes(key));
  return Object.fromEntries([...known, ...rest].map((key) => [key, value[key]]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
