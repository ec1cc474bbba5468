import fc from "fast-check";
import { parsePolicySet, runPolicyTests } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { applyPolicies, authenticateApiKey, changeOrgSettings, checkAction, closeSignals, decideAction, disconnectDb, isDomainError, type Ctx } from "../src";
import { closeWorkPool } from "../src/infra/work-pool";
import { simulatePolicies } from "../src/policies/simulate-policies";
import { createTestOrg } from "../src/testing";

// One judgement (issue 64; core's judge-call.ts): a policy set's offline test, a replay of a recorded call
// against it and canI with it live give the same answer for the same state. Generated: policy sets with
// effects, conditions, monitor mode, rewrites (`redact`, `transform` — some that cannot be made) and
// content rules that deny, redact, flag or ignore secrets and personal data; calls with and without a
// secret, an email address, numbers the rewrites bound and fields they pin. The call is recorded first
// under an allow-all set with every finding only flagged, so the record holds the call as sent; then the
// generated set is made live with the org's default content settings, the ones the offline tests use.

afterAll(async () => {
  await closeWorkPool();
  await disconnectDb();
  await closeSignals();
});

const ACTIONS = ["deploy.prod", "db.read"] as const;
const SECRET = `ghp_${"A1b2".repeat(9)}`;

const contentAction = fc.constantFrom("deny", "redact", "flag", "off", undefined);
const policy = fc.record({
  effect: fc.constantFrom("allow", "allow", "deny", "require_approval"),
  actions: fc.constantFrom(["deploy.*"], ["db.read"], ["*"]),
  when: fc.option(fc.constantFrom({ field: "metadata.size", op: "gt", value: 10 }, { field: "metadata.size", op: "lte", value: 3 }), { nil: undefined }),
  mode: fc.constantFrom("enforce", "enforce", "monitor"),
  redact: fc.option(fc.constantFrom([{ path: "metadata.note" }], [{ path: "metadata.note", mask: "[note]" }], [{ path: "metadata.owner" }]), { nil: undefined }),
  transform: fc.option(
    fc.constantFrom(
      [{ path: "metadata.size", max: 5 }],
      [{ path: "metadata.size", min: 8 }],
      // A bound on a text: the rewrite cannot be made (REWRITE_REFUSED).
      [{ path: "metadata.note", max: 3 }],
      [{ path: "metadata.region", set: "eu-west-1" }],
    ),
    { nil: undefined },
  ),
  content: fc.option(fc.record({ secrets: contentAction, personalData: contentAction }), { nil: undefined }),
});

const call = fc.record({
  actionType: fc.constantFrom(...ACTIONS),
  size: fc.integer({ min: 0, max: 20 }),
  note: fc.constantFrom(undefined, "routine", "mail jane.doe@example.com", `token ${SECRET}`),
  owner: fc.constantFrom(undefined, "ops", "jane.doe@example.com", SECRET),
  region: fc.constantFrom(undefined, "us-east-1"),
});

const world = fc.record({ policies: fc.array(policy, { minLength: 1, maxLength: 3 }), call });

type GeneratedPolicy = typeof policy extends fc.Arbitrary<infer P> ? P : never;

function documentsOf(policies: readonly GeneratedPolicy[]): unknown[] {
  return policies.map((p, i) => {
    const content = p.content ? Object.fromEntries(Object.entries(p.content).filter(([, v]) => v !== undefined)) : undefined;
    return {
      name: `p${i}`,
      actions: p.actions,
      effect: p.effect,
      mode: p.mode,
      ...(p.when ? { when: p.when } : {}),
      ...(p.effect === "require_approval" ? { approval: { quorum: 1, timeoutSeconds: 3600 } } : {}),
      // A deny runs nothing to rewrite (the set's parse refuses a rewrite on one).
      ...(p.redact && p.effect !== "deny" ? { redact: p.redact } : {}),
      ...(p.transform && p.effect !== "deny" ? { transform: p.transform } : {}),
      ...(content && Object.keys(content).length > 0 ? { content } : {}),
    };
  });
}

const EFFECT_OF = { executed: "allow", requested: "require_approval", denied: "deny" } as const;

describe("the offline test, a replay of the recorded call and canI give one answer", () => {
  it("over generated policy sets with rewrites and content rules, and calls", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        // Recorded under an allow-all set, every finding only flagged: the record is the call as sent.
        const org = await createTestOrg({ label: "judge", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
        await changeOrgSettings({ ctx: org.ctx, input: { content: { secrets: "flag", personalData: "flag" } } });
        const agent: Ctx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "judge" };
        const metadata = {
          size: w.call.size,
          ...(w.call.note === undefined ? {} : { note: w.call.note }),
          ...(w.call.owner === undefined ? {} : { owner: w.call.owner }),
          ...(w.call.region === undefined ? {} : { region: w.call.region }),
        };
        const input = { actionType: w.call.actionType, metadata };
        expect((await decideAction({ ctx: agent, input })).status).toBe("executed");

        // The generated set live, with the org's default content settings (the offline tests' own).
        const documents = documentsOf(w.policies);
        await changeOrgSettings({ ctx: org.ctx, input: { content: { secrets: "redact", personalData: "flag" } } });
        await applyPolicies({ ctx: org.ctx, input: { policies: documents } });

        const asked = await checkAction({ ctx: agent, input }).catch((error: unknown) => {
          if (isDomainError(error)) return { refused: error.code };
          throw error;
        });
        // A call canI refuses with a 400 (an identifier holding a secret) has no decision to compare; none is generated.
        expect(asked).not.toHaveProperty("refused");
        const live = asked as Awaited<ReturnType<typeof checkAction>>;
        const canI = { effect: EFFECT_OF[live.status], policy: live.policyName ?? null, reason: live.denialReason ?? null };

        const [test] = runPolicyTests(parsePolicySet({ policies: documents }), [
          {
            name: "the call",
            request: { actionType: input.actionType, agent: org.agent.name, agentLabels: { team: "test" }, metadata, dataAccessed: [] },
            expect: { effect: "allow" },
          },
        ]).results;
        const offline = { effect: test!.actual.effect, policy: test!.actual.policy, reason: test!.actual.reason ?? null };
        expect(offline, `offline test of ${JSON.stringify(input)}`).toEqual(canI);
        expect((test!.actual.findings ?? []).map(({ detector, path, action }) => ({ detector, path, action }))).toEqual(
          (live.findings ?? []).map(({ detector, path, action }) => ({ detector, path, action })),
        );

        const replay = await simulatePolicies({ ctx: org.ctx, input: { policies: documents, days: 1 } });
        expect(replay.evaluated).toBe(1);
        // Replay names the policy of a record whose effect changes (its samples); one that keeps its effect is counted only.
        const change = replay.samples[0];
        const replayed = change ? { effect: change.to, policy: change.policyAfter } : { effect: "allow", policy: canI.policy };
        expect(replayed, `replay of ${JSON.stringify(input)}`).toEqual({ effect: canI.effect, policy: canI.policy });
        compared += 1;
      }),
      { numRuns: 60, seed: 6464, endOnFailure: true },
    );
    expect(compared).toBe(60);
  }, 300_000);
});
