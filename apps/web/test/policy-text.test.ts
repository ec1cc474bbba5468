import { describe, expect, it } from "vitest";
import { budgetText, POLICY_TEXT_MAX, whenText } from "../src/lib/policy-text";

// The policies list shows each policy's `when` and `budget` in one line (issue 44: two policies on tool.bash, one
// allowing and one denying, looked contradictory because neither was shown).
describe("whenText", () => {
  it.each([
    [undefined, null],
    [{ field: "metadata.command", op: "matches", value: "^rm " }, 'metadata.command matches "^rm "'],
    [{ field: "metadata.amount", op: "gt", value: 1000 }, "metadata.amount > 1000"],
    [{ field: "metadata.ticket", op: "exists" }, "metadata.ticket is present"],
    [{ field: "metadata.ticket", op: "exists", value: false }, "metadata.ticket is absent"],
    [{ field: "agent.name", op: "in", value: ["a", "b", "c", "d", "e"] }, 'agent.name in ["a", "b", "c", … 2 more]'],
    [{ rate: { over: 100, windowSeconds: 3600, per: "agent" } }, "more than 100 calls per hour (per agent)"],
    [
      {
        all: [
          { field: "actionType", op: "eq", value: "tool.bash" },
          { any: [{ field: "metadata.cwd", op: "eq", value: "/" }, { not: { field: "agent.labels.team", op: "eq", value: "ops" } }] },
        ],
      },
      'actionType = "tool.bash" and (metadata.cwd = "/" or not (agent.labels.team = "ops"))',
    ],
  ] as const)("%j → %s", (when, text) => {
    expect(whenText(when as Parameters<typeof whenText>[0])).toBe(text);
  });

  it("cuts a long condition to one line", () => {
    const long = whenText({ any: Array.from({ length: 40 }, (_, i) => ({ field: `metadata.f${i}`, op: "eq" as const, value: i })) });
    expect(long?.length).toBe(POLICY_TEXT_MAX);
    expect(long?.endsWith("…")).toBe(true);
  });
});

describe("budgetText", () => {
  it.each([
    [undefined, null],
    [{ limit: { usd: 5 }, per: "agent-day", atLimit: "deny", perModel: false }, "$5.00 per agent-day, then deny"],
    [
      { limit: { usd: 0.015, tokens: 10000 }, per: "run", atLimit: "require_approval", models: ["gpt-4o"], perModel: true },
      "$0.015 or 10,000 tokens per run (gpt-4o, each), then a person decides",
    ],
  ] as const)("%j → %s", (budget, text) => {
    expect(budgetText(budget as Parameters<typeof budgetText>[0])).toBe(text);
  });
});
