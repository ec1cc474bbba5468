/** Which tools `--hide-denied` hides (neverUsable), by the answer of canI without arguments; and the package's version as it names itself. */
import { readFileSync } from "node:fs";
import { neverUsable, PROXY_INTEGRATION, SERVER_INTEGRATION, VERSION } from "@gatehouse/mcp";
import type { CheckResult } from "@gatehouse/sdk";
import { describe, expect, it } from "vitest";

const condition = (policy: string) => ({ field: "metadata.arguments.path", operator: "matches", expected: "^/tmp/", actual: null, result: false, policy });

function check(fields: Partial<CheckResult>): CheckResult {
  return { status: "denied", allowed: false, needsApproval: false, dryRun: true, conditionsEvaluated: [], message: "", ...fields };
}

describe("neverUsable: the tools --hide-denied leaves out", () => {
  it.each<[string, CheckResult, boolean]>([
    ["no policy covers the action type", check({ denialReason: "NO_POLICY" }), true],
    ["a deny policy without conditions", check({ denialReason: "CONDITIONS_DENIED", policyName: "no-deletes" }), true],
    [
      "a deny without conditions, beside another policy's condition",
      check({ denialReason: "CONDITIONS_DENIED", policyName: "no-deletes", conditionsEvaluated: [condition("tmp-writes")] }),
      true,
    ],
    ["outside the agent's delegation", check({ denialReason: "DELEGATION_SCOPE" }), true],
    ["no policy applied, but one had a condition the arguments could meet", check({ denialReason: "NO_POLICY", conditionsEvaluated: [condition("tmp-writes")] }), false],
    [
      "a deny policy whose own condition held",
      check({ denialReason: "CONDITIONS_DENIED", policyName: "no-etc", conditionsEvaluated: [{ ...condition("no-etc"), result: true }] }),
      false,
    ],
    ["a rate limit (it passes)", check({ denialReason: "RATE_LIMITED", policyName: "at-most" }), false],
    ["the agent halted (it is resumed)", check({ denialReason: "AGENT_HALTED" }), false],
    ["the circuit breaker open (it cools down)", check({ denialReason: "CIRCUIT_OPEN" }), false],
    ["content rules (other arguments pass)", check({ denialReason: "CONTENT_DENIED" }), false],
    ["held for approval", check({ status: "requested", needsApproval: true, policyName: "deploys" }), false],
    ["allowed", check({ status: "executed", allowed: true, policyName: "reads" }), false],
  ])("%s → hidden: %s", (_case, answer, hidden) => {
    expect(neverUsable(answer)).toBe(hidden);
  });
});

describe("the integration names", () => {
  it("carry the package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect([VERSION, PROXY_INTEGRATION, SERVER_INTEGRATION]).toEqual([pkg.version, `mcp-proxy/${pkg.version}`, `mcp-server/${pkg.version}`]);
  });
});
