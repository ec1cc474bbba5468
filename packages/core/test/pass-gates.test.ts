import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DENIAL_REASONS, gateOrder, passGates, type DenialReason, type Gate } from "../src";

/** The gates prepareDecision declares, by the reasons each gives (packages/db's prepare-decision.ts). */
const DECISION_GATES: Record<string, readonly DenialReason[]> = {
  halted: ["AGENT_HALTED"],
  delegation: ["DELEGATION_REVOKED", "DELEGATION_EXPIRED", "DELEGATION_SCOPE"],
  tampered: ["POLICY_TAMPERED"],
  breaker: ["CIRCUIT_OPEN"],
  counts: ["LOOP_DETECTED"],
};

describe("the gates before policy run in the precedence column's order", () => {
  it("whatever order they are declared in, they run by their reasons' precedence, stop at the first that denies, and run nothing after it", async () => {
    const names = Object.keys(DECISION_GATES);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(names, { minLength: names.length }), fc.subarray(names), async (declared, denying) => {
        const ran: string[] = [];
        const gates: Record<string, Gate<DenialReason, string, number>> = {};
        for (const name of declared) {
          const gives = DECISION_GATES[name]!;
          gates[name] = {
            gives,
            check: () => {
              ran.push(name);
              return denying.includes(name) ? { denied: gives[0]!, detail: ran.length } : { passed: `${name} passed` };
            },
          };
        }
        const answer = await passGates(gates);
        const byPrecedence = [...names].sort((a, b) => DENIAL_REASONS[DECISION_GATES[a]![0]!].precedence - DENIAL_REASONS[DECISION_GATES[b]![0]!].precedence);
        const first = byPrecedence.find((name) => denying.includes(name));
        if (first === undefined) {
          expect(answer.stopped).toBe(false);
          expect(ran).toEqual(byPrecedence);
          if (!answer.stopped) expect(answer.passed).toEqual(Object.fromEntries(names.map((name) => [name, `${name} passed`])));
        } else {
          // The short circuit: nothing after the first denying gate runs (a halted agent never reaches the rate counter).
          expect(ran).toEqual(byPrecedence.slice(0, byPrecedence.indexOf(first) + 1));
          expect(answer).toMatchObject({ stopped: true, gate: first, denied: DECISION_GATES[first]![0], detail: ran.length });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a gate that waits is waited for before the next runs", async () => {
    const ran: string[] = [];
    const answer = await passGates({
      counts: { gives: ["LOOP_DETECTED"], check: () => (ran.push("counts"), { passed: 1 }) },
      breaker: { gives: ["CIRCUIT_OPEN"], check: async () => (await Promise.resolve(), ran.push("breaker"), { passed: true }) },
    });
    expect(ran).toEqual(["breaker", "counts"]);
    expect(answer).toEqual({ stopped: false, passed: { breaker: true, counts: 1 } });
  });

  it("the decision's gates have an order, and two gates whose reasons interleave are refused, since no order of them follows the column", () => {
    expect(gateOrder(Object.fromEntries(Object.entries(DECISION_GATES).map(([name, gives]) => [name, { gives }])))).toEqual([
      "halted",
      "delegation",
      "tampered",
      "breaker",
      "counts",
    ]);
    // A gate giving 1 and 6 around one giving 3 has no place in the order; nor a gate that gives nothing.
    expect(() => gateOrder({ mixed: { gives: ["AGENT_HALTED", "POLICY_TAMPERED"] }, delegation: { gives: ["DELEGATION_REVOKED"] } })).toThrow(/interleaves/);
    expect(() => gateOrder({ none: { gives: [] }, halted: { gives: ["AGENT_HALTED"] } })).toThrow(/interleaves/);
  });
});
