import { describe, expect, it } from "vitest";
import { retentionSettings } from "../src/audit/retention";
import { formatDuration, isHighRiskActionPattern, scorePosture, type PostureFacts, type PostureResult } from "../src/posture/score-posture";

const now = new Date("2026-06-30T12:00:00Z");
const daysAgo = (n: number): Date => new Date(now.getTime() - n * 86_400_000);
const minutesAgo = (n: number): Date => new Date(now.getTime() - n * 60_000);
const NO_RETENTION = { settings: retentionSettings({}), lastSweepAt: null, sweeps: 0, entriesSwept: 0 };

/** An org that does everything docs/posture.md asks: 100, no findings. */
function perfect(): PostureFacts {
  return {
    now,
    decisions: { total: 1_000, noPolicy: 10, executed: 800, outcomes: 400, actionTypes: ["pr.merge", "repo.read"], postConditionViolations: 0 },
    policies: [
      { name: "reads", actions: ["*.read"], effect: "allow", mode: "enforce", quorum: null, versionCreatedAt: daysAgo(100) },
      { name: "merges", actions: ["pr.merge"], effect: "require_approval", mode: "enforce", quorum: 2, versionCreatedAt: daysAgo(100) },
      { name: "trial", actions: ["docs.write"], effect: "allow", mode: "monitor", quorum: null, versionCreatedAt: daysAgo(14) },
    ],
    approvals: {
      decided: 100,
      expired: 10,
      medianSeconds: 900,
      p90Seconds: 14_400,
      decidedFast: 20,
      votes: 100,
      topVoterVotes: 80,
      refusedSelfApprovals: 0,
      activeGrants: 0,
      latestGrantExpiry: null,
    },
    members: { total: 8, owners: 3, ssoRequired: true },
    agentKeys: [{ id: "key_1", agentId: "agt_1", agentName: "bot", agentHalted: false, createdAt: daysAgo(60), lastUsedAt: daysAgo(29), expiresAt: daysAgo(-30) }],
    adminKeys: [{ id: "key_2", createdAt: daysAgo(89) }],
    delegations: [{ id: "dlg_1", name: "task", createdAt: minutesAgo(60), expiresAt: new Date(now.getTime() + 23 * 3_600_000) }],
    agentIntegrations: [
      {
        agentId: "agt_1",
        agentName: "bot",
        integrations: [
          { name: "ai-sdk", lastSeenAt: minutesAgo(5), lastToolCallAt: daysAgo(6) },
          { name: "mcp-proxy", lastSeenAt: daysAgo(1), lastToolCallAt: daysAgo(1) },
        ],
      },
      { agentId: "agt_2", agentName: "cli-bot", integrations: [{ name: "sdk", lastSeenAt: minutesAgo(1), lastToolCallAt: null }] },
    ],
    // An agent whose model calls all came through a wrapper has no row: only declared-by-hand calls are counted here.
    unwrappedModelCalls: [{ agentName: "bot", count: 0 }],
    audit: {
      lastVerification: { at: daysAgo(29), valid: true },
      oldestUncoveredEntryAt: minutesAgo(9),
      activeSigningKeyCreatedAt: daysAgo(364),
      lastAuditorExportAt: daysAgo(29),
      retention: NO_RETENTION,
    },
  };
}

type Change = (f: PostureFacts) => void;
type Component = keyof PostureResult["components"];

const key = (n: number, over: Partial<PostureFacts["agentKeys"][number]> = {}): PostureFacts["agentKeys"][number] => ({
  id: `key_a${n}`,
  agentId: `agt_${n}`,
  agentName: `bot-${n}`,
  agentHalted: false,
  createdAt: daysAgo(1),
  lastUsedAt: daysAgo(1),
  expiresAt: daysAgo(-30),
  ...over,
});

