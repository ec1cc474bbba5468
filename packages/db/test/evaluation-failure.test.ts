import { DECISION_STEPS, type DecisionStep } from "@gatehouse/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, changeOrgSettings, checkAction, closeSignals, db, decideAction, disconnectDb, getGovernanceHealth, setAgentStatus, type Ctx } from "../src";
import { createDelegation } from "../src/delegations";
import { rollUpDecisions } from "../src/rollups/roll-up-decisions";
import { armEvaluationFault, createTestOrg, type TestOrg } from "../src/testing";

// A decision that cannot be evaluated (issue 64, docs/policies.md "When a decision cannot be evaluated"): a throw
// injected at each step of the evaluation — the delegation chain, the breaker, the rate and loop counts, the
// policies, the content screen, the budgets, the grants — is decided by the org's failure policy (deny by
// default, require_approval when set, never allow), answered with the step named, recorded like any decision
// (with nothing of its content), answered alike by canI, and counted in the governance health. The policies
// here would allow every call: only the failure policy can refuse or hold one.

afterEach(() => armEvaluationFault(undefined));
afterAll(async () => {
  armEvaluationFault(undefined);
  await disconnectDb();
  await closeSignals();
});

const ALLOW = [{ name: "ship", actions: ["ship.*"], effect: "allow" }];

let org: TestOrg;
let agent: Ctx;
let delegate: Ctx;
beforeAll(async () => {
  org = await createTestOrg({ label: "evalfail", policies: ALLOW });
  // Loops on, so every call is counted (the rates step); a delegate, so its chain is checked (the delegation step).
  await changeOrgSettings({ ctx: org.ctx, input: { loops: { enabled: true, maxRepeats: 1_000 } } });
  agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "evalfail" };
  const created = await createDelegation({ ctx: agent, input: { name: "helper", capabilities: ["ship.*"], ttlSeconds: 600 } });
  delegate = { ...(await authenticateApiKey(created.apiKey)), requestId: "evalfail" };
});

async function entryOf(auditEventId: string): Promise<Record<string, unknown>> {
  const row = await db().auditEntry.findFirstOrThrow({ where: { orgId: org.org.id, id: auditEventId } });
  return (JSON.parse(row.canonical) as { data: Record<string, unknown> }).data;
}

const call = (i: number) => ({ actionType: "ship.it", eventId: `evt-${i}-${Math.random().toString(36).slice(2)}`, metadata: { note: "mail jane.doe@example.com", size: i } });

describe("a throw at any step of the evaluation is decided by the org's failure policy", () => {
  it("runs every step for the calls below (no fault: they are allowed)", async () => {
    expect((await decideAction({ ctx: agent, input: call(0) })).status).toBe("executed");
    expect((await decideAction({ ctx: delegate, input: call(0) })).status).toBe("executed");
  });

  for (const failurePolicy of ["deny", "require_approval"] as const) {
    it.each(DECISION_STEPS.map((step) => [step]))(`${failurePolicy}: a throw at %s`, async (step: DecisionStep) => {
      await changeOrgSettings({ ctx: org.ctx, input: { policies: { failurePolicy } } });
      armEvaluationFault(step);
      const input = call(1);
      // canI asks first: nothing is recorded, and it answers what execute will.
      const asked = await checkAction({ ctx: delegate, input });
      const result = await decideAction({ ctx: delegate, input });
      const expected =
        failurePolicy === "deny"
          ? { status: "denied", denialReason: "EVALUATION_FAILED", failure: { step, failurePolicy } }
          : { status: "requested", failure: { step, failurePolicy } };
      expect(result).toMatchObject(expected);
      expect(asked).toMatchObject({ ...expected, allowed: false, needsApproval: failurePolicy === "require_approval" });
      expect(result.message).toContain(failurePolicy === "deny" ? "could not be evaluated" : `at its ${step} step`);
      if (failurePolicy === "require_approval") expect(result.approvalId).toMatch(/^approval_|^apr_|^appr/);
      // Recorded like any decision, with the step; nothing of its content (it was never screened).
      const entry = await entryOf(result.auditEventId);
      expect(entry).toMatchObject({ status: result.status, failure: { step, failurePolicy }, actionType: "ship.it", eventId: input.eventId });
      expect([entry.metadata ?? {}, entry.dataAccessed ?? []]).toEqual([{}, []]);
      expect(JSON.stringify(entry)).not.toContain("jane.doe");
      // A retry of its eventId answers the recorded decision, fault or not.
      armEvaluationFault(undefined);
      expect(await decideAction({ ctx: delegate, input })).toMatchObject({ auditEventId: result.auditEventId, status: result.status });
      // Its content was never read, so a retry is answered whatever it holds (not a 409 for a "different" request).
      expect(await decideAction({ ctx: delegate, input: { ...input, metadata: { size: 99 } } })).toMatchObject({ auditEventId: result.auditEventId });
    });
  }

  it("a step's own answers stay what they are: a 400 naming the field is not a failure", async () => {
    await changeOrgSettings({ ctx: org.ctx, input: { policies: { failurePolicy: "deny" } } });
    armEvaluationFault("budgets");
    await expect(decideAction({ ctx: agent, input: { actionType: "ship.it", metadata: "not an object" } })).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("a halted agent is refused for its halt, whatever the failure policy", async () => {
    await changeOrgSettings({ ctx: org.ctx, input: { policies: { failurePolicy: "require_approval" } } });
    await setAgentStatus({ ctx: org.ctx, input: { agentId: org.agent.id, status: "halted" } });
    try {
      armEvaluationFault("policies");
      const input = call(2);
      expect(await checkAction({ ctx: agent, input })).toMatchObject({ status: "denied", denialReason: "AGENT_HALTED", failure: { step: "policies" } });
      expect(await decideAction({ ctx: agent, input })).toMatchObject({ status: "denied", denialReason: "AGENT_HALTED", failure: { step: "policies" } });
    } finally {
      armEvaluationFault(undefined);
      await setAgentStatus({ ctx: org.ctx, input: { agentId: org.agent.id, status: "active" } });
    }
  });

  it("the failure is not the agent's: the breaker does not count it", async () => {
    await changeOrgSettings({ ctx: org.ctx, input: { policies: { failurePolicy: "deny" }, circuitBreaker: { failureThreshold: 2, windowSeconds: 60, cooldownSeconds: 60 } } });
    armEvaluationFault("screen");
    for (let i = 0; i < 4; i += 1) expect(await decideAction({ ctx: agent, input: call(10 + i) })).toMatchObject({ denialReason: "EVALUATION_FAILED" });
    armEvaluationFault(undefined);
    expect(await decideAction({ ctx: agent, input: call(20) })).toMatchObject({ status: "executed" });
  });

  it("the governance health counts them", async () => {
    await rollUpDecisions();
    const health = await getGovernanceHealth({ ctx: org.ctx });
    const failures = 2 * DECISION_STEPS.length + 1 + 4;
    expect(health.items.evaluationFailures).toMatchObject({ details: { count: failures, windowSeconds: 900 }, status: "fail" });
    expect(health.items.evaluationFailures.reason).toContain(`${failures} of`);
  });
});
