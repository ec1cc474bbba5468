import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DENIAL_REASON_CODES, DENIAL_REASONS, firstDenial, type DenialReason } from "../src/actions/denial-reasons";
import { countsAsFailure, planDecision, type DecisionInputs, type DecisionRecording } from "../src/actions/plan-decision";
import { afterDecision, type CircuitState } from "../src/agents/circuit-breaker";
import type { Decision } from "../src/policy/evaluate";
import type { BudgetVerdict } from "../src/spend/budgets";
import type { BudgetPlan } from "../src/spend/budget-plan";

// The one decision plan (docs/architecture.md §2): which denial wins is one column of the denial table,
// and execute's recorded answer is canI's answer plus what recording adds. Properties over generated
// step results, stated independently of the implementation.

const GATE: DenialReason[] = ["AGENT_HALTED", "DELEGATION_REVOKED", "DELEGATION_EXPIRED", "DELEGATION_SCOPE", "POLICY_TAMPERED", "CIRCUIT_OPEN", "LOOP_DETECTED"];
const POLICY = ["NO_POLICY", "CONDITIONS_DENIED", "RATE_LIMITED", "CONDITION_LIMIT"] as const;

describe("firstDenial", () => {
  it("the table gives every reason its own precedence: nothing ties", () => {
    const ranks = DENIAL_REASON_CODES.map((code) => DENIAL_REASONS[code].precedence);
    expect(new Set(ranks).size).toBe(ranks.length);
  });

  it("the agent's state comes first, then its delegation, and an approval's end never competes with a decision", () => {
    const rank = (code: DenialReason) => DENIAL_REASONS[code].precedence;
    for (const code of DENIAL_REASON_CODES) if (code !== "AGENT_HALTED") expect(rank("AGENT_HALTED")).toBeLessThan(rank(code));
    for (const code of DENIAL_REASON_CODES.filter((c) => DENIAL_REASONS[c].phase === "delegation")) expect(rank(code)).toBeLessThan(rank("POLICY_TAMPERED"));
    for (const code of DENIAL_REASON_CODES.filter((c) => DENIAL_REASONS[c].phase !== "approval"))
      expect(rank(code)).toBeLessThan(Math.min(rank("DENIED_BY_REVIEWER"), rank("APPROVAL_EXPIRED")));
    // A budget refuses only what the policies would let through or hold: a policy's denial names itself.
    for (const code of POLICY) expect(rank(code)).toBeLessThan(rank("BUDGET_EXCEEDED"));
  });

  it("picks the reason of lowest precedence among those that hold, whatever their order, and none when none holds", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...DENIAL_REASON_CODES), fc.constantFrom(undefined, null, false as const)), { maxLength: 8 }), (candidates) => {
        const held = candidates.filter((c): c is DenialReason => Boolean(c));
        const expected = held.length === 0 ? undefined : held.reduce((a, b) => (DENIAL_REASONS[a].precedence <= DENIAL_REASONS[b].precedence ? a : b));
        expect(firstDenial(candidates)).toBe(expected);
        expect(firstDenial([...candidates].reverse())).toBe(expected);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

const policyRef = { name: "p", versionId: "pv_1", version: 1 };
const approvalBlock = { quorum: 1, approverRoles: ["approver" as const], approvers: [], excludeAgentOwner: false, humanOnly: false, humanEachTime: false };

const decisionArb: fc.Arbitrary<Decision> = fc.oneof(
  fc.constant<Decision>({ effect: "allow", policy: policyRef, mode: "enforce", conditionsEvaluated: [], monitored: [] }),
  fc.constant({ effect: "require_approval", policy: policyRef, mode: "enforce", approval: approvalBlock, conditionsEvaluated: [], monitored: [] } as unknown as Decision),
  fc.constantFrom(...POLICY).map<Decision>((reason) => ({
    effect: "deny",
    reason,
    ...(reason === "NO_POLICY" ? {} : { policy: policyRef }),
    mode: "enforce",
    conditionsEvaluated: [],
    monitored: [],
  })),
);

const budgetPlan: BudgetPlan = { scopes: [], cost: { tokens: 10, micros: 0 }, model: null, price: undefined, unpriced: false, reservationSeconds: 60 };
const verdictArb: fc.Arbitrary<BudgetVerdict | undefined> = fc.constantFrom(
  undefined,
  { verdict: "reserve" as const, state: undefined },
  { verdict: "deny" as const, state: undefined },
  {
    verdict: "require_approval" as const,
    state: undefined,
  },
);

const inputsArb: fc.Arbitrary<DecisionInputs> = fc
  .record({
    decision: decisionArb,
    gateReason: fc.option(fc.constantFrom(...GATE), { nil: undefined }),
    contentDenied: fc.boolean(),
    grant: fc.option(fc.constant({ id: "grant_1", expiresAt: "2026-12-01T00:00:00.000Z", usesLeft: 2 }), { nil: null }),
    verdict: fc.option(verdictArb, { nil: undefined }),
    haltedAtCommit: fc.boolean(),
    reportOnly: fc.option(fc.constant({ wouldBe: "deny" as const, reason: "NO_POLICY" }), { nil: undefined }),
    loopFirst: fc.boolean(),
    haltAgent: fc.boolean(),
    pending: fc.nat({ max: 3 }),
    probe: fc.boolean(),
    failures: fc.option(fc.nat({ max: 6 }), { nil: undefined }),
    breakerAtCommit: fc.constantFrom<CircuitState>("closed", "open", "half_open"),
  })
  .map(({ decision, gateReason, contentDenied, grant, verdict, haltedAtCommit, reportOnly, loopFirst, haltAgent, pending, probe, failures, breakerAtCommit }) => ({
    request: { actionType: "deploy.service", metadata: {}, dataAccessed: [] } as unknown as DecisionInputs["request"],
    rewritten: undefined,
    written: { metadata: {}, dataAccessed: [] },
    agent: { id: "agent_1", name: "a" },
    delegation: undefined,
    decision,
    gateReason,
    tampered: [],
    reportOnly,
    screen: { findings: [], denied: contentDenied, limited: undefined, conditionsEvaluated: [], content: undefined },
    // A grant is only ever found for a call the policies hold (grantQuery).
    grant: decision.effect === "require_approval" ? grant : null,
    budget: verdict === undefined ? undefined : { plan: budgetPlan, verdict, at: new Date(0) },
    haltedAtCommit,
    approvalTimeoutSeconds: 600,
    run: undefined,
    failure: undefined,
    // A loop is found by the gate that refuses LOOP_DETECTED; the first call over the limit records it.
    loop:
      gateReason === "LOOP_DETECTED" ? { kind: "repeat" as const, count: 6, limit: { maxRepeats: 5, windowSeconds: 60, source: "org" }, first: loopFirst, haltAgent } : undefined,
    pendingAtCommit: Array.from({ length: pending }, (_, i) => ({ approvalId: `approval_p${i}`, actionId: `action_p${i}`, agentId: "agent_1", actionType: "x.y" })),
    breaker: { probe, failures, settings: { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 30 } },
    breakerAtCommit,
  }));

const recording: DecisionRecording = {
  actor: { type: "agent", id: "agent_1" },
  actionId: "action_1",
  approvalId: "approval_1",
  requestHash: "h",
  requesterRef: null,
  now: new Date(0),
  approvalUrl: (id) => `/approvals/${id}`,
};

describe("planDecision", () => {
  it("is denied exactly when some step denies, for the reason of lowest precedence; never allowed past a denial", () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const { result, denialReason } = planDecision(inputs);
        const policyDenies = inputs.decision.effect === "deny" ? inputs.decision.reason : undefined;
        const budgetDenies = inputs.budget?.verdict?.verdict === "deny" && inputs.decision.effect !== "deny" ? "BUDGET_EXCEEDED" : undefined;
        const steps = [inputs.gateReason, inputs.screen.denied ? "CONTENT_DENIED" : undefined, inputs.haltedAtCommit ? "AGENT_HALTED" : undefined, policyDenies, budgetDenies];
        const held = steps.filter((s): s is DenialReason => s !== undefined);
        if (held.length === 0) {
          expect(result.status).not.toBe("denied");
          expect(denialReason).toBeUndefined();
        } else {
          expect(result.status).toBe("denied");
          expect(result.denialReason).toBe([...held].sort((a, b) => DENIAL_REASONS[a].precedence - DENIAL_REASONS[b].precedence)[0]);
        }
        // A budget asking for approval holds what the policies allowed; a grant lets through what they held.
        if (result.status === "requested") expect(inputs.grant === null || inputs.budget?.verdict?.verdict === "require_approval").toBe(true);
        if (inputs.decision.effect === "allow" && held.length === 0 && inputs.budget?.verdict?.verdict === "require_approval") expect(result.status).toBe("requested");
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it("execute's recorded answer is canI's answer plus its approval and run, and its rows say the same", () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const asked = planDecision(inputs);
        const recorded = planDecision(inputs, recording);
        const { approvalId, approvalUrl, timeoutAt, run: _run, message: _m, ...rest } = recorded.result;
        const { message: _m2, ...askedRest } = asked.result;
        expect(rest).toEqual(askedRest);
        expect(approvalId !== undefined).toBe(recorded.result.status === "requested");
        expect(approvalUrl === undefined).toBe(approvalId === undefined);
        expect(timeoutAt === undefined).toBe(approvalId === undefined);
        expect(recorded.rows.action.status).toBe(recorded.result.status);
        expect(recorded.rows.action.denialReason).toBe(recorded.result.denialReason ?? null);
        expect(recorded.rows.entry.type).toBe("action.decided");
        expect(Boolean(recorded.rows.approval)).toBe(recorded.result.status === "requested");
        // Only what is recorded and not denied reserves against its budgets.
        expect(Boolean(recorded.rows.reservation)).toBe(inputs.budget !== undefined && recorded.result.status !== "denied");
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it("a call counts as its agent's failure before its commit exactly when its recorded decision does, but for a halt found at commit", () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const probe = inputs.breaker?.probe ?? false;
        const { result, beforePolicy } = planDecision(inputs, recording);
        const counted = afterDecision({ probe, status: result.status, denialReason: result.denialReason, deniedBeforePolicy: beforePolicy }) === "count_failure";
        if (inputs.haltedAtCommit) expect(counted).toBe(false);
        else expect(countsAsFailure(inputs, probe)).toBe(counted);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it("a loop, its halt and a breaker's move are followers of their decision's entry, each exactly when it holds", () => {
    fc.assert(
      fc.property(inputsArb, (inputs) => {
        const { result, rows } = planDecision(inputs, recording);
        const types = rows.followers.map((follow) => follow("aud_1").type);
        const looped = result.denialReason === "LOOP_DETECTED" && inputs.loop?.first === true;
        expect(types.includes("agent.loop_detected")).toBe(looped);
        // The halt: the agent's entry, then one cancellation per pending approval, all by the loop detector.
        const halting = looped && inputs.loop?.haltAgent === true;
        expect(Boolean(rows.halt)).toBe(halting);
        expect(types.filter((t) => t === "agent.halted").length).toBe(halting ? 1 : 0);
        expect(types.filter((t) => t === "approval.cancelled").length).toBe(halting ? (inputs.pendingAtCommit?.length ?? 0) : 0);
        // The breaker moves only from the state it stands at under the lock: a probe settles, a failure at the threshold opens it.
        const breaker = inputs.breaker;
        const probeSettles = breaker?.probe === true && inputs.breakerAtCommit === "half_open";
        const trips =
          breaker?.probe === false &&
          inputs.breakerAtCommit === "closed" &&
          result.status === "denied" &&
          !inputs.haltedAtCommit &&
          countsAsFailure(inputs, false) &&
          (breaker.failures ?? 0) >= breaker.settings.failureThreshold;
        expect(Boolean(rows.breaker)).toBe(probeSettles || trips);
        if (rows.breaker) expect(rows.breaker.to).toBe(probeSettles ? (result.status === "denied" ? "open" : "closed") : "open");
        expect(types.filter((t) => t === "agent.circuit_opened" || t === "agent.circuit_closed").length).toBe(rows.breaker ? 1 : 0);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it("a refusal before policy drops the report-only trial; content's refusal names no policy", () => {
    const base = {
      request: { actionType: "x.y", metadata: {}, dataAccessed: [] } as unknown as DecisionInputs["request"],
      written: { metadata: {}, dataAccessed: [] },
      agent: { id: "agent_1", name: "a" },
      decision: { effect: "allow", policy: policyRef, mode: "enforce", conditionsEvaluated: [], monitored: [] } as Decision,
      tampered: [],
      reportOnly: { wouldBe: "deny" as const, reason: "CONDITIONS_DENIED", policy: "p" },
      screen: { findings: [], denied: true, limited: undefined, conditionsEvaluated: [], content: undefined },
      grant: null,
      haltedAtCommit: false,
      approvalTimeoutSeconds: 60,
      rewritten: undefined,
      delegation: undefined,
      gateReason: undefined,
      budget: undefined,
      run: undefined,
      failure: undefined,
      loop: undefined,
      pendingAtCommit: undefined,
      breaker: undefined,
      breakerAtCommit: undefined,
    };
    const { result } = planDecision(base);
    expect(result).toMatchObject({ status: "denied", denialReason: "CONTENT_DENIED" });
    expect(result.reportOnly).toBeUndefined();
    expect(result.policyName).toBeUndefined();
    expect(planDecision({ ...base, screen: { ...base.screen, denied: false } }).result).toMatchObject({ status: "executed", reportOnly: base.reportOnly });
  });
});
