import { inspectInput, type FieldIssue } from "@gatehouse/core";

/**
 * The first string (value or object key) in `value` that PostgreSQL would refuse to store (a NUL, an
 * unpaired surrogate: core's `isSafeText`), as a field issue with its path under `path`; undefined
 * when every string can be stored. The walk is core's iterative one, with no depth limit (what it
 * checks was already bounded at the edge). Checked before a decision joins a group commit, so one
 * request's content cannot fail the statement it shares with others, even for a caller that skipped
 * the edge.
 */
export function unstorableText(value: unknown, path: string): FieldIssue | undefined {
  const issue = inspectInput(value, { maxDepth: Number.POSITIVE_INFINITY });
  if (!issue) return undefined;
  return { path: [path, ...issue.path.map(String)].join("."), message: issue.message };
}
