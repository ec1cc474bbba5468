import { describe, expect, test } from "vitest";
import { DomainError } from "../src/errors";
import { approvalTimeoutSeconds, approvalTimeoutSetting, formatIssuePath, parsePolicySet } from "../src/policy/document";
import { issuePaths, validationIssues } from "./helpers";

// No timeoutSeconds: without one, the org's default approval timeout applies (approvalTimeoutSeconds below).
const DEFAULT_APPROVAL = {
  quorum: 1,
  approverRoles: ["approver", "admin", "owner"],
  approvers: [],
  excludeAgentOwner: false,
};

const allow = (name: string, extra: Record<string, unknown> = {}) => ({ name, actions: ["pr.open"], effect: "allow", ...extra });
const approval = (name: string, extra: Record<string, unknown> = {}) => ({ name, actions: ["pr.merge"], effect: "require_approval", ...extra });
const set = (...policies: unknown[]) => ({ policies });

describe("parsePolicySet: valid sets", () => {
  test("an empty set parses to no policies", () => {
    expect(parsePolicySet(set())).toEqual([]);
  });

  test("fills agents ['*'] and mode 'enforce' and adds no approval to an allow policy", () => {
    expect(parsePolicySet(set(allow("open-prs")))).toEqual([{ name: "open-prs", actions: ["pr.open"], agents: ["*"], effect: "allow", mode: "enforce" }]);
  });

  test("gives a require_approval policy without approval the default approval options", () => {
    const [policy] = parsePolicySet(set(approval("merge")));
    expect(policy?.approval).toEqual(DEFAULT_APPROVAL);
  });

  test("the approval timeout: the policy's own when it sets one, else the org's default (3600 unless its settings say otherwise)", () => {
    expect(approvalTimeoutSeconds({ timeoutSeconds: 600 }, 120)).toBe(600);
    expect(approvalTimeoutSeconds({}, 120)).toBe(120);
    expect(approvalTimeoutSetting({})).toBe(3600);
    expect(approvalTimeoutSetting({ approvalTimeoutSeconds: 7200 })).toBe(7200);
    expect(approvalTimeoutSetting({ approvalTimeoutSeconds: 30 })).toBe(3600);
    expect(approvalTimeoutSetting(null)).toBe(3600);
  });

  test("fills the omitted approval options around the ones given", () => {
    const [policy] = parsePolicySet(set(approval("merge", { approval: { quorum: 2, approvers: ["usr_x"] } })));
    expect(policy?.approval).toEqual({ ...DEFAULT_APPROVAL, quorum: 2, approvers: ["usr_x"] });
  });

  test("keeps explicit agents, mode and description", () => {
    const [policy] = parsePolicySet(set(allow("ci", { agents: ["ci-*", "agt_0123456789abcdefghijkl"], mode: "monitor", description: "CI bots" })));
    expect(policy).toMatchObject({ agents: ["ci-*", "agt_0123456789abcdefghijkl"], mode: "monitor", description: "CI bots" });
  });

  test("keeps policies in the order given", () => {
    const names = parsePolicySet(set(allow("b"), allow("a"), allow("c"))).map((policy) => policy.name);
    expect(names).toEqual(["b", "a", "c"]);
  });

  test("parses the example document of docs/architecture.md (without its `when` condition)", () => {
    const example = {
      name: "large-prs-need-review",
      description: "PRs touching more than 50 files wait for a reviewer",
      actions: ["pr.merge"],
      agents: ["*"],
      effect: "require_approval",
      approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"] },
      mode: "enforce",
    };
    expect(parsePolicySet(set(example))).toEqual([{ ...example, approval: { ...DEFAULT_APPROVAL, timeoutSeconds: 3600 } }]);
  });

  test.each([
    ["a 1-character name", allow("a")],
    ["a 100-character name", allow("a".repeat(100))],
    ["a name with '.', '_' and '-'", allow("team.ci_bots-1")],
    ["a name starting with a digit", allow("1st")],
    ["the action pattern '*'", allow("all", { actions: ["*"] })],
    ["action patterns with ':' and '-'", allow("db", { actions: ["db:query", "repo.force-push", "*.delete"] })],
    ["agent patterns with upper case", allow("ag", { agents: ["CI-Bot", "ci-*"] })],
    ["timeoutSeconds 60", approval("t", { approval: { timeoutSeconds: 60 } })],
    ["timeoutSeconds 604800", approval("t", { approval: { timeoutSeconds: 604_800 } })],
    ["quorum 1", approval("q", { approval: { quorum: 1 } })],
    ["quorum 10", approval("q", { approval: { quorum: 10 } })],
    ["every member role as approver", approval("r", { approval: { approverRoles: ["owner", "admin", "approver", "auditor", "viewer"] } })],
  ])("accepts %s", (_label, policy) => {
    expect(parsePolicySet(set(policy))).toHaveLength(1);
  });
});

