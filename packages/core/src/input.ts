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

/** Text PostgreSQL can store and RFC 8785 canonicalization can hash byte for byte: no NUL, every surrogate paired. */
export function isSafeText(value: string): boolean {
  return !value.includes("\u0000") && !LONE_SURROGATE.test(value);
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

/**
 * The first thing in `value` the edge refuses, found without recursion: an unsafe string or key, a
 * nesting deeper than `maxDepth`, more than `maxNodes` values, or (with `jsonOnly`) a non-JSON value.
 * A bad key is reported at the object holding it. Null when the value is acceptable.
 */
export function inspectInput(value: unknown, options: InspectOptions = {}): InputIssue | null {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const maxNodes = options.maxNodes ?? Number.POSITIVE_INFINITY;
  // Each frame: the value, its path and its depth. Paths share no arrays, so building one is O(depth);
  // they are built only for containers, which the depth bound keeps short.
  const stack: Array<{ item: unknown; path: PropertyKey[]; depth: number }> = [{ item: value, path: [], depth: 1 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { item, path, depth } = stack.pop() as { item: unknown; path: PropertyKey[]; depth: number };
    nodes += 1;
    if (nodes > maxNodes) return { path: [], message: `holds more than ${maxNodes} values` };
    if (typeof item === "string") {
      if (!isSafeText(item)) return { path, message: UNSAFE_TEXT_MESSAGE };
      continue;
    }
    if (item === null || typeof item === "boolean") continue;
    if (typeof item === "number") {
      if (options.jsonOnly && !Number.isFinite(item)) return { path, message: "must be a finite number" };
      continue;
    }
    if (typeof item !== "object") {
      if (options.jsonOnly) return { path, message: "must be a JSON value" };
      continue;
    }
    if (depth > maxDepth) return { path, message: `nests deeper than ${maxDepth} levels` };
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i -= 1) stack.push({ item: item[i] as unknown, path: [...path, i], depth: depth + 1 });
      continue;
    }
    if (options.jsonOnly) {
      const proto = Object.getPrototypeOf(item) as unknown;
      if (proto !== Object.prototype && proto !== null) return { path, message: "must be a JSON value" };
    }
    const keys = Object.keys(item);
    for (let i = keys.length - 1; i >= 0; i -= 1) {
      const key = keys[i] as string;
      if (!isSafeText(key)) return { path, message: `has a key that ${UNSAFE_TEXT_MESSAGE}` };
      stack.push({ item: (item as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1 });
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
