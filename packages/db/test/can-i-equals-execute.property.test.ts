import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { authenticateApiKey, changeOrgSettings, checkAction, closeSignals, decideAction, disconnectDb, isDomainError, setAgentStatus, type Ctx } from "../src";
import { createTestOrg } from "../src/testing";

// canI answers what execute decides (docs/architecture.md §2; issue 42): generated policy sets (effects,
// patterns, conditions, monitor mode, token budgets), content settings and sequences of calls (action
// types, metadata with and without secrets and personal data, runs, declared spend, repeats that a
// loop rule counts), the org's report-only trial and loop limit, and halts between calls. Before each execute, canI is asked the same question on the same state; its
// status, denial reason, policy, approval rule and findings must be execute's, and execute never allows
// what canI called denied. Refusals (400s) must be the same refusals.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const ACTIONS = ["deploy.prod", "deploy.staging", "db.read", "llm.openai.gpt-4o"] as const;

const policy = fc.record({
  effect: fc.constantFrom("allow", "deny", "require_approval"),
  actions: fc.constantFrom(["deploy.*"], ["deploy.prod"], ["db.read"], ["*"], ["llm.*"]),
  when: fc.option(fc.constantFrom({ field: "metadata.size", op: "gt", value: 10 }, { field: "metadata.size", op: "lte", value: 3 }), { nil: undefined }),
  mode: fc.constantFrom("enforce", "enforce", "monitor"),
  quorum: fc.integer({ min: 1, max: 2 }),
  budget: fc.option(fc.record({ tokens: fc.constantFrom(500, 5_000), atLimit: fc.constantFrom("deny", "require_approval") }), { nil: undefined }),
});

const call = fc.record({
  actionType: fc.constantFrom(...ACTIONS),
  size: fc.integer({ min: 0, max: 20 }),
  note: fc.constantFrom("routine", "mail jane.doe@example.com", `token ghp_${"A1b2".repeat(9)}`, ""),
  runId: fc.option(fc.constantFrom("run-a", "run-b"), { nil: undefined }),
  runName: fc.option(fc.constantFrom("nightly", `deploy with ghp_${"Z9y8".repeat(9)}`, "for jane.doe@example.com"), { nil: undefined }),
  spend: fc.option(fc.constantFrom(100, 2_000), { nil: undefined }),
  repeat: fc.integer({ min: 1, max: 3 }),
  /** The agent is halted before this call (and resumed after it). */
  halted: fc.constantFrom(false, false, false, true),
});

const world = fc.record({
  policies: fc.array(policy, { minLength: 1, maxLength: 4 }),
  content: fc.record({ secrets: fc.constantFrom("redact", "deny", "flag", "off"), personalData: fc.constantFrom("redact", "deny", "flag", "off") }),
  /** The org's report-only trial, and a loop limit low enough for the repeats to reach. */
  reportOnly: fc.constantFrom(false, false, true),
  loops: fc.option(fc.record({ maxRepeats: fc.integer({ min: 1, max: 3 }), haltAgent: fc.boolean() }), { nil: undefined }),
  calls: fc.array(call, { minLength: 1, maxLength: 8 }),
});

type Answer = Record<string, unknown> | { refused: string };
async function answerOf(run: () => Promise<unknown>): Promise<Answer> {
  try {
    return (await run()) as Record<string, unknown>;
  } catch (error) {
    if (isDomainError(error)) return { refused: `${error.code} ${JSON.stringify(error.details ?? null)}` };
    throw error;
  }
}

/** What both must agree on. */
function decisionOf(answer: Answer) {
  if ("refused" in answer) return answer;
  return {
    status: answer.status,
    denialReason: answer.denialReason ?? null,
    policyName: answer.policyName ?? null,
    mode: answer.mode ?? null,
    findings: answer.findings ?? [],
    grant: (answer.grant as { id?: string } | undefined)?.id ?? null,
  };
}

describe("canI answers what execute decides", () => {
  it("over generated policies, content, report-only and loop settings, halts, budgets, runs and calls", async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const org = await createTestOrg({
          label: "cani",
          policies: w.policies.map((p, i) => ({
            name: `p${i}`,
            actions: p.actions,
            effect: p.effect,
            mode: p.mode,
            ...(p.when ? { when: p.when } : {}),
            ...(p.effect === "require_approval" ? { approval: { quorum: p.quorum, timeoutSeconds: 3600 } } : {}),
            ...(p.budget ? { budget: { limit: { tokens: p.budget.tokens }, per: "agent-day", atLimit: p.budget.atLimit } } : {}),
          })),
        });
        await changeOrgSettings({
          ctx: org.ctx,
          input: { content: w.content, policies: { reportOnly: w.reportOnly }, ...(w.loops ? { loops: { enabled: true, ...w.loops } } : {}) },
        });
        const agent: Ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "cani" };
        for (const c of w.calls) {
          const input = {
            actionType: c.actionType,
            metadata: { size: c.size, ...(c.note ? { note: c.note } : {}) },
            ...(c.runId ? { runId: c.runId, ...(c.runName ? { runName: c.runName } : {}) } : {}),
            ...(c.spend ? { spend: { model: "gpt-4o", inputTokens: c.spend, maxOutputTokens: 10 } } : {}),
          };
          if (c.halted) await setAgentStatus({ ctx: org.ctx, input: { agentId: org.agent.id, status: "halted" } });
          for (let i = 0; i < c.repeat; i += 1) {
            const asked = decisionOf(await answerOf(() => checkAction({ ctx: agent, input })));
            const done = decisionOf(await answerOf(() => decideAction({ ctx: agent, input })));
            expect(asked, JSON.stringify(input)).toEqual(done);
            cases += 1;
          }
          // A loop that halts the agent, or this step's halt, ends with the agent resumed for the next call.
          await setAgentStatus({ ctx: org.ctx, input: { agentId: org.agent.id, status: "active" } }).catch(() => {});
        }
      }),
      { numRuns: 80, seed: 4242, endOnFailure: true },
    );
    // Thousands of questions: every call of every generated world was asked of both.
    expect(cases).toBeGreaterThan(500);
  }, 600_000);
});
