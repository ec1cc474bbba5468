import { describe, expect, test } from "vitest";
import { actionRequestHash, actionStatusOf, buildActionResult, parseActionRequest, type ActionRequest } from "../src/actions/action-result";
import type { Decision } from "../src/policy/evaluate";
import { issuePaths } from "./helpers";

describe("parseActionRequest: valid requests", () => {
  test("fills metadata {} and dataAccessed [] and leaves eventId out", () => {
    expect(parseActionRequest({ actionType: "pr.merge" })).toEqual({ actionType: "pr.merge", metadata: {}, dataAccessed: [] });
  });

  test("keeps every field of a full request", () => {
    const body = {
      actionType: "db:query",
      metadata: { table: "users", nested: { rows: [1, 2] } },
      dataAccessed: [{ type: "pii", count: 0, sensitivity: "restricted" }, { type: "logs" }],
      eventId: "evt-2025.01:AbC_9",
    };
    expect(parseActionRequest(body)).toEqual(body);
  });

  test.each([
    ["a single character", "a"],
    ["a leading digit", "0day"],
    ["every allowed punctuation mark", "a._:-z"],
    ["128 characters", "a".repeat(128)],
  ])("accepts an actionType with %s", (_label, actionType) => {
    expect(parseActionRequest({ actionType }).actionType).toBe(actionType);
  });

  test.each([
    ["1 character", "e"],
    ["200 characters", "E".repeat(200)],
    ["upper case, digits and ._:-", "Evt_1.2:3-4"],
  ])("accepts an eventId of %s", (_label, eventId) => {
    expect(parseActionRequest({ actionType: "a", eventId }).eventId).toBe(eventId);
  });

  test.each(["public", "internal", "confidential", "restricted"])("accepts sensitivity %s", (sensitivity) => {
    expect(parseActionRequest({ actionType: "a", dataAccessed: [{ type: "x", sensitivity }] }).dataAccessed).toHaveLength(1);
  });
});

describe("parseActionRequest: invalid requests", () => {
  test.each<[string, unknown]>([
    ["null", null],
    ["an array", [{ actionType: "a" }]],
    ["a string", "pr.merge"],
    ["a number", 42],
    ["undefined", undefined],
  ])("rejects a body that is %s at path ''", (_label, body) => {
    expect(issuePaths(() => parseActionRequest(body))).toEqual([""]);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    ["a missing actionType", {}, ["actionType"]],
    ["a numeric actionType", { actionType: 7 }, ["actionType"]],
    ["an empty actionType", { actionType: "" }, ["actionType"]],
    ["a 129-character actionType", { actionType: "a".repeat(129) }, ["actionType"]],
    ["an upper-case actionType", { actionType: "PR.merge" }, ["actionType"]],
    ["an actionType starting with '.'", { actionType: ".pr" }, ["actionType"]],
    ["an actionType starting with '-'", { actionType: "-pr" }, ["actionType"]],
    ["an actionType with a space", { actionType: "pr merge" }, ["actionType"]],
    ["an actionType with '/'", { actionType: "pr/merge" }, ["actionType"]],
    ["an actionType with '*'", { actionType: "pr.*" }, ["actionType"]],
    ["an actionType with a trailing newline", { actionType: "pr.merge\n" }, ["actionType"]],
    ["an unknown key", { actionType: "a", agentId: "agt_x" }, [""]],
    ["metadata that is an array", { actionType: "a", metadata: [] }, ["metadata"]],
    ["metadata that is a string", { actionType: "a", metadata: "x" }, ["metadata"]],
    ["dataAccessed that is an object", { actionType: "a", dataAccessed: {} }, ["dataAccessed"]],
    ["a dataAccessed item without type", { actionType: "a", dataAccessed: [{}] }, ["dataAccessed[0].type"]],
    ["a dataAccessed item with an empty type", { actionType: "a", dataAccessed: [{ type: "" }] }, ["dataAccessed[0].type"]],
    ["a second dataAccessed item with a numeric type", { actionType: "a", dataAccessed: [{ type: "x" }, { type: 1 }] }, ["dataAccessed[1].type"]],
    ["a negative count", { actionType: "a", dataAccessed: [{ type: "x", count: -1 }] }, ["dataAccessed[0].count"]],
    ["a fractional count", { actionType: "a", dataAccessed: [{ type: "x", count: 1.5 }] }, ["dataAccessed[0].count"]],
    ["an unknown sensitivity", { actionType: "a", dataAccessed: [{ type: "x", sensitivity: "secret" }] }, ["dataAccessed[0].sensitivity"]],
    ["an unknown dataAccessed key", { actionType: "a", dataAccessed: [{ type: "x", rows: 1 }] }, ["dataAccessed[0]"]],
    ["a dataAccessed item that is a string", { actionType: "a", dataAccessed: ["pii"] }, ["dataAccessed[0]"]],
    ["101 dataAccessed items", { actionType: "a", dataAccessed: Array.from({ length: 101 }, () => ({ type: "x" })) }, ["dataAccessed"]],
    ["an empty eventId", { actionType: "a", eventId: "" }, ["eventId"]],
    ["a 201-character eventId", { actionType: "a", eventId: "e".repeat(201) }, ["eventId"]],
    ["an eventId with a space", { actionType: "a", eventId: "evt 1" }, ["eventId"]],
    ["an eventId with '/'", { actionType: "a", eventId: "evt/1" }, ["eventId"]],
    ["a numeric eventId", { actionType: "a", eventId: 1 }, ["eventId"]],
  ])("rejects %s with issue paths %j", (_label, body, paths) => {
    expect(issuePaths(() => parseActionRequest(body))).toEqual(paths);
  });
});

