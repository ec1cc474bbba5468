import { describe, expect, it } from "vitest";
import { failedTestIssues, parsePolicySet, parsePolicySetWithTests, parsePolicyTests, policySetSchema, runPolicyTests } from "../src";

const policies = parsePolicySet({
  policies: [
    { name: "allow-reads", actions: ["*.read"], effect: "allow" },
    { name: "deploys-need-approval", actions: ["deploy.*"], effect: "require_approval" },
    { name: "no-prod-deletes", actions: ["db.delete"], effect: "deny", when: { field: "metadata.env", op: "eq", value: "prod" } },
    { name: "try-exports", actions: ["data.export"], effect: "deny", mode: "monitor" },
  ],
});

describe("policy tests", () => {
  it("passes a test whose request gets the expected effect and policy, and fails one that does not", () => {
    const tests = parsePolicyTests({
      tests: [
        { name: "reads are fine", request: { actionType: "repo.read" }, expect: { effect: "allow", policy: "allow-reads" } },
        { name: "deploys wait", request: { actionType: "deploy.prod" }, expect: { effect: "require_approval" } },
        { name: "prod deletes denied", request: { actionType: "db.delete", metadata: { env: "prod" } }, expect: { effect: "deny", policy: "no-prod-deletes" } },
        { name: "a monitor-mode deny lets it through, as in production", request: { actionType: "data.export" }, expect: { effect: "allow", policy: "try-exports" } },
        { name: "wrong policy named", request: { actionType: "repo.read" }, expect: { effect: "allow", policy: "deploys-need-approval" } },
        { name: "wrong effect", request: { actionType: "db.delete", metadata: { env: "dev" } }, expect: { effect: "allow" } },
        { name: "nothing applies", request: { actionType: "fs.wipe" }, expect: { effect: "deny", policy: null } },
      ],
    });
    const run = runPolicyTests(policies, tests);
    expect(run.results.map((r) => r.passed)).toEqual([true, true, true, true, false, false, true]);
    expect(run).toMatchObject({ passed: 5, failed: 2 });
    expect(run.results[5]?.actual).toEqual({ effect: "deny", policy: null, reason: "NO_POLICY" });
    expect(failedTestIssues(run)).toEqual([
      { path: "tests[4]", message: "'wrong policy named' expected allow by deploys-need-approval, got allow by allow-reads" },
      { path: "tests[5]", message: "'wrong effect' expected allow, got deny by no policy" },
    ]);
  });

  it("matches agents by name and labels as production does", () => {
    const scoped = parsePolicySet({ policies: [{ name: "ci-only", actions: ["build.run"], agents: ["ci-*"], effect: "allow" }] });
    const tests = parsePolicyTests({
      tests: [
        { name: "ci agent", request: { actionType: "build.run", agent: "ci-runner" }, expect: { effect: "allow" } },
        { name: "other agent", request: { actionType: "build.run", agent: "chatbot" }, expect: { effect: "deny" } },
      ],
    });
    expect(runPolicyTests(scoped, tests).failed).toBe(0);
  });

  it("refuses a malformed test with a 400 naming its field; no tests is an empty list", () => {
    expect(parsePolicyTests({ policies: [] })).toEqual([]);
    expect(() => parsePolicyTests({ tests: [{ name: "x", request: { actionType: "Bad Type" }, expect: { effect: "allow" } }] })).toThrow(
      expect.objectContaining({ details: { issues: [{ path: "tests[0].request.actionType", message: expect.any(String) }] } }),
    );
    expect(() => parsePolicyTests({ tests: [{ name: "x", request: { actionType: "a.b" }, expect: { effect: "maybe" } }] })).toThrow(
      expect.objectContaining({ details: { issues: [{ path: "tests[0].expect.effect", message: expect.any(String) }] } }),
    );
  });
});

describe("a set with its tests", () => {
  it("reports the issues of the policies and of the tests together", () => {
    expect(() =>
      parsePolicySetWithTests({
        policies: [{ name: "a", actions: ["x"], effect: "nope" }],
        tests: [{ name: "t", request: { actionType: "x" }, expect: { effect: "maybe" } }],
      }),
    ).toThrow(
      expect.objectContaining({
        details: {
          issues: [
            { path: "policies[0].effect", message: expect.any(String) },
            { path: "tests[0].expect.effect", message: expect.any(String) },
          ],
        },
      }),
    );
  });

  it("accepts tests beside the policies in the set schema, and nothing else", () => {
    const { documents, tests } = parsePolicySetWithTests({
      policies: [{ name: "a", actions: ["x"], effect: "allow" }],
      tests: [{ name: "t", request: { actionType: "x" }, expect: { effect: "allow" } }],
    });
    expect(documents).toHaveLength(1);
    expect(tests[0]?.request).toEqual({ actionType: "x", agent: "test-agent", agentLabels: {}, metadata: {}, dataAccessed: [] });
    expect(policySetSchema.safeParse({ policies: [], tests: [] }).success).toBe(true);
    expect(() => parsePolicySetWithTests({ policies: [], extra: 1 })).toThrow(expect.objectContaining({ code: "VALIDATION" }));
  });

  it("never trips a rate limit in a test (the call alone counts), as replay does", () => {
    const limited = parsePolicySet({
      policies: [
        { name: "allow-sends", actions: ["email.send"], effect: "allow" },
        { name: "too-many", actions: ["email.send"], effect: "deny", when: { rate: { over: 10, windowSeconds: 60 } } },
      ],
    });
    const tests = parsePolicyTests({ tests: [{ name: "one send", request: { actionType: "email.send" }, expect: { effect: "allow", policy: "allow-sends" } }] });
    expect(runPolicyTests(limited, tests).failed).toBe(0);
  });
});
