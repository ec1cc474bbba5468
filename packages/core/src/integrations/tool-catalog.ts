import { canonicalize } from "@gatehouse/tlog/portable";
import { sha256Hex } from "../audit/hashing";
import { screenAnswer, type LocalFinding } from "../content/model-traffic";

/**
 * Pinned tool definitions (issue 65, scope 4; OWASP's MCP Top 10 "tool poisoning", a "rug pull"): what an MCP
 * server offers is recorded the first time it is seen, each tool with a digest of what the model reads and how it
 * calls it, and a later list is compared with it. A tool whose definition changed is held until a person accepts
 * the difference. Pure: the gateway and the local proxy store the pins and decide what a change means (hidden, or
 * its calls held for approval).
 */

/** The parts of a tool's definition a client trusts once pinned: its name and these (`_meta` and icons are not pinned). */
export const PINNED_FIELDS = ["title", "description", "inputSchema", "outputSchema", "annotations"] as const;
export type PinnedField = (typeof PINNED_FIELDS)[number];

/** A tool as an MCP server lists it (`tools/list`), as parsed from JSON. */
export interface ListedTool {
  name: string;
  title?: unknown;
  description?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
  [other: string]: unknown;
}

/** One tool's pinned definition: the pinned fields it has, and the digest of them with its name. */
export interface PinnedTool {
  name: string;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of `{ name, ...definition }`. */
  digest: string;
  definition: Partial<Record<PinnedField, unknown>>;
}

/** A pinned catalogue: its tools by name order, and its digest (what the audit log records). */
export interface PinnedCatalog {
  tools: PinnedTool[];
  digest: string;
}

/** A list a catalogue cannot be pinned from: the same name twice (a client could not tell which one it calls), or a tool without a name. */
export class ToolListRefused extends Error {
  constructor(
    readonly reason: "duplicate_name" | "missing_name",
    readonly tool: string,
  ) {
    super(reason === "duplicate_name" ? `the server lists the tool '${tool}' more than once` : "the server lists a tool without a name");
    this.name = "ToolListRefused";
  }
}

/** One tool pinned: the fields of PINNED_FIELDS it has (absent and undefined are the same), digested with its name. */
export function pinTool(tool: ListedTool): PinnedTool {
  if (typeof tool.name !== "string" || tool.name.length === 0) throw new ToolListRefused("missing_name", "");
  const definition: Partial<Record<PinnedField, unknown>> = {};
  for (const field of PINNED_FIELDS) if (tool[field] !== undefined) definition[field] = tool[field];
  return { name: tool.name, digest: sha256Hex(canonicalize({ name: tool.name, ...definition })), definition };
}

/** A server's list pinned: every tool (refused when a name repeats), in name order, and the catalogue's digest over the names and digests. */
export function pinCatalog(tools: readonly ListedTool[]): PinnedCatalog {
  const pinned = tools.map(pinTool).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < pinned.length; i++) if (pinned[i]!.name === pinned[i - 1]!.name) throw new ToolListRefused("duplicate_name", pinned[i]!.name);
  return { tools: pinned, digest: catalogDigestOf(pinned) };
}

/** A catalogue's digest: over its tools' names and digests, in name order (what the audit log records). */
export function catalogDigestOf(tools: ReadonlyArray<Pick<PinnedTool, "name" | "digest">>): string {
  const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sha256Hex(canonicalize(sorted.map((t) => [t.name, t.digest])));
}

/** A tool whose definition differs from its pin: which fields changed, and both definitions (for a person to compare). */
export interface ChangedTool {
  name: string;
  fields: PinnedField[];
  before: PinnedTool;
  after: PinnedTool;
}

/** How a server's list differs from the catalogue pinned for it. */
export interface CatalogDifference {
  /** Tools the pin does not have (new since it was made). */
  added: PinnedTool[];
  /** Pinned tools the server no longer lists. */
  removed: PinnedTool[];
  changed: ChangedTool[];
  /** Names whose definition is the pinned one. */
  unchanged: string[];
}

/** The difference between a pinned catalogue and the one seen now; nothing differs exactly when their digests are equal. */
export function compareCatalogs(pinned: PinnedCatalog, seen: PinnedCatalog): CatalogDifference {
  const before = new Map(pinned.tools.map((t) => [t.name, t]));
  const after = new Map(seen.tools.map((t) => [t.name, t]));
  const difference: CatalogDifference = { added: [], removed: [], changed: [], unchanged: [] };
  for (const tool of seen.tools) {
    const was = before.get(tool.name);
    if (!was) difference.added.push(tool);
    else if (was.digest === tool.digest) difference.unchanged.push(tool.name);
    else {
      const fields = PINNED_FIELDS.filter((field) => canonicalOrAbsent(was.definition[field]) !== canonicalOrAbsent(tool.definition[field]));
      difference.changed.push({ name: tool.name, fields, before: was, after: tool });
    }
  }
  for (const tool of pinned.tools) if (!after.has(tool.name)) difference.removed.push(tool);
  return difference;
}

function canonicalOrAbsent(value: unknown): string {
  return value === undefined ? "" : canonicalize(value);
}

/**
 * What a tool's definition holds that the model should not be told by a server: phrases that read as instructions
 * aimed at the agent (the same heuristic table as a tool's result, docs/guardrails.md; a heuristic, never proof),
 * and secrets or personal data by the built-in detectors. Paths name the tool: `tools.<name>.description`.
 */
export function screenToolDefinition(tool: PinnedTool): LocalFinding[] {
  return screenAnswer(tool.definition, ["tools", tool.name], { secrets: true, personalData: true, instructions: true });
}
