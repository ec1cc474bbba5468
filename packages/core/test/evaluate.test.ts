import { describe, expect, test } from "vitest";
import { parsePolicySet } from "../src/policy/document";
import { compilePattern } from "../src/policy/match-pattern";
import { compilePolicy, evaluate, type AgentFacts, type CompiledPolicy, type DecisionInput } from "../src/policy/evaluate";

const AGENT: AgentFacts = { id: "agt_0123456789abcdefghijkl", name: "ci-bot", labels: {} };

function input(actionType: string, agent: AgentFacts = AGENT): DecisionInput {
  return { actionType, agent, metadata: {}, dataAccessed: [] };
}

/** Parses the documents as one set and compiles each with versionId `pv_<name>` and version index+1. */
function compile(...documents: Array<Record<string, unknown>>): CompiledPolicy[] {
  return parsePolicySet({ policies: documents }).map((document, index) => compilePolicy(document, { versionId: `pv_${document.name}`, version: index + 1 }));
}

const doc = (name: string, effect: string, extra: Record<string, unknown> = {}) => ({ name, actions: ["pr.merge"], effect, ...extra });
const ref = (name: string, version: number) => ({ name, versionId: `pv_${name}`, version });

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe("compilePattern", () => {
  test.each<[string, string, boolean]>([
    ["*", "pr.open", true],
    ["*", "a.b.c", true],
    ["pr.*", "pr.open", true],
    ["pr.*", "pr.merge.force", true],
    ["pr.*", "prx.open", false],
    ["pr.*", "pr", false],
    ["pr.*", "xpr.open", false],
    ["pr.merge", "pr.merge", true],
    ["pr.merge", "pr.merge.force", false],
    ["pr.merge", "pr.merg", false],
    ["pr.merge", "prxmerge", false],
    ["pr.merge", "PR.MERGE", false],
    ["*.delete", "repo.delete", true],
    ["*.delete", "org.repo.delete", true],
    ["*.delete", "repo.deleted", false],
    ["*.delete", "delete", false],
    ["pr.*.force", "pr.merge.force", true],
    ["pr.*.force", "pr.force", false],
    ["db:*", "db:query", true],
    ["ci-*", "ci-bot", true],
    ["ci-*", "cd-bot", false],
    ["a+b.*", "aab.x", false],
    ["a+b.*", "a+b.x", true],
    ["a?b", "ab", false],
    ["a?b", "a?b", true],
    ["(x|y).*", "x.z", false],
    ["(x|y).*", "(x|y).z", true],
    ["[ab].*", "a.z", false],
    ["[ab].*", "[ab].z", true],
    ["^a$*", "a", false],
    ["^a$*", "^a$b", true],
    ["a{2}*", "aa", false],
    ["a{2}*", "a{2}", true],
    ["a\\d*", "a1", false],
    ["a\\d*", "a\\d", true],
  ])("%s vs %s → %s", (pattern, value, expected) => {
    expect(compilePattern(pattern)(value)).toBe(expected);
  });
});

describe("evaluate: most restrictive effect wins", () => {
  const cases: Array<[string[], string]> = [
    [["allow", "deny"], "deny"],
    [["allow", "require_approval"], "require_approval"],
    [["require_approval", "deny"], "deny"],
    [["allow", "require_approval", "deny"], "deny"],
  ];
  for (const [effects, expected] of cases) {
    for (const order of permutations(effects)) {
      test(`${order.join(" then ")} → ${expected}`, () => {
        const policies = compile(...order.map((effect) => doc(`p-${effect}`, effect)));
        const decision = evaluate(policies, input("pr.merge"));
        expect([decision.effect, decision.policy?.name]).toEqual([expected, `p-${expected}`]);
      });
    }
  }
});