describe("actionRequestHash", () => {
  const AGENT = "agt_0123456789abcdefghijkl";
  const request = (overrides: Partial<ActionRequest> = {}): ActionRequest => ({
    actionType: "pr.merge",
    metadata: { repo: "web", pr: 12, labels: { size: "l", team: "core" } },
    dataAccessed: [{ type: "code", count: 3 }],
    ...overrides,
  });

  test("is 64 lower-case hex digits", () => {
    expect(actionRequestHash(AGENT, request())).toMatch(/^[0-9a-f]{64}$/);
  });

  test("does not depend on member order in metadata or dataAccessed items", () => {
    const reordered = request({ metadata: { labels: { team: "core", size: "l" }, pr: 12, repo: "web" }, dataAccessed: [{ count: 3, type: "code" }] });
    expect(actionRequestHash(AGENT, reordered)).toBe(actionRequestHash(AGENT, request()));
  });

  test("does not depend on the eventId", () => {
    expect(actionRequestHash(AGENT, request({ eventId: "evt-1" }))).toBe(actionRequestHash(AGENT, request({ eventId: "evt-2" })));
  });

  test.each<[string, string, ActionRequest]>([
    ["the agent", "agt_ZZZZZZZZZZZZZZZZZZZZZZ", request()],
    ["the action type", AGENT, request({ actionType: "pr.open" })],
    ["a metadata value", AGENT, request({ metadata: { repo: "web", pr: 13, labels: { size: "l", team: "core" } } })],
    ["a nested metadata value", AGENT, request({ metadata: { repo: "web", pr: 12, labels: { size: "xl", team: "core" } } })],
    ["a metadata value's type", AGENT, request({ metadata: { repo: "web", pr: "12", labels: { size: "l", team: "core" } } })],
    ["an added metadata key", AGENT, request({ metadata: { repo: "web", pr: 12, labels: { size: "l", team: "core" }, draft: false } })],
    ["dataAccessed", AGENT, request({ dataAccessed: [{ type: "code", count: 4 }] })],
  ])("changes with %s", (_label, agentId, changed) => {
    expect(actionRequestHash(agentId, changed)).not.toBe(actionRequestHash(AGENT, request()));
  });

  test("changes with the order of dataAccessed items", () => {
    const ab = actionRequestHash(AGENT, request({ dataAccessed: [{ type: "a" }, { type: "b" }] }));
    const ba = actionRequestHash(AGENT, request({ dataAccessed: [{ type: "b" }, { type: "a" }] }));
    expect(ab).not.toBe(ba);
  });
});

const POLICY = { name: "merge", versionId: "pv_merge", version: 4 };
const decisions = {
  allow: { effect: "allow", policy: POLICY, mode: "enforce", conditionsEvaluated: [], monitored: [] },
  approval: {
    effect: "require_approval",
    policy: POLICY,
    mode: "enforce",
    approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["approver"], approvers: [], excludeAgentOwner: false },
    conditionsEvaluated: [],
    monitored: [],
  },
  deny: { effect: "deny", reason: "CONDITIONS_DENIED", policy: POLICY, mode: "enforce", conditionsEvaluated: [], monitored: [] },
  noPolicy: { effect: "deny", reason: "NO_POLICY", mode: "enforce", conditionsEvaluated: [], monitored: [] },
  monitor: { effect: "allow", policy: POLICY, mode: "monitor", conditionsEvaluated: [], monitored: [{ ...POLICY, effect: "deny" }] },
} satisfies Record<string, Decision>;