describe("parsePolicySet: invalid documents", () => {
  test.each<[string, unknown, string[]]>([
    ["not an object", null, [""]],
    ["no policies member", {}, ["policies"]],
    ["policies not an array", { policies: {} }, ["policies"]],
    ["an unknown top-level key", { policies: [], version: 2 }, [""]],
    ["a policy that is not an object", set("allow-all"), ["policies[0]"]],
    ["a bad action pattern in the third policy", set(allow("a"), allow("b"), allow("c", { actions: ["PR.Merge"] })), ["policies[2].actions[0]"]],
    ["a bad second action pattern", set(allow("a", { actions: ["pr.open", "pr open"] })), ["policies[0].actions[1]"]],
    ["no actions", set({ name: "a", effect: "allow" }), ["policies[0].actions"]],
    ["an empty actions list", set(allow("a", { actions: [] })), ["policies[0].actions"]],
    ["an unknown effect", set(allow("a", { effect: "permit" })), ["policies[0].effect"]],
    ["no effect", set({ name: "a", actions: ["x"] }), ["policies[0].effect"]],
    ["an unknown mode", set(allow("a", { mode: "audit" })), ["policies[0].mode"]],
    ["an empty agents list", set(allow("a", { agents: [] })), ["policies[0].agents"]],
    ["an agent pattern with a space", set(allow("a", { agents: ["ci bot"] })), ["policies[0].agents[0]"]],
    ["a name with upper case", set(allow("Bad")), ["policies[0].name"]],
    ["a name with a space", set(allow("bad name")), ["policies[0].name"]],
    ["a name starting with '-'", set(allow("-bad")), ["policies[0].name"]],
    ["an empty name", set(allow("")), ["policies[0].name"]],
    ["a 101-character name", set(allow("a".repeat(101))), ["policies[0].name"]],
    ["quorum 0", set(allow("a"), approval("b", { approval: { quorum: 0 } })), ["policies[1].approval.quorum"]],
    ["quorum 11", set(allow("a"), approval("b", { approval: { quorum: 11 } })), ["policies[1].approval.quorum"]],
    ["a fractional quorum", set(allow("a"), approval("b", { approval: { quorum: 1.5 } })), ["policies[1].approval.quorum"]],
    ["timeoutSeconds 59", set(approval("a", { approval: { timeoutSeconds: 59 } })), ["policies[0].approval.timeoutSeconds"]],
    ["timeoutSeconds 604801", set(approval("a", { approval: { timeoutSeconds: 604_801 } })), ["policies[0].approval.timeoutSeconds"]],
    ["an unknown approver role", set(approval("a", { approval: { approverRoles: ["superuser"] } })), ["policies[0].approval.approverRoles[0]"]],
    ["no approver roles", set(approval("a", { approval: { approverRoles: [] } })), ["policies[0].approval.approverRoles"]],
    ["an unknown approval key", set(approval("a", { approval: { quorum: 1, minutes: 5 } })), ["policies[0].approval"]],
    ["an unknown policy key", set(allow("a"), allow("b", { priority: 1 })), ["policies[1]"]],
    ["approval on an allow policy", set(allow("a", { approval: { quorum: 1 } })), ["policies[0].approval"]],
    ["approval on a deny policy", set(allow("a"), allow("b", { effect: "deny", approval: {} })), ["policies[1].approval"]],
    ["a duplicate name", set(allow("same"), allow("same")), ["policies[1].name"]],
    ["a name used three times", set(allow("same"), allow("other"), allow("same"), allow("same")), ["policies[2].name", "policies[3].name"]],
  ])("rejects %s with issue paths %j", (_label, input, paths) => {
    expect(issuePaths(() => parsePolicySet(input))).toEqual(paths);
  });

  test("an unknown key's issue names the key", () => {
    const [issue] = validationIssues(() => parsePolicySet(set(allow("a", { priority: 1 }))));
    expect(issue?.message).toContain('"priority"');
  });

  test("a duplicate name's issue points at the first use", () => {
    const [issue] = validationIssues(() => parsePolicySet(set(allow("x"), allow("y"), allow("x"))));
    expect(issue?.message).toContain("policies[0].name");
  });

  test("reports an issue in every invalid policy, not only the first", () => {
    const paths = issuePaths(() => parsePolicySet(set(allow("a", { effect: "nope" }), allow("b"), allow("c", { actions: [] }))));
    expect(paths).toEqual(["policies[0].effect", "policies[2].actions"]);
  });

  test("a single issue's path leads the error message", () => {
    let message = "";
    try {
      parsePolicySet(set(allow("a", { effect: "nope" })));
    } catch (error) {
      message = error instanceof DomainError ? error.message : "";
    }
    expect(message).toMatch(/^policies\[0\]\.effect: /);
  });
});

describe("formatIssuePath", () => {
  test.each<[PropertyKey[], string]>([
    [[], ""],
    [["policies"], "policies"],
    [["policies", 2, "actions", 0], "policies[2].actions[0]"],
    [["policies", 1, "approval", "quorum"], "policies[1].approval.quorum"],
    [[0, "type"], "[0].type"],
  ])("%j → %s", (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });
});