describe("evaluate: ties", () => {
  test.each(permutations(["b-allow", "a-allow", "c-allow"]))("among allow policies %s, %s, %s the first name wins", (...names) => {
    const decision = evaluate(compile(...names.map((name) => doc(name, "allow"))), input("pr.merge"));
    expect(decision.policy?.name).toBe("a-allow");
  });

  test.each(permutations(["b-review", "a-review"]))("among require_approval policies %s, %s the first name's approval options apply", (...names) => {
    const documents = names.map((name) => doc(name, "require_approval", { approval: { quorum: name === "a-review" ? 2 : 3 } }));
    expect(evaluate(compile(...documents), input("pr.merge")).approval?.quorum).toBe(2);
  });
});

describe("evaluate: which policies apply", () => {
  test.each<[string, Record<string, unknown>, AgentFacts]>([
    ["a name pattern", { agents: ["ci-*"] }, AGENT],
    ["the exact name", { agents: ["ci-bot"] }, AGENT],
    ["the agent id", { agents: [AGENT.id] }, AGENT],
    ["an id pattern", { agents: ["agt_*"] }, AGENT],
    ["one of several patterns", { agents: ["deploy-bot", "ci-bot"] }, AGENT],
  ])("agents match by %s", (_label, extra, agent) => {
    expect(evaluate(compile(doc("p", "allow", extra)), input("pr.merge", agent)).effect).toBe("allow");
  });

  test.each<[string, Record<string, unknown>, string]>([
    ["another agent's name", { agents: ["deploy-bot"] }, "pr.merge"],
    ["another agent's id", { agents: ["agt_ZZZZZZZZZZZZZZZZZZZZZZ"] }, "pr.merge"],
    ["a differently-cased name", { agents: ["CI-BOT"] }, "pr.merge"],
    ["another action", {}, "pr.open"],
  ])("a policy for %s does not apply → deny NO_POLICY", (_label, extra, actionType) => {
    const decision = evaluate(compile(doc("p", "allow", extra)), input(actionType));
    expect([decision.effect, decision.reason]).toEqual(["deny", "NO_POLICY"]);
  });

  test("no applying policy gives deny NO_POLICY in enforce mode with no policy", () => {
    expect(evaluate(compile(doc("other", "allow", { actions: ["issue.*"] })), input("pr.merge"))).toEqual({
      effect: "deny",
      reason: "NO_POLICY",
      mode: "enforce",
      conditionsEvaluated: [],
      monitored: [],
    });
  });

  test("an empty policy set denies with NO_POLICY", () => {
    expect(evaluate([], input("pr.merge")).reason).toBe("NO_POLICY");
  });

  test("a non-applying deny does not outweigh an applying allow", () => {
    const decision = evaluate(compile(doc("allow-merge", "allow"), doc("deny-open", "deny", { actions: ["pr.open"] })), input("pr.merge"));
    expect(decision.effect).toBe("allow");
  });
});

describe("evaluate: decision contents", () => {
  test("an allow decision names its policy version and carries no reason or approval", () => {
    expect(evaluate(compile(doc("x", "allow"), doc("merge", "allow", { actions: ["pr.*"] })), input("pr.merge"))).toEqual({
      effect: "allow",
      policy: ref("merge", 2),
      mode: "enforce",
      conditionsEvaluated: [],
      monitored: [],
    });
  });

  test("a deny decision has reason CONDITIONS_DENIED", () => {
    const decision = evaluate(compile(doc("no-merge", "deny")), input("pr.merge"));
    expect([decision.effect, decision.reason, decision.policy]).toEqual(["deny", "CONDITIONS_DENIED", ref("no-merge", 1)]);
  });

  test("a require_approval decision carries the policy's approval options and no reason", () => {
    const options = { quorum: 2, timeoutSeconds: 600, approverRoles: ["admin"], approvers: ["usr_a"], excludeAgentOwner: true };
    const decision = evaluate(compile(doc("review", "require_approval", { approval: options })), input("pr.merge"));
    expect(decision).toEqual({ effect: "require_approval", policy: ref("review", 1), mode: "enforce", approval: options, conditionsEvaluated: [], monitored: [] });
  });

  test("a require_approval decision from a policy without approval options carries the defaults (no timeout: the org's default applies)", () => {
    const decision = evaluate(compile(doc("review", "require_approval")), input("pr.merge"));
    expect(decision.approval).toEqual({ quorum: 1, approverRoles: ["approver", "admin", "owner"], approvers: [], excludeAgentOwner: false });
  });
});

