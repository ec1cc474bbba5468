/**
 * Policy files as the CLI reads and writes them: JSON or YAML, `{ policies: [...], tests: [...] }` or
 * a bare list of policies. The text is read and written by core's policy source code, the parser and
 * formatter the console's editor and publishing use, so a file has the same key order and style
 * wherever it comes from; what is the CLI's own is the file's name and its bare-list form.
 */
import { formatPolicySource, readPolicySource, type PolicySourceFormat } from "@gatehouse/core";
import type { PolicyTestCase, StoredPolicy } from "@gatehouse/sdk";

export type PolicyFileFormat = PolicySourceFormat;

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

/** The file's format by its name: `.json` is JSON, `.yaml`/`.yml` YAML; undefined for any other name. */
function formatOfName(fileName: string): PolicyFileFormat | undefined {
  const lower = fileName.toLowerCase();
  return lower.endsWith(".json") ? "json" : /\.ya?ml$/.test(lower) ? "yaml" : undefined;
}

/**
 * Reads a policy file. `.json` is JSON, `.yaml`/`.yml` YAML; any other name is read as JSON when
 * it parses as JSON, else as YAML.
 */
export function readPolicyFile(fileName: string, text: string): PolicyFile {
  const format = formatOfName(fileName);
  const read = format === undefined ? readAsJsonElseYaml(text) : readPolicySource(text, format);
  if (!read.ok) {
    const [first] = read.issues;
    throw new PolicyFileError(first?.message ?? "not a policy file", first?.line, read.column);
  }
  return toPolicyFile(read.value, read.lineOf);
}

function readAsJsonElseYaml(text: string): ReturnType<typeof readPolicySource> {
  const asJson = readPolicySource(text, "json");
  return asJson.ok ? asJson : readPolicySource(text, "yaml");
}

/** YAML as core reads it, and the line (from 1) of each path in it; a {@link PolicyFileError} names the first error's line and column. */
export function parseYaml(text: string): { value: unknown; lineOf: (path: string) => number | undefined } {
  const read = readPolicySource(text, "yaml");
  if (!read.ok) throw new PolicyFileError(read.issues[0]?.message ?? "not valid YAML", read.issues[0]?.line, read.column);
  return { value: read.value, lineOf: read.lineOf };
}

function toPolicyFile(value: unknown, lineOf: (path: string) => number | undefined): PolicyFile {
  let policies: unknown[];
  let tests: unknown;
  let bareList = false;
  if (Array.isArray(value)) {
    policies = value;
    bareList = true;
  } else if (typeof value === "object" && value !== null && Array.isArray((value as { policies?: unknown }).policies)) {
    const extra = Object.keys(value).filter((key) => key !== "policies" && key !== "tests");
    if (extra.length > 0)
      throw new PolicyFileError(`unexpected top-level key "${extra[0]}": a policy file holds { policies: [...], tests: [...] } or a list`, lineOf(extra[0] ?? ""));
    policies = (value as { policies: unknown[] }).policies;
    tests = (value as { tests?: unknown }).tests;
  } else {
    throw new PolicyFileError("expected { policies: [...] } or a list of policies");
  }
  return {
    policies,
    ...(tests === undefined ? {} : { tests }),
    // A bare list is `policies` itself: the server's `policies[2].name` is the file's `[2].name`.
    lineOf: (issuePath) => lineOf(bareList ? issuePath.replace(/^policies(?=\[|$)/, "") : issuePath),
  };
}

const VERSION_KEYS = new Set(["version", "contentHash", "versionId", "updatedAt", "updatedBy", "decisions7d"]);

/**
 * The active policies (and the tests published with them) as a file that `policies apply` accepts and
 * finds unchanged: version fields dropped, then core's formatPolicySource, so the text is the one the
 * console's editor shows for the same set.
 */
export function formatPolicyFile(policies: readonly StoredPolicy[], format: PolicyFileFormat, tests: readonly PolicyTestCase[] = []): string {
  const documents = policies.map((policy) => Object.fromEntries(Object.entries(policy).filter(([key]) => !VERSION_KEYS.has(key))));
  return formatPolicySource({ policies: documents, tests }, format);
}
