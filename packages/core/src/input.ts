import { z } from "zod";

/**
 * What Gatehouse accepts from callers, whatever the route: text PostgreSQL can store and the audit
 * log can hash exactly as it was sent, and JSON values bounded in depth and size. PostgreSQL's text
 * and jsonb cannot hold NUL (U+0000), and an unpaired UTF-16 surrogate does not survive the trip to
 * UTF-8 (it is replaced), so the stored row and the hashed entry would no longer agree: both are
 * refused at the edge with a 400 naming the field. The walks here are iterative, so no input can
 * exhaust the stack.
 */

/** How deep a free JSON value (action metadata, a condition's value) may nest: `{"a":{"b":1}}` is 2. */
export const MAX_JSON_DEPTH = 32;
/** How many values (objects, arrays, strings, numbers…) a free JSON value may hold. */
export const MAX_JSON_NODES = 10_000;
/** How deep a whole request part (a body, a query) may nest: above every schema's own limits, far below what a recursive walk survives. */
export const MAX_REQUEST_DEPTH = 64;

export const UNSAFE_TEXT_MESSAGE = "must not contain NUL characters (U+0000) or unpaired UTF-16 surrogates";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any NUL or surrogate at all: one quick scan, so most text never meets the exact check. */
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/** String.prototype.isWellFormed (ES2024: Node 20, current browsers): every surrogate paired, checked natively. */
type WellFormed = string & { isWellFormed?: () => boolean };

/**
 * Text PostgreSQL can store and RFC 8785 canonicalization can hash byte for byte: no NUL, every surrogate
 * paired. Natively where the runtime can (a megabyte of text in microseconds, not a regular expression's milliseconds).
 */
export function isSafeText(value: string): boolean {
  if (value.includes("\u0000")) return false;
  const wellFormed = (value as WellFormed).isWellFormed;
  if (typeof wellFormed === "function") return wellFormed.call(value);
  return !SUSPECT.test(value) || !LONE_SURROGATE.test(value);
}

export interface InputIssue {
  path: PropertyKey[];
  message: string;
}

export interface InspectOptions {
  /** Levels of objects and arrays allowed (the value itself is level 1 when it is an object or array). */
  maxDepth?: number;
  /** Values allowed in all; unbounded when left out. */
  maxNodes?: number;
  /** Only plain JSON: null, booleans, finite numbers, strings, arrays and plain objects. */
  jsonOnly?: boolean;
}

// Containers wait on an explicit stack; each remembers its parent and key, so a path is built only
// for the one issue reported. Scalars are checked where they are met, without a frame. The helpers
// are module functions over one walk's state (this runs on every request part: no closures per call).
interface Frame {
  item: object;
  parent: Frame | null;
  key: PropertyKey;
  depth: number;
}

interface Walk {
  stack: Frame[];
  nodes: number;
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly jsonOnly: boolean;
}

function pathOf(frame: Frame | null, last?: PropertyKey): PropertyKey[] {
  const path: PropertyKey[] = last === undefined ? [] : [last];
  for (let at = frame; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** The issue with a scalar (or null when it is fine); a container is pushed on the walk's stack. */
function visit(walk: Walk, item: unknown, parent: Frame | null, key: PropertyKey, depth: number): InputIssue | null {
  walk.nodes += 1;
  if (walk.nodes > walk.maxNodes) return { path: [], message: `holds more than ${walk.maxNodes} values` };
  switch (typeof item) {
    case "string":
      return isSafeText(item) ? null : { path: parent ? pathOf(parent, key) : [], message: UNSAFE_TEXT_MESSAGE };
    case "boolean":
      return null;
    case "number":
      return !walk.jsonOnly || Number.isFinite(item) ? null : { path: parent ? pathOf(parent, key) : [], message: "must be a finite number" };
    case "object": {
      if (item === null) return null;
      const frame: Frame = { item, parent, key, depth };
      if (depth > walk.maxDepth) return { path: pathOf(frame), message: `nests deeper than ${walk.maxDepth} levels` };
      if (walk.jsonOnly && !Array.isArray(item)) {
        const proto = Object.getPrototypeOf(item) as unknown;
        if (proto !== Object.prototype && proto !== null) return { path: pathOf(frame), message: "must be a JSON value" };
      }
      walk.stack.push(frame);
      return null;
    }
    default:
      return walk.jsonOnly ? { path: parent ? pathOf(parent, key) : [], message: "must be a JSON value" } : null;
  }
}

/**
 * The first thing in `value` the edge refuses, found without recursion: an unsafe string or key, a
 * nesting deeper than `maxDepth`, more than `maxNodes` values, or (with `jsonOnly`) a non-JSON value.
 * A bad key is reported at the object holding it. Null when the value is acceptable.
 */
export function inspectInput(value: unknown, options: InspectOptions = {}): InputIssue | null {
  const walk: Walk = {
    stack: [],
    nodes: 0,
    maxDepth: options.maxDepth ?? MAX_JSON_DEPTH,
    maxNodes: options.maxNodes ?? Number.POSITIVE_INFINITY,
    jsonOnly: options.jsonOnly === true,
  };
  const top = visit(walk, value, null, "", 1);
  if (top) return top;
  const { stack } = walk;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { item, depth } = frame;
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i += 1) {
        const issue = visit(walk, item[i] as unknown, frame, i, depth + 1);
        if (issue) return issue;
      }
      continue;
    }
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!isSafeText(key)) return { path: pathOf(frame), message: `has a key that ${UNSAFE_TEXT_MESSAGE}` };
      const issue = visit(walk, record[key], frame, key, depth + 1);
      if (issue) return issue;
    }
  }
  return null;
}

/** A string the edge accepts: add `.min()`, `.max()`, `.regex()` as usual. */
export const safeString = () => z.string().refine(isSafeText, UNSAFE_TEXT_MESSAGE);

/**
 * A free JSON value a caller sends (a condition's `value`, a metadata entry): JSON only, at most
 * `maxDepth` levels and `maxNodes` values, every string and key safe text.
 */
export const jsonValue = (options: { maxDepth?: number; maxNodes?: number } = {}) =>
  z.unknown().superRefine((value, ctx) => {
    const issue = inspectInput(value, { maxDepth: options.maxDepth ?? MAX_JSON_DEPTH, maxNodes: options.maxNodes ?? MAX_JSON_NODES, jsonOnly: true });
    if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
  });

/**
 * A free JSON object a caller sends (action `metadata`): keys are safe text of at most `maxKeyLength`
 * characters; the whole object nests at most `maxDepth` levels (itself included) and holds at most
 * `maxNodes` values.
 */
export const jsonRecord = (options: { maxKeyLength?: number; maxDepth?: number; maxNodes?: number } = {}) =>
  z.record(safeString().max(options.maxKeyLength ?? 200), z.unknown()).superRefine((value, ctx) => {
    const issue = inspectInput(value, { maxDepth: options.maxDepth ?? MAX_JSON_DEPTH, maxNodes: options.maxNodes ?? MAX_JSON_NODES, jsonOnly: true });
    if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
  });