/** Each rule alone: the change, the component, the finding's id, severity and points. */
const RULES: Array<[string, Change, Component, string, string, number]> = [
  [
    "no decisions",
    (f) => void (f.decisions = { total: 0, noPolicy: 0, executed: 0, outcomes: 0, actionTypes: [], postConditionViolations: 0 }),
    "policyCoverage",
    "coverage.no_decisions",
    "low",
    3,
  ],
  ["one post-condition broken: 2 points", (f) => void (f.decisions.postConditionViolations = 1), "policyCoverage", "coverage.postcondition_violations", "medium", 2],
  ["five broken: 6 points at most, high", (f) => void (f.decisions.postConditionViolations = 5), "policyCoverage", "coverage.postcondition_violations", "high", 6],
  ["NO_POLICY 1.1 %: ceil(30 × 0.011) = 1", (f) => void (f.decisions.noPolicy = 11), "policyCoverage", "coverage.no_policy_denials", "low", 1],
  ["NO_POLICY 21 %: ceil(30 × 412/1930) = 7", (f) => void Object.assign(f.decisions, { total: 1_930, noPolicy: 412 }), "policyCoverage", "coverage.no_policy_denials", "medium", 7],
  ["NO_POLICY 60 %: capped at 15", (f) => void (f.decisions.noPolicy = 600), "policyCoverage", "coverage.no_policy_denials", "high", 15],
  ["one uncovered action type", (f) => void (f.decisions.actionTypes = ["pr.merge", "repo.read", "db.drop"]), "policyCoverage", "coverage.uncovered_action_types", "medium", 2],
  [
    "a type only a monitor-mode policy names is uncovered; five are capped at 8",
    (f) => void (f.decisions.actionTypes = ["docs.write", "a", "b", "c", "d"]),
    "policyCoverage",
    "coverage.uncovered_action_types",
    "medium",
    8,
  ],
  [
    "a model-calling framework whose tool calls stopped 8 days ago (a governed call in another integration counts; old ones do not)",
    (f) =>
      void (f.agentIntegrations[0]!.integrations = [
        { name: "langchain", lastSeenAt: minutesAgo(5), lastToolCallAt: daysAgo(8) },
        { name: "sdk", lastSeenAt: daysAgo(8), lastToolCallAt: daysAgo(8) },
      ]),
    "policyCoverage",
    "coverage.ungoverned_tool_calls",
    "medium",
    2,
  ],
  [
    "four agents with wrapped model clients and no tool calls: capped at 6",
    (f) =>
      void (f.agentIntegrations = [1, 2, 3, 4].map((n) => ({
        agentId: `agt_${n}`,
        agentName: `bot-${n}`,
        integrations: [{ name: "openai", lastSeenAt: minutesAgo(n), lastToolCallAt: null }],
      }))),
    "policyCoverage",
    "coverage.ungoverned_tool_calls",
    "medium",
    6,
  ],
  [
    "an agent that declared the spend of a model call by hand, without a wrapper",
    (f) => void (f.unwrappedModelCalls = [{ agentName: "py-bot", count: 1 }]),
    "policyCoverage",
    "coverage.unwrapped_model_calls",
    "medium",
    2,
  ],
  [
    "four agents that declared spend by hand: capped at 6",
    (f) => void (f.unwrappedModelCalls = [1, 2, 3, 4].map((n) => ({ agentName: `bot-${n}`, count: n }))),
    "policyCoverage",
    "coverage.unwrapped_model_calls",
    "medium",
    6,
  ],
  ["monitor mode for 15 days", (f) => void (f.policies[2] = { ...f.policies[2]!, versionCreatedAt: daysAgo(15) }), "policyCoverage", "coverage.stale_monitor_mode", "medium", 2],
  [
    "expired 11 of 101 (11 %): ceil(16 × 11/101) = 2",
    (f) => void Object.assign(f.approvals, { decided: 90, expired: 11, decidedFast: 18 }),
    "humanOversight",
    "oversight.expired_approvals",
    "medium",
    2,
  ],
  [
    "expired 60 of 100: capped at 8, high",
    (f) => void Object.assign(f.approvals, { decided: 40, expired: 60, decidedFast: 0 }),
    "humanOversight",
    "oversight.expired_approvals",
    "high",
    8,
  ],
  ["median over 15 min", (f) => void (f.approvals.medianSeconds = 901), "humanOversight", "oversight.slow_median_decision", "medium", 3],
  ["p90 over 4 h", (f) => void (f.approvals.p90Seconds = 14_401), "humanOversight", "oversight.slow_p90_decision", "low", 2],
  ["21 % decided within 5 s", (f) => void (f.approvals.decidedFast = 21), "humanOversight", "oversight.rubber_stamp", "medium", 4],
  ["one member cast 81 % of votes", (f) => void (f.approvals.topVoterVotes = 81), "humanOversight", "oversight.single_approver", "medium", 3],
  ["two refused self-approvals", (f) => void (f.approvals.refusedSelfApprovals = 2), "humanOversight", "oversight.self_approval_attempts", "low", 2],
  ["five refused self-approvals: capped at 3", (f) => void (f.approvals.refusedSelfApprovals = 5), "humanOversight", "oversight.self_approval_attempts", "low", 3],
  ["two standing grants live", (f) => void (f.approvals.activeGrants = 2), "humanOversight", "oversight.standing_grants", "low", 2],
  ["five standing grants live: capped at 3", (f) => void (f.approvals.activeGrants = 5), "humanOversight", "oversight.standing_grants", "low", 3],
  ["a merge policy with quorum 1", (f) => void (f.policies[1] = { ...f.policies[1]!, quorum: 1 }), "humanOversight", "oversight.high_risk_single_quorum", "high", 2],
  [
    "two keys without expiry",
    (f) => void f.agentKeys.push(key(2, { expiresAt: null }), key(3, { expiresAt: null })),
    "identityAccess",
    "identity.agent_keys_without_expiry",
    "medium",
    2,
  ],
  ["a key unused for 31 days", (f) => void f.agentKeys.push(key(2, { createdAt: daysAgo(40), lastUsedAt: daysAgo(31) })), "identityAccess", "identity.unused_agent_keys", "low", 1],
  [
    "a key never used, created 31 days ago",
    (f) => void f.agentKeys.push(key(2, { createdAt: daysAgo(31), lastUsedAt: null })),
    "identityAccess",
    "identity.unused_agent_keys",
    "low",
    1,
  ],
  ["an admin key of 91 days", (f) => void f.adminKeys.push({ id: "key_x", createdAt: daysAgo(91) }), "identityAccess", "identity.old_admin_keys", "medium", 2],
  ["4 owners of 8", (f) => void (f.members.owners = 4), "identityAccess", "identity.too_many_owners", "low", 2],
  ["2 owners of 3", (f) => void (f.members = { total: 3, owners: 2, ssoRequired: true }), "identityAccess", "identity.too_many_owners", "low", 2],
  ["SSO not required", (f) => void (f.members.ssoRequired = false), "identityAccess", "identity.sso_not_required", "low", 1],
  ["a halted agent with a live key", (f) => void (f.agentKeys[0] = { ...f.agentKeys[0]!, agentHalted: true }), "identityAccess", "identity.halted_agents_with_keys", "high", 3],
  [
    "a delegation of 25 hours",
    (f) => void f.delegations.push({ id: "dlg_2", name: "long", createdAt: minutesAgo(60), expiresAt: new Date(now.getTime() + 24 * 3_600_000) }),
    "identityAccess",
    "identity.long_delegations",
    "low",
    1,
  ],
  ["never verified", (f) => void (f.audit.lastVerification = null), "auditIntegrity", "audit.not_verified", "critical", 10],
  ["verified 31 days ago", (f) => void (f.audit.lastVerification = { at: daysAgo(31), valid: true }), "auditIntegrity", "audit.not_verified", "critical", 10],
  ["last verification invalid", (f) => void (f.audit.lastVerification = { at: daysAgo(1), valid: false }), "auditIntegrity", "audit.verification_failed", "critical", 15],
  ["entries uncovered for 11 minutes", (f) => void (f.audit.oldestUncoveredEntryAt = minutesAgo(11)), "auditIntegrity", "audit.checkpoint_stale", "high", 8],
  ["signing key of 366 days", (f) => void (f.audit.activeSigningKeyCreatedAt = daysAgo(366)), "auditIntegrity", "audit.old_signing_key", "medium", 3],
  ["no auditor export", (f) => void (f.audit.lastAuditorExportAt = null), "auditIntegrity", "audit.no_auditor_export", "medium", 3],
  ["outcomes for 399 of 800", (f) => void (f.decisions.outcomes = 399), "auditIntegrity", "audit.missing_outcomes", "low", 3],
];

