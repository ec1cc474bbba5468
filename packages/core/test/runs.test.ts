import { describe, expect, it } from "vitest";
import { RUN_IDLE_SECONDS, runIdOf, runKeySchema, runStatusOf } from "../src/runs/runs";

describe("runIdOf", () => {
  it("is the same for the same org, root agent and runId, and a run_ id", () => {
    expect(runIdOf("org_a", "agt_a", "triage")).toBe(runIdOf("org_a", "agt_a", "triage"));
    expect(runIdOf("org_a", "agt_a", "triage")).toMatch(/^run_[0-9a-zA-Z]{22}$/);
  });

  it.each([
    ["another org", ["org_b", "agt_a", "triage"]],
    ["another root agent", ["org_a", "agt_b", "triage"]],
    ["another runId", ["org_a", "agt_a", "triage2"]],
    ["the separator moved between parts", ["org_a", "agt_atriage", ""]],
  ] as const)("differs for %s", (_label, [org, agent, key]) => {
    expect(runIdOf(org, agent, key)).not.toBe(runIdOf("org_a", "agt_a", "triage"));
  });
});

describe("runKeySchema", () => {
  it.each(["triage-4512", "a", "A.b_c:d-e", "r".repeat(200)])("accepts %j", (key) => {
    expect(runKeySchema.safeParse(key).success).toBe(true);
  });
  it.each(["", "run_anything", "a b", "a/b", "é", "r".repeat(201), "a\u0000"])("refuses %j", (key) => {
    expect(runKeySchema.safeParse(key).success).toBe(false);
  });
});

describe("runStatusOf", () => {
  const start = Date.UTC(2026, 10, 24, 9, 0, 0);
  const at = (status: string, pendingApprovals = 0) => ({ status, lastActivityAt: new Date(start), pendingApprovals });
  it.each([
    ["running within the idle timeout", at("running"), start + (RUN_IDLE_SECONDS - 1) * 1000, "running"],
    ["idle once the idle timeout has passed", at("running"), start + RUN_IDLE_SECONDS * 1000, "idle"],
    ["waiting while an approval is pending, however long", at("running", 1), start + 10 * RUN_IDLE_SECONDS * 1000, "waiting"],
    ["as its agent ended it", at("failed"), start, "failed"],
    ["ended, even with an approval pending", at("completed", 2), start, "completed"],
  ] as const)("%s", (_label, run, now, expected) => {
    expect(runStatusOf(run, now)).toBe(expected);
  });
});
