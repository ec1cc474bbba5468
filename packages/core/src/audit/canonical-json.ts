/**
 * RFC 8785 JSON Canonicalization Scheme. Object members are sorted by their names' UTF-16 code
 * units, numbers use the ECMAScript shortest round-trip form (what JSON.stringify prints), strings
 * use JSON.stringify's escaping, which is RFC 8785's. Non-finite numbers and non-JSON values throw,
 * so nothing is hashed that a verifier could not reproduce.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalize(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON cannot hold a non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      // Built by appending (no intermediate entry arrays): this runs for every decision's entry.
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          out += (i === 0 ? "" : ",") + canonicalize(item === undefined ? null : item);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError("canonical JSON holds only plain objects (not Date, Map, class instances)");
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 asks.
      const keys = Object.keys(record).sort();
      let out = "{";
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${canonicalize(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a value of type ${typeof value}`);
  }
}
