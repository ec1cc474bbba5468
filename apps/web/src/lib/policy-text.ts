import type { Condition, PolicyBudget } from "@gatehouse/core";
import { formatUsd } from "./runs";

// One line each for what a policy's `when` and `budget` say, for the policies list (issue 44: two policies on
// `tool.bash`, one allowing and one denying, looked contradictory with neither shown). The editor holds the whole.

const OPS: Record<string, string> = {
  eq: "=",
  neq: "≠",
  lt: "<",
  lte: "≤",
  gt: ">",
  gte: "≥",
  in: "in",
  not_in: "not in",
  contains: "contains",
  matches: "matches",
};

/** The longest line shown; past it the text ends with "…". */
export const POLICY_TEXT_MAX = 160;

function valueText(value: unknown): string {
  if (Array.isArray(value)) {
    const shown = value.slice(0, 3).map(valueText).join(", ");
    return `[${shown}${value.length > 3 ? `, … ${value.length - 3} more` : ""}]`;
  }
  return JSON.stringify(value) ?? "null";
}

function windowText(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? "day" : `${seconds / 86_400} days`;
  if (seconds % 3_600 === 0) return seconds === 3_600 ? "hour" : `${seconds / 3_600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? "minute" : `${seconds / 60} minutes`;
  return `${seconds} s`;
}

/** A condition as one expression: `metadata.amount > 1000 and (agent.name = "a" or not (…))`. Recursive: the schema caps nesting at 8. */
function conditionText(condition: Condition, nested: boolean): string {
  if ("field" in condition) {
    if (condition.op === "exists") return condition.value === false ? `${condition.field} is absent` : `${condition.field} is present`;
    return `${condition.field} ${OPS[condition.op] ?? condition.op} ${valueText(condition.value)}`;
  }
  if ("rate" in condition) {
    return `more than ${condition.rate.over.toLocaleString("en-US")} calls per ${windowText(condition.rate.windowSeconds)} (per ${condition.rate.per})`;
  }
  if ("not" in condition) return `not (${conditionText(condition.not, false)})`;
  const [parts, joiner] = "all" in condition ? [condition.all, " and "] : [condition.any, " or "];
  const text = parts.map((part) => conditionText(part, parts.length > 1)).join(joiner);
  return nested && parts.length > 1 ? `(${text})` : text;
}

function cut(text: string): string {
  return text.length > POLICY_TEXT_MAX ? `${text.slice(0, POLICY_TEXT_MAX - 1)}…` : text;
}

/** What a policy's `when` says, in one line; null without one (the policy holds for every matching call). */
export function whenText(when: Condition | undefined): string | null {
  return when === undefined ? null : cut(conditionText(when, false));
}

/** What a policy's `budget` says, in one line: "$5.00 or 10,000 tokens per agent-day (gpt-4o), then deny". */
export function budgetText(budget: PolicyBudget | undefined): string | null {
  if (budget === undefined) return null;
  const limit = [
    budget.limit.usd !== undefined ? formatUsd(budget.limit.usd) : null,
    budget.limit.tokens !== undefined ? `${budget.limit.tokens.toLocaleString("en-US")} tokens` : null,
  ]
    .filter(Boolean)
    .join(" or ");
  const models = budget.models ? ` (${budget.models.join(", ")}${budget.perModel ? ", each" : ""})` : "";
  const then = budget.atLimit === "require_approval" ? "then a person decides" : "then deny";
  return cut(`${limit} per ${budget.per}${models}, ${then}`);
}