describe("actionStatusOf", () => {
  test.each<[Decision, string]>([
    [decisions.allow, "executed"],
    [decisions.approval, "requested"],
    [decisions.deny, "denied"],
    [decisions.noPolicy, "denied"],
    [decisions.monitor, "executed"],
  ])("%o → %s", (decision, status) => {
    expect(actionStatusOf(decision)).toBe(status);
  });
});

describe("buildActionResult", () => {
  test("an allow decision is executed with its policy and no denial or approval fields", () => {
    expect(buildActionResult({ decision: decisions.allow, auditEventId: "aud_1" })).toEqual({
      status: "executed",
      auditEventId: "aud_1",
      policyName: "merge",
      policyVersion: 4,
      conditionsEvaluated: [],
      mode: "enforce",
      message: "Allowed by policy 'merge': go ahead, then report the outcome.",
    });
  });

  test("a require_approval decision is requested with approvalId and timeoutAt as ISO 8601", () => {
    const approval = { id: "apr_1", expiresAt: new Date("2030-01-02T03:04:05.678Z") };
    expect(buildActionResult({ decision: decisions.approval, auditEventId: "aud_2", approval })).toEqual({
      status: "requested",
      auditEventId: "aud_2",
      approvalId: "apr_1",
      timeoutAt: "2030-01-02T03:04:05.678Z",
      policyName: "merge",
      policyVersion: 4,
      conditionsEvaluated: [],
      mode: "enforce",
      message: "Waiting for approval by policy 'merge' (apr_1): do not act until it is approved (it expires at 2030-01-02T03:04:05.678Z).",
    });
  });

  test("a deny decision is denied with denialReason CONDITIONS_DENIED and its policy", () => {
    expect(buildActionResult({ decision: decisions.deny, auditEventId: "aud_3" })).toEqual({
      status: "denied",
      auditEventId: "aud_3",
      denialReason: "CONDITIONS_DENIED",
      policyName: "merge",
      policyVersion: 4,
      conditionsEvaluated: [],
      mode: "enforce",
      message: "Denied by policy 'merge': a deny policy matches it (its conditions hold, or it has none). Do not perform this action.",
    });
  });

  test("a NO_POLICY decision is denied without a policy name", () => {
    expect(buildActionResult({ decision: decisions.noPolicy, auditEventId: "aud_4" })).toEqual({
      status: "denied",
      auditEventId: "aud_4",
      denialReason: "NO_POLICY",
      conditionsEvaluated: [],
      mode: "enforce",
      message:
        "Denied: no policy allows this action for this agent (nothing is allowed until a policy with effect allow matches its action type and the agent). Do not perform this action.",
    });
  });

  test.each<[string, Decision]>([
    ["allow", decisions.allow],
    ["require_approval", decisions.approval],
    ["CONDITIONS_DENIED", decisions.deny],
    ["monitor-mode allow", decisions.monitor],
  ])("an explicit denialReason AGENT_HALTED overrides a %s decision", (_label, decision) => {
    const result = buildActionResult({ decision, auditEventId: "aud_5", denialReason: "AGENT_HALTED" });
    expect([result.status, result.denialReason]).toEqual(["denied", "AGENT_HALTED"]);
    expect(result.message).toMatch(/^Denied.*this agent is halted; an admin must resume it\. Do not perform this action\.$/);
  });

  test("a monitor-mode decision is executed and reports mode 'monitor'", () => {
    const result = buildActionResult({ decision: decisions.monitor, auditEventId: "aud_6" });
    expect([result.status, result.mode, result.denialReason]).toEqual(["executed", "monitor", undefined]);
    expect(result.message).toMatch(/monitor mode, so go ahead/);
  });

  test("passes the decision's evaluated conditions through", () => {
    const conditionsEvaluated = [{ field: "metadata.pr_size", operator: "gt", expected: 50, actual: 80, result: true, policy: "merge" }];
    const result = buildActionResult({ decision: { ...decisions.approval, conditionsEvaluated }, auditEventId: "aud_7" });
    expect(result.conditionsEvaluated).toEqual(conditionsEvaluated);
  });
});
