/**
 * A decision's rewrites made on a copy of a call's metadata (docs/policies.md, Rewriting a call): the
 * server makes a policy's `redact` and `transform` with these (rewrite.ts), and the SDK and the adapters
 * make the changes a decision answers with the same code (bundled into the SDK, which imports no other
 * of core's code: this module imports nothing). Keys are own fields only: `__proto__` is a key like any
 * other, never the prototype.
 */
export type Json = unknown;
export type Container = Record<string, Json> | Json[];

export function isRecord(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function read(root: Json, at: ReadonlyArray<string | number>): { found: boolean; value: Json } {
  let value: Json = root;
  for (const key of at) {
    if (Array.isArray(value) && typeof key === "number" && key < value.length) value = value[key];
    else if (isRecord(value) && typeof key === "string" && Object.hasOwn(value, key)) value = value[key];
    else return { found: false, value: undefined };
  }
  return { found: true, value };
}

/** What holds the field `at` names, through own fields and existing elements only (with `create`, missing objects are made). */
function parentOf(root: Container, at: ReadonlyArray<string | number>, create: boolean): Container | null {
  let value: Json = root;
  for (const key of at.slice(0, -1)) {
    if (Array.isArray(value) && typeof key === "number" && key < value.length) value = value[key];
    else if (isRecord(value) && typeof key === "string") {
      if (!Object.hasOwn(value, key)) {
        // Never through what an object inherits: `__proto__` not there is not Object.prototype.
        if (!create) return null;
        Object.defineProperty(value, key, { value: {}, enumerable: true, writable: true, configurable: true });
      }
      value = value[key];
    } else return null;
  }
  return Array.isArray(value) || isRecord(value) ? value : null;
}

export function write(root: Container, at: ReadonlyArray<string | number>, value: Json): boolean {
  const parent = parentOf(root, at, true);
  const key = at[at.length - 1];
  if (parent === null || key === undefined) return false;
  if (Array.isArray(parent)) {
    // An element that is there: an index past the end would leave holes.
    if (typeof key !== "number" || key >= parent.length) return false;
    parent[key] = value;
  } else {
    // defineProperty: a key named __proto__ is an own field like any other, never the prototype.
    Object.defineProperty(parent, String(key), { value, enumerable: true, writable: true, configurable: true });
  }
  return true;
}

export function remove(root: Container, at: ReadonlyArray<string | number>): void {
  const parent = parentOf(root, at, false);
  const key = at[at.length - 1];
  if (parent === null || key === undefined) return;
  if (Array.isArray(parent)) {
    if (typeof key === "number" && key < parent.length) parent[key] = null;
  } else if (Object.hasOwn(parent, String(key))) delete parent[String(key)];
}

/**
 * Makes a decision's changes on the caller's side (the SDK and the adapters do the same): each field
 * removed or set, in order, on a copy. A path through something that is not there is skipped for a
 * removal and created (as objects) for a value, as the server made it.
 */
export function applyChanges(metadata: Record<string, unknown>, changes: ReadonlyArray<{ path: string; op: "remove" | "set"; value?: unknown }>): Record<string, unknown> {
  const out = structuredClone(metadata) as Record<string, Json>;
  for (const change of changes) {
    // A key of digits is an index where it meets an array, a key like any other where it meets an object.
    const at: Array<string | number> = [];
    let value: Json = out;
    for (const key of change.path.split(".").slice(1)) {
      const index = Array.isArray(value) && /^(0|[1-9][0-9]{0,8})$/.test(key) ? Number(key) : key;
      at.push(index);
      value = read(value, [index]).value;
    }
    if (change.op === "remove") remove(out, at);
    else write(out, at, change.value);
  }
  return out;
}
