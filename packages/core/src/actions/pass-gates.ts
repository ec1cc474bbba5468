import { DENIAL_REASONS, type DenialReason } from "./denial-reasons";

/** What one gate answers: the call stops here (`denied`, with what the record of it needs), or goes on with what the gate learned. */
export type GateAnswer<R extends DenialReason, V, D> = { denied: R; detail: D } | { passed: V };

/**
 * One check before policy (the agent's state, its delegation, the policies' integrity, the breaker, the
 * loop count): the reasons it can give, which place it (their precedence in DENIAL_REASONS), and the check.
 */
export interface Gate<R extends DenialReason, V, D = undefined> {
  gives: readonly R[];
  check(): GateAnswer<R, V, D> | Promise<GateAnswer<R, V, D>>;
}

type AnyGate = Gate<DenialReason, unknown, unknown>;
type PassedOf<G> = G extends Gate<DenialReason, infer V, unknown> ? V : never;
type DeniedOf<G> = G extends Gate<infer R, unknown, infer D> ? { denied: R; detail: D } : never;

/** The gates' answer: every gate passed (what each learned, by name), or the first that denied (by name, so its detail is typed). */
export type GatesAnswer<G extends Record<string, AnyGate>> =
  { stopped: false; passed: { [K in keyof G]: PassedOf<G[K]> } } | { [K in keyof G]: { stopped: true; gate: K } & DeniedOf<G[K]> }[keyof G];

function lowest(gives: readonly DenialReason[]): number {
  return Math.min(...gives.map((reason) => DENIAL_REASONS[reason].precedence));
}

function highest(gives: readonly DenialReason[]): number {
  return Math.max(...gives.map((reason) => DENIAL_REASONS[reason].precedence));
}

const orders = new Map<string, string[]>();

/**
 * The order the gates run in: by the precedence of the reasons they give, the column of DENIAL_REASONS
 * being the only place that orders them. Two gates whose reasons interleave (one gives 3 and 5, another 4)
 * have no such order: an error, found by the first call that runs them.
 */
export function gateOrder(gates: Record<string, { gives: readonly DenialReason[] }>): string[] {
  const names = Object.keys(gates);
  const key = names.map((name) => `${name}:${gates[name]!.gives.join(",")}`).join(";");
  const known = orders.get(key);
  if (known) return known;
  const order = [...names].sort((a, b) => lowest(gates[a]!.gives) - lowest(gates[b]!.gives));
  for (let i = 1; i < order.length; i++) {
    const before = gates[order[i - 1]!]!.gives;
    const after = gates[order[i]!]!.gives;
    if (before.length === 0 || after.length === 0 || highest(before) >= lowest(after))
      throw new Error(`the gates ${order[i - 1]} and ${order[i]} give reasons whose precedence interleaves, so no order of them follows DENIAL_REASONS`);
  }
  orders.set(key, order);
  return order;
}

/**
 * The gates run in the precedence column's order, stopping at the first that denies (so a halted agent
 * never reaches the rate counter and consumes no quota); each runs only once the gates before it passed.
 */
export async function passGates<G extends Record<string, AnyGate>>(gates: G): Promise<GatesAnswer<G>> {
  const passed: Record<string, unknown> = {};
  for (const name of gateOrder(gates)) {
    const pending = gates[name]!.check();
    const answer = pending instanceof Promise ? await pending : pending;
    // The mapped answer types are what the gates declared; the compiler cannot follow a loop over their names.
    if ("denied" in answer) return { stopped: true, gate: name, ...answer } as GatesAnswer<G>;
    passed[name] = answer.passed;
  }
  return { stopped: false, passed } as GatesAnswer<G>;
}
