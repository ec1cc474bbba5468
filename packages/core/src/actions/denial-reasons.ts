import { z } from "zod";

/**
 * Every reason an action can be denied, in one table: its code (on the wire and in the log), the
 * phase that gives it, and what it means for the agent (finishing "Denied: …"). Every list of
 * reasons derives from this table — the policy engine's, replay's, the gate's before policy, the
 * approvals', the action result's texts, the contracts' open enum and with it the SDK's type — so
 * adding a reason is one edit here.
 *
 * Phases: `policy` — the policies decided (replay can re-decide it); `gate` — the agent's own state or
 * untrustworthy policies, before policy; `delegation` — the delegate's chain, before policy;
 * `approval` — the approval the action waited for did not end in `approved`.
 *
 * Precedence: when several reasons hold for one call, the lowest wins (`firstDenial`), and this column
 * is the only place that orders them: the agent's own state, then a judgement that could not be made, then its delegation, then untrustworthy
 * policies, the breaker, a loop, the content rules and the screen's budget, what the policies decided, and last a budget (which
 * refuses only what the policies would let through or hold).
 */
export const DENIAL_REASONS = {
  NO_POLICY: {
    phase: "policy",
    precedence: 15,
    text: "no policy allows this action for this agent (nothing is allowed until a policy with effect allow matches its action type and the agent)",
  },
  CONDITIONS_DENIED: { phase: "policy", precedence: 14, text: "a deny policy matches it (its conditions hold, or it has none)" },
  RATE_LIMITED: { phase: "policy", precedence: 13, text: "a rate limit in the policies has been reached; try again later" },
  CONDITION_LIMIT: {
    phase: "policy",
    precedence: 11,
    text: "a policy's 'matches' condition could not be checked within the decision's match budget (the value is too long), so it is refused; send a shorter value",
  },
  REWRITE_REFUSED: {
    phase: "policy",
    precedence: 12,
    text: "a policy rewrites this call (`redact` or `transform`) and the rewrite cannot be made: a bounded field holds something other than a number, two policies pin one field to different values, or a tool call's arguments are not its metadata's `arguments`; send the call in a shape the policy can rewrite",
  },
  POLICY_TAMPERED: { phase: "gate", precedence: 6, text: "the org's policies fail their integrity check, so nothing is allowed until an admin publishes them again" },
  AGENT_HALTED: { phase: "gate", precedence: 1, text: "this agent is halted; an admin must resume it" },
  EVALUATION_FAILED: {
    phase: "gate",
    precedence: 2,
    text: "the decision could not be evaluated (an internal error; its `failure` names the step), and the org's failure policy refuses what cannot be evaluated; retry, and tell an admin if it keeps happening",
  },
  LOOP_DETECTED: {
    phase: "gate",
    precedence: 8,
    text: "it repeats the same call (the same action with the same arguments), or alternates between two, more often than the loop limit allows; change course or wait for the window to pass",
  },
  BUDGET_EXCEEDED: {
    phase: "gate",
    precedence: 16,
    text: "it would go over a budget in the policies (its `budget` names which, with what is spent and reserved); wait for the budget's period to turn, or ask an admin to raise it",
  },
  CIRCUIT_OPEN: { phase: "gate", precedence: 7, text: "this agent's circuit breaker is open after repeated failures; wait for its cool-down" },
  CONTENT_DENIED: {
    phase: "gate",
    precedence: 9,
    text: "it carries a secret or personal data that the org's content rules refuse (its findings name the detector and the field); send it without that value",
  },
  CONTENT_LIMIT: {
    phase: "gate",
    precedence: 10,
    text: "the org's content screen could not finish within its per-call budget (its details name the limit: the work of the org's own detectors, their matches, the placeholders, or how much they add), so nothing of its metadata is recorded; send less at once, or ask an admin to narrow the org's detectors",
  },
  DENIED_BY_REVIEWER: { phase: "approval", precedence: 17, text: "a reviewer denied it" },
  APPROVAL_EXPIRED: { phase: "approval", precedence: 18, text: "nobody approved it before its approval expired" },
  DELEGATION_SCOPE: { phase: "delegation", precedence: 5, text: "it is outside the capabilities delegated to this agent" },
  DELEGATION_EXPIRED: { phase: "delegation", precedence: 4, text: "the delegation behind this agent has expired" },
  DELEGATION_REVOKED: { phase: "delegation", precedence: 3, text: "the delegation behind this agent was revoked" },
} as const satisfies Record<string, { phase: DenialPhase; precedence: number; text: string }>;

export type DenialPhase = "policy" | "gate" | "delegation" | "approval";

/** Every known denial reason. On the wire the set is open: a client accepts any string. */
export type DenialReason = keyof typeof DENIAL_REASONS;

/** The reasons one phase gives. */
export type DenialReasonOf<P extends DenialPhase> = { [R in DenialReason]: (typeof DENIAL_REASONS)[R]["phase"] extends P ? R : never }[DenialReason];

export const DENIAL_REASON_CODES = Object.keys(DENIAL_REASONS) as [DenialReason, ...DenialReason[]];

/** The codes of one phase, in table order. */
export function denialReasonsOf<P extends DenialPhase>(phase: P): Array<DenialReasonOf<P>> {
  return DENIAL_REASON_CODES.filter((code) => DENIAL_REASONS[code].phase === phase) as Array<DenialReasonOf<P>>;
}

export function isDenialReason(code: string): code is DenialReason {
  return Object.hasOwn(DENIAL_REASONS, code);
}

/** What a reason means for the agent; an unknown code (a newer server's) reads as itself. */
export function denialText(code: string): string {
  return isDenialReason(code) ? DENIAL_REASONS[code].text : code;
}

/** The known codes, closed: what the contracts name `DenialReasonCode`. */
export const denialReasonCodeSchema = z.enum(DENIAL_REASON_CODES);

/**
 * A denial reason on the wire: an open enum. The known codes are listed, and any other string is
 * accepted, so a client built before a new reason was added reads it rather than failing.
 */
export const denialReasonSchema = z
  .union([denialReasonCodeSchema, z.string()])
  .describe(`Why it was denied: ${DENIAL_REASON_CODES.join(", ")}, or a reason added later (clients accept any string).`);

/**
 * The one reason a call is denied for among those that hold (falsy entries are skipped): the lowest
 * `precedence` of DENIAL_REASONS. Undefined when none holds.
 */
export function firstDenial<R extends DenialReason>(candidates: ReadonlyArray<R | null | undefined | false>): R | undefined {
  let first: R | undefined;
  for (const reason of candidates) if (reason && (first === undefined || DENIAL_REASONS[reason].precedence < DENIAL_REASONS[first].precedence)) first = reason;
  return first;
}

/** Whether a reason is decided before policy (the agent's state, its chain, the breaker, a loop, content, a budget): it never counts against the breaker. */
export function deniedBeforePolicy(reason: string | undefined): boolean {
  return reason !== undefined && isDenialReason(reason) && DENIAL_REASONS[reason].phase !== "policy";
}