describe("scorePosture", () => {
  it("a well-governed org scores 100 with no findings (every threshold met exactly)", () => {
    const posture = scorePosture(perfect());
    expect(posture.score).toBe(100);
    expect(posture.windowDays).toBe(30);
    expect(posture.computedAt).toBe(now.toISOString());
    for (const c of Object.values(posture.components)) expect(c).toEqual({ score: 25, max: 25, findings: [] });
  });

  it.each(RULES)("%s", (_name, change, component, id, severity, points) => {
    const facts = perfect();
    change(facts);
    const posture = scorePosture(facts);
    const c = posture.components[component];
    expect(c.findings.map((f) => [f.id, f.severity, f.points])).toEqual([[id, severity, points]]);
    expect(c.score).toBe(25 - points);
    expect(posture.score).toBe(100 - points);
    const finding = c.findings[0]!;
    expect(finding.message.length).toBeGreaterThan(0);
    expect(finding.fix.length).toBeGreaterThan(0);
    expect(finding.href.startsWith("/")).toBe(true);
  });

  it("states the measured numbers in the message", () => {
    const facts = perfect();
    Object.assign(facts.decisions, { total: 1_930, noPolicy: 412 });
    const [finding] = scorePosture(facts).components.policyCoverage.findings;
    expect(finding?.message).toBe("412 of 1,930 decisions (21 %) in the last 30 days were denied with NO_POLICY.");
  });

  it("adds findings within a component and across components", () => {
    const facts = perfect();
    facts.decisions.noPolicy = 600; // 15
    facts.decisions.actionTypes = ["pr.merge", "repo.read", "db.drop"]; // 2
    facts.members.ssoRequired = false; // 1
    facts.audit.lastVerification = null; // 10
    const posture = scorePosture(facts);
    expect(posture.components.policyCoverage.score).toBe(8);
    expect(posture.components.identityAccess.score).toBe(24);
    expect(posture.components.auditIntegrity.score).toBe(15);
    expect(posture.score).toBe(100 - 15 - 2 - 1 - 10);
  });

  it("a component never goes below 0", () => {
    const facts = perfect();
    facts.audit = {
      lastVerification: { at: daysAgo(1), valid: false },
      oldestUncoveredEntryAt: minutesAgo(60),
      activeSigningKeyCreatedAt: daysAgo(400),
      lastAuditorExportAt: null,
      retention: NO_RETENTION,
    };
    facts.decisions.outcomes = 0; // 15 + 8 + 3 + 3 + 3 = 32
    const posture = scorePosture(facts);
    expect(posture.components.auditIntegrity.findings.reduce((s, f) => s + f.points, 0)).toBe(32);
    expect(posture.components.auditIntegrity.score).toBe(0);
    expect(posture.score).toBe(75);
  });

  it("a halted agent's finding links to that agent; revoked or expired keys do not count", () => {
    const facts = perfect();
    facts.agentKeys = [key(7, { agentHalted: true }), key(8, { agentHalted: true, expiresAt: daysAgo(1) })];
    const [finding] = scorePosture(facts).components.identityAccess.findings;
    expect(finding).toMatchObject({ id: "identity.halted_agents_with_keys", points: 3, href: "/agents/agt_7" });
  });

  it("the same facts give the same posture", () => {
    const facts = perfect();
    facts.decisions.actionTypes = ["z", "a", "m"];
    expect(scorePosture(facts)).toEqual(scorePosture(facts));
    expect(scorePosture(facts).components.policyCoverage.findings[0]?.message).toContain(": a, m, z.");
  });
});

describe("high-risk action patterns", () => {
  it.each([
    ["deploy.*", true],
    ["pr.merge", true],
    ["db.drop_table", true],
    ["payments.refund", true],
    ["vault:secrets.read", true],
    ["*", true],
    ["repo.read", false],
    ["*.list", false],
    ["deployment.read", false],
  ])("%s → %s", (pattern, risky) => {
    expect(isHighRiskActionPattern(pattern)).toBe(risky);
  });
});

describe("formatDuration", () => {
  it.each([
    [42, "42 s"],
    [900, "15 min"],
    [19_800, "5.5 h"],
  ])("%d s → %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
