import { describe, expect, it } from "vitest";
import type { RateCounts } from "../src/policy/conditions";
import { parsePolicySet } from "../src/policy/document";
import { compilePolicy, evaluate, PolicySet, type AgentFacts, type Decision } from "../src/policy/evaluate";
import { AGENT, compile, facts, policy, ref } from "./conditions-helpers";

const OTHER: AgentFacts = { id: "agt_other0000000000000000", name: "other-bot", labels: {} };
const rate = (over: number, windowSeconds = 60, per?: "agent" | "org") => ({ rate: { over, windowSeconds, ...(per ? { per } : {}) } });
const meta = (key: string, value: unknown) => ({ field: `metadata.${key}`, op: "eq", value });
const counts = (entries: Record<string, number>): RateCounts => new Map(Object.entries(entries));
const ALLOW_ALL = policy("allow-all", "allow");

describe("compilePolicy: rate conditions", () => {
  it("keys each rate condition `${versionId}#${index}` in document order", () => {
    const [document] = parsePolicySet({
      policies: [policy("limits", "deny", { when: { any: [rate(1), { all: [meta("a", 1), rate(2, 120, "org")] }, { not: rate(3, 30) }] } })],
    });
    if (!document) throw new Error("no document");
    expect(compilePolicy(document, { versionId: "pv_9", version: 4 }).rates).toEqual([
      { key: "pv_9#0", spec: { over: 1, windowSeconds: 60, per: "agent" } },
      { key: "pv_9#1", spec: { over: 2, windowSeconds: 120, per: "org" } },
      { key: "pv_9#2", spec: { over: 3, windowSeconds: 30, per: "agent" } },
    ]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["no when", policy("plain", "deny")],
    ["a when without rates", policy("plain", "deny", { when: { all: [meta("a", 1), { not: meta("b", 2) }] } })],
  ])("gives no rates for a policy with %s", (_name, document) => {
    expect(compile(document)[0]?.rates).toEqual([]);
  });

  it("numbers each policy's rate conditions from 0 under its own version id", () => {
    const compiled = compile(policy("a", "deny", { when: rate(1) }), policy("b", "deny", { when: rate(2) }));
    expect(compiled.map((p) => p.rates.map((r) => r.key))).toEqual([["pv_a#0"], ["pv_b#0"]]);
  });
});

describe("PolicySet.ratesFor", () => {
  const set = new PolicySet(
    compile(
      { name: "a-ci-prs", actions: ["pr.*"], agents: ["ci-*"], effect: "deny", when: rate(5) },
      { name: "b-deploys", actions: ["deploy.*"], effect: "deny", when: { any: [rate(1), rate(2)] } },
      { name: "c-other-agent", actions: ["*"], agents: ["other-bot"], effect: "deny", when: rate(3) },
      { name: "d-by-id", actions: ["pr.merge"], agents: [AGENT.id], effect: "deny", when: rate(4) },
      { name: "e-no-rate", actions: ["*"], effect: "deny", when: meta("x", 1) },
      { name: "f-monitor", actions: ["pr.*"], effect: "deny", mode: "monitor", when: rate(6) },
    ),
  );

  it.each<[string, AgentFacts, string[]]>([
    ["pr.merge", AGENT, ["pv_a-ci-prs#0", "pv_d-by-id#0", "pv_f-monitor#0"]],
    ["pr.open", AGENT, ["pv_a-ci-prs#0", "pv_f-monitor#0"]],
    ["pr.merge", OTHER, ["pv_c-other-agent#0", "pv_f-monitor#0"]],
    ["deploy.prod", AGENT, ["pv_b-deploys#0", "pv_b-deploys#1"]],
    ["deploy.prod", OTHER, ["pv_b-deploys#0", "pv_b-deploys#1", "pv_c-other-agent#0"]],
    ["issue.close", AGENT, []],
  ])("%s by %o → %j", (actionType, agent, keys) => {
    expect(set.ratesFor(actionType, agent).map((r) => r.key)).toEqual(keys);
  });

  it("returns each rate condition's spec with its key", () => {
    expect(set.ratesFor("deploy.prod", AGENT)).toEqual([
      { key: "pv_b-deploys#0", spec: { over: 1, windowSeconds: 60, per: "agent" } },
      { key: "pv_b-deploys#1", spec: { over: 2, windowSeconds: 60, per: "agent" } },
    ]);
  });
});

describe("rate conditions in a decision", () => {
  const policies = compile(ALLOW_ALL, policy("limit", "deny", { when: rate(5, 3600) }));

  it.each<[string, RateCounts, boolean]>([
    ["a count of 0", counts({ "pv_limit#0": 0 }), false],
    ["a count equal to over", counts({ "pv_limit#0": 5 }), false],
    ["a count one past over", counts({ "pv_limit#0": 6 }), true],
    ["a count far past over", counts({ "pv_limit#0": 1000 }), true],
    ["no count (fail closed)", counts({}), true],
    ["a count under another key only", counts({ "pv_other#0": 0 }), true],
  ])("%s → the rate condition holds: %s", (_name, rates, holds) => {
    const decision = evaluate(policies, facts(), rates);
    expect({ effect: decision.effect, result: decision.conditionsEvaluated[0]?.result }).toEqual({ effect: holds ? "deny" : "allow", result: holds });
  });

  it("traces a rate condition with its per, over, window and count", () => {
    const decision = evaluate(compile(policy("limit", "deny", { when: rate(5, 3600, "org") })), facts(), counts({ "pv_limit#0": 7 }));
    expect(decision.conditionsEvaluated).toEqual([{ policy: "limit", field: "rate.org", operator: "over", expected: { over: 5, windowSeconds: 3600 }, actual: 7, result: true }]);
  });

  it("reads each rate condition's own count", () => {
    const decision = evaluate(compile(policy("limit", "deny", { when: { all: [rate(5), rate(10)] } })), facts(), counts({ "pv_limit#0": 6, "pv_limit#1": 3 }));
    expect(decision.conditionsEvaluated.map((c) => [c.actual, c.result])).toEqual([
      [6, true],
      [3, false],
    ]);
  });
});

describe("denial reasons with conditions", () => {
  it.each<[string, unknown, RateCounts, string]>([
    ["a rate condition held", rate(5), counts({ "pv_limit#0": 6 }), "RATE_LIMITED"],
    ["a rate condition had no count", rate(5), counts({}), "RATE_LIMITED"],
    ["a comparison held", meta("env", "prod"), counts({}), "CONDITIONS_DENIED"],
    ["a comparison held and the rate did not", { any: [rate(5), meta("env", "prod")] }, counts({ "pv_limit#0": 1 }), "CONDITIONS_DENIED"],
    ["the rate held after a false comparison", { any: [meta("env", "dev"), rate(5)] }, counts({ "pv_limit#0": 6 }), "RATE_LIMITED"],
    ["a comparison and the rate both held", { all: [meta("env", "prod"), rate(5)] }, counts({ "pv_limit#0": 6 }), "RATE_LIMITED"],
  ])("a deny whose %s → %s", (_name, when, rates, reason) => {
    const decision = evaluate(compile(ALLOW_ALL, policy("limit", "deny", { when })), facts({ metadata: { env: "prod" } }), rates);
    expect({ effect: decision.effect, reason: decision.reason, policy: decision.policy?.name }).toEqual({ effect: "deny", reason, policy: "limit" });
  });

  it("a deny whose rate did not hold does not apply", () => {
    const decision = evaluate(compile(ALLOW_ALL, policy("limit", "deny", { when: rate(5) })), facts(), counts({ "pv_limit#0": 5 }));
    expect({ effect: decision.effect, reason: decision.reason }).toEqual({ effect: "allow", reason: undefined });
  });

  it.each<[string, string, string, string]>([
    ["a comparison deny sorts first", "a-conditions", "b-rate", "CONDITIONS_DENIED"],
    ["a rate deny sorts first", "b-conditions", "a-rate", "RATE_LIMITED"],
  ])("the reason is the winning deny's: %s", (_name, conditionsName, rateName, reason) => {
    const policies = compile(policy(conditionsName, "deny", { when: meta("env", "prod") }), policy(rateName, "deny", { when: rate(1) }));
    const decision = evaluate(policies, facts({ metadata: { env: "prod" } }), counts({ [`pv_${rateName}#0`]: 2 }));
    expect({ reason: decision.reason, policy: decision.policy?.name }).toEqual({ reason, policy: [conditionsName, rateName].sort()[0] });
  });

  it.each<[string, Record<string, unknown>]>([
    ["a monitor-mode deny", policy("a-rate", "deny", { mode: "monitor", when: rate(1) })],
    ["a require_approval", policy("a-rate", "require_approval", { when: rate(1) })],
    ["an allow", policy("a-rate", "allow", { when: rate(1) })],
  ])("a rate held in %s does not make another policy's deny RATE_LIMITED", (_name, ratePolicy) => {
    const policies = compile(ratePolicy, policy("b-deny", "deny", { when: meta("env", "prod") }));
    const decision = evaluate(policies, facts({ metadata: { env: "prod" } }), counts({ "pv_a-rate#0": 2 }));
    expect({ reason: decision.reason, policy: decision.policy?.name }).toEqual({ reason: "CONDITIONS_DENIED", policy: "b-deny" });
  });
});

describe("merging policies with conditions", () => {
  const input = facts({ metadata: { size: 10 } });

  it("a require_approval whose condition is false does not apply, so allow wins", () => {
    const decision = evaluate(compile(ALLOW_ALL, policy("big", "require_approval", { when: { field: "metadata.size", op: "gt", value: 50 } })), input);
    expect({ effect: decision.effect, policy: decision.policy }).toEqual({ effect: "allow", policy: ref("allow-all", 1) });
  });

  it("a require_approval whose condition holds wins over allow with its approval options", () => {
    const decision = evaluate(compile(ALLOW_ALL, policy("big", "require_approval", { when: { field: "metadata.size", op: "gt", value: 5 }, approval: { quorum: 2 } })), input);
    expect({ effect: decision.effect, policy: decision.policy, quorum: decision.approval?.quorum }).toEqual({ effect: "require_approval", policy: ref("big", 2), quorum: 2 });
  });

  it("a deny whose condition is false does not outweigh an applying require_approval", () => {
    const decision = evaluate(compile(policy("a-deny", "deny", { when: meta("size", 11) }), policy("b-review", "require_approval")), input);
    expect({ effect: decision.effect, policy: decision.policy?.name }).toEqual({ effect: "require_approval", policy: "b-review" });
  });

  it("a policy whose agent pattern does not match is neither applied nor traced", () => {
    const policies = compile(ALLOW_ALL, { ...policy("others", "deny", { when: meta("size", 10) }), agents: ["other-*"] });
    const decision = evaluate(policies, input);
    expect({ effect: decision.effect, traced: decision.conditionsEvaluated.map((c) => c.policy) }).toEqual({ effect: "allow", traced: [] });
  });

  it("conditions are traced policy by policy in name order", () => {
    const policies = compile(
      policy("c", "allow", { when: meta("size", 10) }),
      policy("a", "deny", { when: { all: [meta("size", 1), meta("size", 2)] } }),
      policy("b", "require_approval", { when: { any: [meta("size", 10), meta("size", 3)] } }),
    );
    const decision = evaluate(policies, input);
    expect(decision.conditionsEvaluated.map((c) => [c.policy, c.expected, c.result])).toEqual([
      ["a", 1, false],
      ["b", 10, true],
      ["c", 10, true],
    ]);
  });
});

describe("monitor-mode policies with conditions", () => {
  const input = facts({ metadata: { env: "prod" } });

  it.each<[string, unknown, Decision["monitored"]]>([
    ["holds", meta("env", "prod"), [{ ...ref("watch", 2), effect: "deny" }]],
    ["does not hold", meta("env", "dev"), []],
  ])("is recorded in monitored only when its condition holds: condition %s", (_name, when, monitored) => {
    const decision = evaluate(compile(ALLOW_ALL, policy("watch", "deny", { mode: "monitor", when })), input);
    expect({ effect: decision.effect, monitored: decision.monitored }).toEqual({ effect: "allow", monitored });
  });

  it("a monitor policy whose condition is false still traces what it examined", () => {
    const decision = evaluate(compile(policy("watch", "deny", { mode: "monitor", when: meta("env", "dev") })), input);
    expect(decision.conditionsEvaluated).toEqual([{ policy: "watch", field: "metadata.env", operator: "eq", expected: "dev", actual: "prod", result: false }]);
  });

  it("a monitor-only decision's policy is the bare version ref, without an effect field", () => {
    const decision = evaluate(compile(policy("watch", "deny", { mode: "monitor", when: meta("env", "prod") })), input);
    expect({ effect: decision.effect, mode: decision.mode, policy: decision.policy, hasEffect: decision.policy !== undefined && "effect" in decision.policy }).toStrictEqual({
      effect: "allow",
      mode: "monitor",
      policy: ref("watch", 1),
      hasEffect: false,
    });
  });

  it("a monitor-only decision names the first policy by name whose condition held", () => {
    const policies = compile(
      policy("a-watch", "deny", { mode: "monitor", when: meta("env", "dev") }),
      policy("b-watch", "require_approval", { mode: "monitor", when: meta("env", "prod") }),
    );
    const decision = evaluate(policies, input);
    expect({ policy: decision.policy, monitored: decision.monitored }).toEqual({ policy: ref("b-watch", 2), monitored: [{ ...ref("b-watch", 2), effect: "require_approval" }] });
  });

  it("monitor policies whose conditions are all false leave NO_POLICY", () => {
    const decision = evaluate(compile(policy("watch", "allow", { mode: "monitor", when: meta("env", "dev") })), input);
    expect({ effect: decision.effect, reason: decision.reason, mode: decision.mode }).toEqual({ effect: "deny", reason: "NO_POLICY", mode: "enforce" });
  });
});

describe("determinism with conditions", () => {
  const documents = [
    policy("a-allow", "allow", { when: { any: [meta("env", "prod"), { field: "agent.labels.env", op: "exists" }] } }),
    policy("b-review", "require_approval", { when: { all: [{ field: "metadata.size", op: "gt", value: 5 }, { not: meta("env", "dev") }] } }),
    policy("c-limit", "deny", { when: rate(3) }),
    policy("d-limit", "deny", { when: { all: [meta("env", "prod"), rate(1, 60, "org")] } }),
    policy("e-watch", "deny", { mode: "monitor", when: { field: "dataAccessed.type", op: "in", value: ["pii"] } }),
  ];
  const input = facts({ metadata: { env: "prod", size: 9 }, dataAccessed: [{ type: "pii", count: 1 }] });
  const rates = counts({ "pv_c-limit#0": 4, "pv_d-limit#0": 2 });

  it("the same input twice gives deep-equal decisions", () => {
    const set = new PolicySet(compile(...documents));
    expect(set.evaluate(input, rates)).toEqual(set.evaluate(input, rates));
  });

  it("reversing the policy order gives the same decision", () => {
    const forward = compile(...documents);
    expect(evaluate([...forward].reverse(), input, rates)).toEqual(evaluate(forward, input, rates));
  });

  it("the decision is the one the merge rules give", () => {
    const decision = evaluate(compile(...documents), input, rates);
    expect({ effect: decision.effect, reason: decision.reason, policy: decision.policy?.name, monitored: decision.monitored.map((m) => m.name) }).toEqual({
      effect: "deny",
      reason: "RATE_LIMITED",
      policy: "c-limit",
      monitored: ["e-watch"],
    });
  });
});

describe("the per-action candidates memo", () => {
  const TYPES = 5000;
  const set = new PolicySet(
    compile(
      { name: "allow-x", actions: ["x.*"], effect: "allow" },
      { name: "deny-flagged", actions: ["x.*.deny"], effect: "deny" },
      { name: "review-flagged", actions: ["x.*.review"], effect: "require_approval", when: meta("big", true) },
      { name: "limit-flagged", actions: ["x.*.limit"], effect: "deny", when: rate(1) },
    ),
  );
  const suffixes = ["deny", "review", "limit", "ok"] as const;
  const typeOf = (i: number) => `x.${i}.${suffixes[i % suffixes.length]}`;
  const expected = (i: number) => {
    const suffix = suffixes[i % suffixes.length];
    return suffix === "deny"
      ? ["deny", "deny-flagged"]
      : suffix === "review"
        ? ["require_approval", "review-flagged"]
        : suffix === "limit"
          ? ["deny", "limit-flagged"]
          : ["allow", "allow-x"];
  };

  it(`decides correctly for ${TYPES} distinct action types, twice over`, () => {
    const wrong: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < TYPES; i++) {
        const decision = set.evaluate(facts({ actionType: typeOf(i), metadata: { big: true } }), counts({}));
        const [effect, name] = expected(i);
        if (decision.effect !== effect || decision.policy?.name !== name) wrong.push(`${typeOf(i)} → ${decision.effect} ${decision.policy?.name ?? ""}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it(`finds the right rate conditions for ${TYPES} distinct action types, twice over`, () => {
    const wrong: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < TYPES; i++) {
        const keys = set.ratesFor(typeOf(i), AGENT).map((r) => r.key);
        const want = i % suffixes.length === 2 ? ["pv_limit-flagged#0"] : [];
        if (keys.join() !== want.join()) wrong.push(`${typeOf(i)} → ${keys.join()}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("an action type no policy names is NO_POLICY after the memo has been filled and reset", () => {
    for (let i = 0; i < TYPES; i++) set.candidates(`z.${i}`);
    expect(set.evaluate(facts({ actionType: "z.0" })).reason).toBe("NO_POLICY");
  });
});
