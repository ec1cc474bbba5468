/**
 * RFC 8785 JSON Canonicalization Scheme. Object members are sorted by their names' UTF-16 code
 * units, numbers use the ECMAScript shortest round-trip form (what JSON.stringify prints), strings
 * use JSON.stringify's escaping, which is RFC 8785's. Non-finite numbers and non-JSON values throw,
 * so nothing is hashed that a verifier could not reproduce. The walk is iterative (an explicit stack,
 * no recursion), so no depth of nesting can exhaust the call stack; a cycle throws.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type Frame =
  | { kind: "array"; self: object; tracked: boolean; items: readonly unknown[]; index: number }
  | { kind: "object"; self: object; tracked: boolean; record: Record<string, unknown>; keys: string[]; index: number; wrote: boolean };

/**
 * Below this depth containers are not tracked: a cycle nests without end, so it always passes this
 * depth and then repeats a tracked container. Ordinary values never pay for the tracking.
 */
const TRACK_FROM_DEPTH = 256;

export function canonicalize(value: unknown): string {
  // Built by appending (no intermediate entry arrays): this runs for every decision's entry.
  let out = "";
  const stack: Frame[] = [];
  // The deep containers being written, to refuse a cycle (which would otherwise never end).
  const open = new Set<object>();
  let next: unknown = value;
  let pending = true;
  for (;;) {
    if (pending) {
      pending = false;
      const item = next;
      if (item === null) out += "null";
      else {
        switch (typeof item) {
          case "boolean":
            out += item ? "true" : "false";
            break;
          case "number":
            if (!Number.isFinite(item)) throw new TypeError("canonical JSON cannot hold a non-finite number");
            out += JSON.stringify(item);
            break;
          case "string":
            out += JSON.stringify(item);
            break;
          case "object": {
            const tracked = stack.length >= TRACK_FROM_DEPTH;
            if (tracked) {
              if (open.has(item)) throw new TypeError("canonical JSON cannot hold a cycle");
            }
            if (Array.isArray(item)) {
              out += "[";
              if (tracked) open.add(item);
              stack.push({ kind: "array", self: item, tracked, items: item as unknown[], index: 0 });
              break;
            }
            const proto = Object.getPrototypeOf(item) as unknown;
            if (proto !== Object.prototype && proto !== null) throw new TypeError("canonical JSON holds only plain objects (not Date, Map, class instances)");
            const record = item as Record<string, unknown>;
            out += "{";
            if (tracked) open.add(item);
            // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 asks.
            stack.push({ kind: "object", self: item, tracked, record, keys: Object.keys(record).sort(), index: 0, wrote: false });
            break;
          }
          default:
            throw new TypeError(`canonical JSON cannot hold a value of type ${typeof item}`);
        }
      }
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return out;
    if (top.kind === "array") {
      if (top.index < top.items.length) {
        const item = top.items[top.index];
        out += top.index === 0 ? "" : ",";
        top.index += 1;
        next = item === undefined ? null : item;
        pending = true;
        continue;
      }
      out += "]";
    } else {
      while (top.index < top.keys.length) {
        const key = top.keys[top.index] as string;
        top.index += 1;
        const member = top.record[key];
        if (member === undefined) continue;
        out += `${top.wrote ? "," : ""}${JSON.stringify(key)}:`;
        top.wrote = true;
        next = member;
        pending = true;
        break;
      }
      if (pending) continue;
      out += "}";
    }
    if (top.tracked) open.delete(top.self);
    stack.pop();
  }
}
