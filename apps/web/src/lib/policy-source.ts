import { isMap, isSeq, parseDocument, stringify, YAMLSeq, type Document } from "yaml";

// Edits of a draft's source that the editor's form, "Add test" and the library make. The source is
// the author's text: YAML edits go through the YAML document so comments and the layout of what is
// not touched stay as written; JSON is re-printed with two-space indentation.

export type SourceFormat = "yaml" | "json";

/** The fields the editor's form edits, for one policy. */
export interface PolicyFormFields {
  name: string;
  effect: "allow" | "deny" | "require_approval";
  actions: string[];
  agents: string[];
  mode: "enforce" | "monitor";
}

export const EFFECTS = ["allow", "deny", "require_approval"] as const;
export const MODES = ["enforce", "monitor"] as const;

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

function yamlDocument(source: string): Document {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new SourceError("Fix the YAML errors first.");
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (!isMap(doc.contents)) throw new SourceError("The draft must be an object with policies and tests.");
  return doc;
}

function jsonObject(source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = source.trim() === "" ? {} : JSON.parse(source);
  } catch {
    throw new SourceError("Fix the JSON errors first.");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new SourceError("The draft must be an object with policies and tests.");
  return value as Record<string, unknown>;
}

/** The draft's content as a value (null when it does not parse). */
export function readSource(source: string, format: SourceFormat): Record<string, unknown> | null {
  try {
    if (format === "json") return jsonObject(source);
    return (yamlDocument(source).toJS() ?? {}) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Appends items to the top-level lists `policies` and `tests` (created when missing). */
export function appendToSource(source: string, format: SourceFormat, add: { policies?: readonly unknown[]; tests?: readonly unknown[] }): string {
  if (format === "json") {
    const value = jsonObject(source);
    for (const key of ["policies", "tests"] as const) {
      const items = add[key];
      if (!items || items.length === 0) continue;
      const current = value[key];
      value[key] = [...(Array.isArray(current) ? current : []), ...items];
    }
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  const doc = yamlDocument(source);
  for (const key of ["policies", "tests"] as const) {
    const items = add[key];
    if (!items || items.length === 0) continue;
    const found = doc.get(key, true);
    const seq = isSeq(found) ? found : new YAMLSeq();
    if (seq !== found) doc.set(key, seq);
    // `tests: []` grows into a block list, one item under the other.
    if (seq.items.length === 0) seq.flow = false;
    for (const item of items) seq.add(doc.createNode(item));
  }
  return doc.toString();
}

/** The form's fields of the policy at `index` (null when there is none or it does not parse). */
export function policyFields(source: string, format: SourceFormat, index: number): PolicyFormFields | null {
  const value = readSource(source, format);
  const policies = value?.policies;
  if (!Array.isArray(policies)) return null;
  const policy = policies[index] as Record<string, unknown> | undefined;
  if (!policy || typeof policy !== "object") return null;
  const strings = (v: unknown, fallback: string[]) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : fallback);
  return {
    name: typeof policy.name === "string" ? policy.name : "",
    effect: EFFECTS.find((e) => e === policy.effect) ?? "deny",
    actions: strings(policy.actions, []),
    agents: strings(policy.agents, ["*"]),
    mode: MODES.find((m) => m === policy.mode) ?? "enforce",
  };
}

/** The names of the source's policies in order ("policy 3" for one without a name); [] when it does not parse. */
export function policyNames(source: string, format: SourceFormat): string[] {
  const policies = readSource(source, format)?.policies;
  if (!Array.isArray(policies)) return [];
  return policies.map((p: unknown, i) => (p && typeof p === "object" && typeof (p as { name?: unknown }).name === "string" ? (p as { name: string }).name : `policy ${i + 1}`));
}

/**
 * Which policy the form edits, followed through edits of the source: by name while the source has a
 * policy of that name (a policy added or removed above it moves it), else at the index it had (renamed
 * in the source), never past the end. `name: null` is "+ New policy", the index after the last.
 */
export interface FormSelection {
  name: string | null;
  index: number;
}

export function selectedIndex(names: readonly string[], selection: FormSelection): number {
  if (selection.name === null) return names.length;
  const found = names.indexOf(selection.name);
  return found >= 0 ? found : Math.min(selection.index, names.length);
}

/** Writes the form's fields into the policy at `index` (index = the current count: a new policy). */
export function setPolicyFields(source: string, format: SourceFormat, index: number, fields: PolicyFormFields): string {
  const patch = { name: fields.name, effect: fields.effect, actions: fields.actions, agents: fields.agents, mode: fields.mode };
  if (format === "json") {
    const value = jsonObject(source);
    const policies = Array.isArray(value.policies) ? [...(value.policies as unknown[])] : [];
    const current = policies[index];
    policies[index] = { ...(current && typeof current === "object" ? current : {}), ...patch };
    value.policies = policies;
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  const doc = yamlDocument(source);
  const seq = doc.get("policies", true);
  const item = isSeq(seq) ? seq.items[index] : undefined;
  if (!isSeq(seq) || !isMap(item)) return appendToSource(source, format, { policies: [patch] });
  for (const [key, value] of Object.entries(patch)) {
    const node = doc.createNode(value);
    // A list written inline (`actions: ["pr.*"]`) stays inline.
    const before = item.get(key, true);
    if (isSeq(node) && isSeq(before) && before.flow) node.flow = true;
    item.set(key, node);
  }
  return doc.toString();
}

/** The same content in the other format (comments in YAML are lost on the way to JSON). */
export function convertSource(source: string, from: SourceFormat, to: SourceFormat): string {
  if (from === to) return source;
  const value = from === "json" ? jsonObject(source) : ((yamlDocument(source).toJS() ?? {}) as unknown);
  return to === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}

/** A policy document as the YAML the version diff compares. */
export function documentYaml(document: unknown): string {
  return stringify(document, { sortMapEntries: false });
}

/** Comma- or space-separated patterns as a list. */
export function patternList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
