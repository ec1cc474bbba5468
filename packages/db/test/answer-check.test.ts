import { newId, resolveContentActions, spendSettings, type ActionResult, type PostConditionViolation } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRateLimiter, closeSignals, disconnectDb } from "../src";
import type { Ctx } from "../src/actors/context";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { UnanswerableError } from "../src/decisions/answer-check";
import { decideAction } from "../src/decisions/decide-action";
import { commitDecision, commitOutcome, type Committed, type Materialized, type OutcomeCommitted, type PendingDecision, type PendingOutcome } from "../src/decisions/group-commit";
import { db } from "../src/infra/client";
import { createTestOrg, type TestOrg } from "../src/testing";

// An answer never contradicts the log (issue 62): a decision (or an outcome) whose answer its response
// contract refuses is not recorded. It fails alone, before the batch's statement, with an error naming the
// fields; its batch-mates commit, and the log stays gapless and verifiable. Before, the group commit wrote
// whatever the rows held, and the API's serializer refused the answer after the commit: a 500 for a
// decision the log held, and again on every retry of its eventId.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

let org: TestOrg;
let agent: Ctx;
beforeAll(async () => {
  org = await createTestOrg({ label: "answers", policies: [{ name: "allow-ship", actions: ["ship.*"], effect: "allow" }] });
  agent = { org: org.org, actor: { type: "agent", agentId: org.agent.id, agentName: org.agent.name, keyId: org.agent.keyId, delegationChain: [] }, requestId: "answer-check" };
});

/** The org's log and actions, and what the verifier says of the log. */
async function logOf() {
  const seqs = (await db().pool.query<{ seq: string }>(`SELECT seq FROM audit_entries WHERE org_id = $1 ORDER BY seq`, [org.org.id])).rows.map((r) => Number(r.seq));
  const actions = await db().action.count({ where: { orgId: org.org.id } });
  return { seqs, actions, verification: await verifyAuditLog({ ctx: org.ctx }) };
}

/** A decision as decideAction builds it, whose answer is `answer` of a well-formed one. */
function pending(answer: (result: Materialized["result"]) => unknown): PendingDecision {
  const requestHash = newId("audit");
  return {
    orgId: org.org.id,
    agentId: org.agent.id,
    eventId: undefined,
    requestHash,
    materialize: (): Materialized => {
      const actionId = newId("action");
      const result: Materialized["result"] = { status: "executed", mode: "enforce", conditionsEvaluated: [], message: "Allowed: go ahead, then report the outcome." };
      return {
        actionId,
        followers: [],
        budgetAlerts: [],
        result: answer(result) as Materialized["result"],
        entry: {
          type: "action.decided",
          actor: { type: "agent", id: org.agent.id },
          agentId: org.agent.id,
          subjectId: actionId,
          data: {
            actionId,
            agentName: org.agent.name,
            actionType: "ship.it",
            status: "executed",
            mode: "enforce",
            monitored: [],
            conditionsEvaluated: [],
            metadata: {},
            dataAccessed: [],
            requestHash,
          },
        },
        action: { actionType: "ship.it", metadata: {}, dataAccessed: [], status: "executed", denialReason: null, policyName: null, policyVersionId: null, mode: "enforce" },
      };
    },
  };
}

/** Answers a bug (or a contract that forgot a shape) could make: each refused by the ActionResult schema. */
const BROKEN: Array<[string, (result: Materialized["result"]) => unknown, string]> = [
  ["a status the contract does not know", (r) => ({ ...r, status: "maybe" }), "status"],
  ["a fractional policy version", (r) => ({ ...r, policyVersion: 1.5 }), "policyVersion"],
  ["a condition without its result", (r) => ({ ...r, conditionsEvaluated: [{ field: "metadata.x", operator: "exists", policy: "p" }] }), "conditionsEvaluated.0.result"],
  ["no sentence", (r) => ({ ...r, message: undefined }), "message"],
  ["a finding of an unknown class", (r) => ({ ...r, findings: [{ detector: "email", class: "gossip", path: "metadata.note", action: "redacted" }] }), "findings.0.class"],
  ["conditions that are not a list", (r) => ({ ...r, conditionsEvaluated: { field: "metadata.x" } }), "conditionsEvaluated"],
];

describe("a decision whose answer its contract refuses", () => {
  it.each(BROKEN)("%s: fails alone before the statement; its batch-mates commit and the log stays whole", async (_name, broken, field) => {
    const before = await logOf();
    // Enqueued in one tick: the three share a batch.
    const settled = await Promise.allSettled([commitDecision(pending((r) => r)), commitDecision(pending(broken)), commitDecision(pending((r) => r))]);
    const [first, refused, third] = settled;

    expect(refused?.status).toBe("rejected");
    const reason = (refused as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(UnanswerableError);
    expect(reason.message).toContain(field);
    for (const good of [first, third]) {
      expect(good?.status).toBe("fulfilled");
      expect((good as PromiseFulfilledResult<Committed>).value.result.status).toBe("executed");
    }

    const after = await logOf();
    expect(after.actions - before.actions).toBe(2);
    expect(after.seqs).toEqual(Array.from({ length: before.seqs.length + 2 }, (_, i) => i));
    expect(after.verification).toMatchObject({ valid: true, problem: null });
  });
});

describe("an outcome whose answer its contract refuses", () => {
  it("is not recorded and does not claim its action: the next report of the same batch records", async () => {
    const decided: ActionResult = await decideAction({ ctx: agent, input: { actionType: "ship.it" } });
    const before = await logOf();
    // A post-condition check with a bug: its result is not a boolean, which the answer's contract refuses.
    const broken: PostConditionViolation[] = [
      { policy: "ship-checks", conditionsEvaluated: [{ field: "outcome.rows", operator: "lte", expected: 10, actual: 12, result: "broken" as unknown as boolean }] },
    ];
    const report = (status: "success" | "failure", violations: PostConditionViolation[]): PendingOutcome => ({
      kind: "outcome",
      orgId: org.org.id,
      auditEventId: decided.auditEventId,
      agentId: org.agent.id,
      settings: spendSettings({}),
      context: {
        report: { status, message: undefined, data: undefined, usage: undefined, runId: undefined, screened: [] },
        agent: { id: org.agent.id, name: org.agent.name },
        actor: { type: "agent", id: org.agent.id },
        contentFor: () => ({ actions: resolveContentActions({ secrets: "off", personalData: "off" }, []), screen: (value) => ({ value, findings: [], denied: false }) }),
        postConditions: () => violations,
        haltOnViolation: false,
        postConditionActor: { type: "system", id: "postcondition-checker" },
        screenReason: (reason) => reason,
        breaker: undefined,
      },
    });
    // The first report's answer holds what the contract does not know; the second is well-formed. One batch.
    const [refused, recorded] = await Promise.allSettled([commitOutcome(report("failure", broken)), commitOutcome(report("success", []))]);

    expect(refused?.status).toBe("rejected");
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(UnanswerableError);
    expect(recorded?.status).toBe("fulfilled");
    expect((recorded as PromiseFulfilledResult<OutcomeCommitted>).value).toMatchObject({ recorded: true, answer: { status: "success" } });

    const action = await db().action.findFirstOrThrow({ where: { auditEntryId: decided.auditEventId } });
    expect(action.outcomeStatus).toBe("success");
    const after = await logOf();
    expect(after.seqs).toEqual(Array.from({ length: before.seqs.length + 1 }, (_, i) => i));
    expect(after.verification).toMatchObject({ valid: true, problem: null });
  });
});
