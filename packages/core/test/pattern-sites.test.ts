import { retentionSettings } from "../src/audit/retention";
import { describe, expect, it } from "vitest";
import { checkChain, uncoveredCapability, type ChainLink } from "../src/delegation/attenuation";
import { parsePolicySet } from "../src/policy/document";
import { compilePolicy, PolicySet } from "../src/policy/evaluate";
import { MAX_PATTERN_STARS } from "../src/policy/match-pattern";
import { scorePosture, type PostureFacts } from "../src/posture/score-posture";
import { validationIssues } from "./helpers";

/**
 * Every place an action, agent or capability pattern is matched, against patterns that froze the old
 * backtracking matcher, on values at the size caps (128 characters). Each answer must be right and
 * come at once: the old matcher needed longer than anyone would wait for any of these rows (see
 * bench/PATTERNS.md); the new one needs microseconds. One second per row is a safety net for a
 * shared, loaded machine, not a measurement (match-pattern.test.ts counts steps).
 */
const SAFETY_NET_MS = 1_000;

const A128 = "a".repeat(128);
const part = "a".repeat(15);
/** [name, pattern (at most 8 stars, so every schema accepts it), value, whether the pattern matches it] */
const BOMBS: Array<[string, string, string, boolean]> = [
  ["eight stars, one letter apart, no match", "*a*a*a*a*a*a*a*b", A128, false],
  ["eight stars, one letter apart, a match", "*a*a*a*a*a*a*a*a", A128, true],
  ["eight stars, long parts, no match", `*${part}*${part}*${part}*${part}*${part}*${part}*${part}*b`, A128, false],
  ["parts that nearly match everywhere", "*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab*", A128, false],
  ["a part at every place, a match", "a*a*a*a*a*a*a*a*a", A128, true],
  ["periodic parts, no match", "*abab*abab*abab*ababb*", "ab".repeat(64), false],
];

const NO_RETENTION = { settings: retentionSettings({}), lastSweepAt: null, sweeps: 0, entriesSwept: 0 };

function timed<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  expect(performance.now() - started).toBeLessThan(SAFETY_NET_MS);
  return result;
}

const agent = (name: string) => ({ id: "agt_0123456789abcdefghijkl", name, labels: {} });
const facts = (actionType: string, name = "ci-bot") => ({ actionType, agent: agent(name), metadata: {}, dataAccessed: [] });
const compiled = (documents: unknown[]) => new PolicySet(parsePolicySet({ policies: documents }).map((d, i) => compilePolicy(d, { versionId: `pv_${i}`, version: 1 })));

const now = new Date("2026-11-23T00:00:00Z");
const link = (capabilities: string[]): ChainLink => ({
  delegationId: "dlg_1",
  agentId: "agt_1",
  agentName: "task",
  parentAgentId: "agt_0",
  capabilities,
  expiresAt: new Date(now.getTime() + 60_000),
  revokedAt: null,
});

function posture(actions: string[], actionType: string): PostureFacts {
  return {
    now,
    decisions: { total: 10, noPolicy: 0, executed: 10, outcomes: 10, actionTypes: [actionType], postConditionViolations: 0 },
    policies: [{ name: "bomb", actions, effect: "allow", mode: "enforce", quorum: null, versionCreatedAt: now }],
    approvals: {
      decided: 0,
      expired: 0,
      medianSeconds: null,
      p90Seconds: null,
      decidedFast: 0,
      votes: 0,
      topVoterVotes: 0,
      refusedSelfApprovals: 0,
      activeGrants: 0,
      latestGrantExpiry: null,
    },
    members: { total: 2, owners: 2, ssoRequired: true },
    agentKeys: [],
    adminKeys: [],
    delegations: [],
    agentIntegrations: [],
    unwrappedModelCalls: [],
    audit: { lastVerification: null, oldestUncoveredEntryAt: null, activeSigningKeyCreatedAt: null, lastAuditorExportAt: null, retention: NO_RETENTION },
  };
}

const matched = (matches: boolean) => matches;
/** [site, whether the site says the pattern applies to the value, what it should say given whether the pattern matches the value] */
const SITES: Array<[string, (pattern: string, value: string) => boolean, (matches: boolean) => boolean]> = [
  ["policy actions (a decision)", (pattern, value) => compiled([{ name: "bomb", actions: [pattern], effect: "allow" }]).evaluate(facts(value)).effect === "allow", matched],
  [
    "policy agents (a decision)",
    (pattern, value) => compiled([{ name: "bomb", actions: ["*"], agents: [pattern], effect: "allow" }]).evaluate(facts("pr.open", value)).effect === "allow",
    matched,
  ],
  ["delegation capabilities (checkChain)", (pattern, value) => checkChain([link([pattern])], value, now) === null, matched],
  ["capability covers: the bomb as parent of a 128-character child", (pattern, value) => uncoveredCapability([pattern], [value]) === null, matched],
  // A child ending in `*` is covered only by a parent ending in `*` whose parts all occur: none of these.
  ["capability covers: the bomb as parent of a child ending in a star", (pattern, value) => uncoveredCapability([pattern], [`${value}*`]) === null, () => false],
  [
    "posture: action types no enforce-mode policy names",
    (pattern, value) => !scorePosture(posture([pattern], value)).components.policyCoverage.findings.some((f) => f.id === "coverage.uncovered_action_types"),
    matched,
  ],
];

describe("every pattern site answers hostile patterns at once, and rightly", () => {
  it.each(SITES.flatMap(([site, run, expected]) => BOMBS.map(([name, pattern, value, matches]) => [site, name, run, pattern, value, expected(matches)] as const)))(
    "%s × %s",
    (_site, _name, run, pattern, value, expected) => {
      expect(timed(() => run(pattern, value))).toBe(expected);
    },
  );

  it("a delegate's bomb is covered by its parent's `*` at once (creating the delegate)", () => {
    for (const [, pattern] of BOMBS) expect(timed(() => uncoveredCapability(["*"], [pattern]))).toBeNull();
  });
});

describe(`a policy's patterns hold at most ${MAX_PATTERN_STARS} '*', named by field (delegations: apps/api/test/pattern-bombs.test.ts)`, () => {
  const within = `*${"a*".repeat(MAX_PATTERN_STARS - 1)}b`;
  const beyond = `*${"a*".repeat(MAX_PATTERN_STARS)}b`;
  it.each([
    ["a policy's actions", { name: "p", actions: ["pr.open", beyond], effect: "allow" }, "policies[0].actions[1]"],
    ["a policy's agents", { name: "p", actions: ["pr.open"], agents: [beyond], effect: "allow" }, "policies[0].agents[0]"],
    ["consecutive stars count one by one", { name: "p", actions: ["*".repeat(MAX_PATTERN_STARS + 1)], effect: "allow" }, "policies[0].actions[0]"],
  ])("%s", (_name, document, path) => {
    expect(validationIssues(() => parsePolicySet({ policies: [document] }))).toEqual([{ path, message: `holds at most ${MAX_PATTERN_STARS} '*'` }]);
  });

  it(`${MAX_PATTERN_STARS} are accepted`, () => {
    expect(parsePolicySet({ policies: [{ name: "p", actions: [within], agents: [within], effect: "allow" }] })).toHaveLength(1);
  });
});