describe("evaluate: monitor mode", () => {
  test("a monitor-mode deny never blocks", () => {
    const decision = evaluate(compile(doc("watch", "deny", { mode: "monitor" })), input("pr.merge"));
    expect([decision.effect, decision.mode]).toEqual(["allow", "monitor"]);
  });

  test("when only monitor policies apply, the first by name is the decision's policy version", () => {
    const decision = evaluate(compile(doc("zeta", "deny", { mode: "monitor" }), doc("alpha", "require_approval", { mode: "monitor" })), input("pr.merge"));
    expect([decision.policy?.name, decision.policy?.versionId, decision.policy?.version]).toEqual(["alpha", "pv_alpha", 2]);
  });

  test("when only monitor policies apply, the decision's policy is a bare version ref like an enforce decision's", () => {
    const decision = evaluate(compile(doc("watch", "deny", { mode: "monitor" })), input("pr.merge"));
    expect(decision.policy).toEqual(ref("watch", 1));
  });

  test("when only monitor policies apply, the decision carries no reason and no approval", () => {
    const decision = evaluate(compile(doc("watch", "require_approval", { mode: "monitor" })), input("pr.merge"));
    expect([decision.reason, decision.approval]).toEqual([undefined, undefined]);
  });

  test("applying monitor policies are listed sorted by name with their would-be effects", () => {
    const policies = compile(doc("mid", "allow", { mode: "monitor" }), doc("zeta", "deny", { mode: "monitor" }), doc("alpha", "require_approval", { mode: "monitor" }));
    expect(evaluate(policies, input("pr.merge")).monitored).toEqual([
      { ...ref("alpha", 3), effect: "require_approval" },
      { ...ref("mid", 1), effect: "allow" },
      { ...ref("zeta", 2), effect: "deny" },
    ]);
  });

  test("monitor policies that do not apply are not listed", () => {
    const policies = compile(doc("allow", "allow"), doc("watch-open", "deny", { mode: "monitor", actions: ["pr.open"] }));
    expect(evaluate(policies, input("pr.merge")).monitored).toEqual([]);
  });

  test("when enforce and monitor policies both apply, the enforce policy decides and the monitor one is listed", () => {
    const policies = compile(doc("watch", "deny", { mode: "monitor" }), doc("merge", "allow"));
    expect(evaluate(policies, input("pr.merge"))).toEqual({
      effect: "allow",
      policy: ref("merge", 2),
      mode: "enforce",
      conditionsEvaluated: [],
      monitored: [{ ...ref("watch", 1), effect: "deny" }],
    });
  });

  test("a monitor-mode allow does not lift an enforce-mode deny", () => {
    const policies = compile(doc("ok", "allow", { mode: "monitor" }), doc("no", "deny"));
    const decision = evaluate(policies, input("pr.merge"));
    expect([decision.effect, decision.mode]).toEqual(["deny", "enforce"]);
  });
});

describe("evaluate: determinism", () => {
  const documents = [
    doc("e-allow", "allow", { actions: ["pr.*"] }),
    doc("d-review", "require_approval", { approval: { quorum: 2 } }),
    doc("c-review", "require_approval", { approval: { quorum: 3 } }),
    doc("b-watch", "deny", { mode: "monitor" }),
    doc("a-watch", "allow", { mode: "monitor", agents: ["ci-*"] }),
  ];

  test("the same input twice gives deep-equal decisions", () => {
    const policies = compile(...documents);
    expect(evaluate(policies, input("pr.merge"))).toEqual(evaluate(policies, input("pr.merge")));
  });

  test("every order of the same policy versions gives the same decision", () => {
    const policies = compile(...documents);
    const expected = evaluate(policies, input("pr.merge"));
    expect(expected).toMatchObject({ effect: "require_approval", policy: { name: "c-review" }, approval: { quorum: 3 } });
    for (const order of permutations(policies)) {
      expect(evaluate(order, input("pr.merge"))).toEqual(expected);
    }
  });
});
