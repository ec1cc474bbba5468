import { firstDenial, type DenialReasonOf } from "../actions/denial-reasons";
import { compilePattern, type PatternMeter } from "../policy/match-pattern";

/**
 * Attenuation: whether a child capability (an action-type pattern) is covered by a parent's, that is
 * whether every action type the child pattern matches is matched by one of the parent's patterns.
 *
 * A pattern is literal text with `*` for any run of characters (dots included), as in policies.
 * `parent` covers `child` when `parent` matches `child` read as text in which the child's own `*`
 * stand for themselves and can only be absorbed by a `*` of the parent (the parent's literal parts
 * hold no `*`, so they never match one). That is sound (if it says yes, every expansion of the child
 * is matched: each child `*` lies inside a parent `*`'s span) and, for patterns like ours, exact;
 * where it is not (a union of parent patterns covering a child that no single one covers: `a*` under
 * `[a, a?*]`-like sets, or an alphabet too small to witness a counter-example) it refuses, which is
 * the safe side of a security boundary. It is the ordinary pattern match (match-pattern.ts), so it
 * takes linear time too: at most 2·|child| + |parent| steps.
 *
 * `pr.open` ⊑ `pr.*` yes; `pr.*` ⊑ `pr.open` no; anything ⊑ `*`; `pr.*` ⊑ `pr.*` yes;
 * `pr.*.x` ⊑ `pr.*` yes; `pr.*` ⊑ `pr.*.x` no; `*` ⊑ anything but `*` (or `**`…) no.
 */
export function patternCovers(parent: string, child: string, meter?: PatternMeter): boolean {
  return compilePattern(parent)(child, meter);
}

/** Matchers per list of patterns (a chain's links keep theirs), compiled once. */
const matcherCache = new WeakMap<readonly string[], (value: string) => boolean>();

function matcherOf(patterns: readonly string[]): (value: string) => boolean {
  let matcher = matcherCache.get(patterns);
  if (!matcher) {
    const compiled = patterns.map(compilePattern);
    matcher = (value) => compiled.some((match) => match(value));
    matcherCache.set(patterns, matcher);
  }
  return matcher;
}

/** Whether `child` is covered by at least one of `parentPatterns` (each checked alone: see patternCovers). */
export function covers(parentPatterns: readonly string[], childPattern: string): boolean {
  return matcherOf(parentPatterns)(childPattern);
}

/** The first of `childPatterns` not covered by `parentPatterns`, or null when all are. */
export function uncoveredCapability(parentPatterns: readonly string[], childPatterns: readonly string[]): string | null {
  const matcher = matcherOf(parentPatterns);
  for (const child of childPatterns) if (!matcher(child)) return child;
  return null;
}

/** One link of a delegate's chain, root's delegate first. */
export interface ChainLink {
  delegationId: string;
  /** The delegate this link created. */
  agentId: string;
  agentName: string;
  /** The agent that granted it. */
  parentAgentId: string;
  capabilities: readonly string[];
  expiresAt: Date;
  revokedAt: Date | null;
}

export type ChainDenial = DenialReasonOf<"delegation">;

/**
 * Whether a delegate may take `actionType` now: every link not revoked (DELEGATION_REVOKED), not
 * expired at `now` (DELEGATION_EXPIRED: a delegation expiring at t is expired from t on), and the
 * action matched by every link's capabilities (DELEGATION_SCOPE). Revocation is reported before
 * expiry and expiry before scope; null when the chain allows the action. An empty chain (a root
 * agent) allows everything. Halted ancestors are the caller's check (AGENT_HALTED).
 */
export function checkChain(chain: readonly ChainLink[], actionType: string, now: Date | number): ChainDenial | null {
  const at = typeof now === "number" ? now : now.getTime();
  // Which of them wins when several hold is the denial table's precedence (firstDenial), not this order.
  const reason = firstDenial<ChainDenial>([
    chain.some((link) => link.revokedAt !== null) && "DELEGATION_REVOKED",
    chain.some((link) => !(link.expiresAt.getTime() > at)) && "DELEGATION_EXPIRED",
    chain.some((link) => !matcherOf(link.capabilities)(actionType)) && "DELEGATION_SCOPE",
  ]);
  return reason ?? null;
}
