import type { FieldIssue } from "@gatehouse/core";

/** A NUL, or a UTF-16 surrogate without its partner: text PostgreSQL refuses (text and jsonb alike). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problem(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  return found[0] === "\u0000" ? "holds a NUL character (\\u0000), which the database cannot store" : "holds an unpaired UTF-16 surrogate, which the database cannot store";
}

/**
 * The first string (value or object key) in `value` that PostgreSQL would refuse to store, as a field
 * issue with its path under `path`; undefined when every string can be stored. Plain objects and
 * arrays are walked; other objects (dates) are left alone. Checked before a decision joins a group
 * commit, so one request's content cannot fail the statement it shares with others.
 */
export function unstorableText(value: unknown, path: string): FieldIssue | undefined {
  if (typeof value === "string") {
    const message = problem(value);
    return message ? { path, message } : undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const issue = unstorableText(value[i] as unknown, `${path}.${i}`);
      if (issue) return issue;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const keyProblem = problem(key);
    if (keyProblem) return { path: `${path}.${JSON.stringify(key)}`, message: `key ${keyProblem}` };
    const issue = unstorableText(member, `${path}.${key}`);
    if (issue) return issue;
  }
  return undefined;
}
