import type { Facts, RateCounts } from "./conditions";
import type { PolicyDocument, PolicyEffect } from "./document";
import { compilePolicy, PolicySet, type AgentFacts } from "./evaluate";
import { onlyThisCall } from "./replay-counts";

/**
 * Replay: a draft policy set evaluated against the org's recorded decisions, to show what would
 * change before it goes live. Pure: the caller reads the records (packages/db's simulatePolicies
 * pages through the `actions` table) and this module decides and aggregates.
 *
 * What replay cannot know: rate conditions see only the call itself (a count of 1: past windows are
 * not reconstructed), an agent's name, labels and delegation chain are today's, not those at the time
 * of the decision, and decisions made before any policy was consulted (a halted agent, an open
 * circuit, a delegation refused, tampered policies) are skipped, as the draft would not have been
 * asked either.
 */

/** Denial reasons a policy gives; any other denial was decided before policy (AGENT_HALTED, CIRCUIT_OPEN, DELEGATION_*, POLICY_TAMPERED, …). */
export const POLICY_DENIAL_REASONS: ReadonlySet<string> = new Set(["NO_POLICY", "CONDITIONS_DENIED", "RATE_LIMITED", "CONDITION_LIMIT"]);

/**
 * The effect a recorded decision had, from its action row: executed → allow, requested → require_approval,
 * denied → deny. An action that opened an approval was require_approval whatever its approval became
 * (approved actions read `executed`, refused or expired ones `denied`). Null: decided before policy, skipped.
 */
export function recordedEffect(row: { status: "executed" | "requested" | "denied"; denialReason: string | null; approvalRequested: boolean }): PolicyEffect | null {
  if (row.approvalRequested || row.status === "requested") return "require_approval";
  if (row.status === "executed") return "allow";
  return row.denialReason === null || POLICY_DENIAL_REASONS.has(row.denialReason) ? "deny" : null;
}

/** One recorded decision to replay. */
export interface ReplayRecord {
  actionId: string;
  /** When it was decided (ISO 8601). */
  at: string;
  actionType: string;
  /** The agent that acted (for grouping and samples). */
  agentId: string;
  agentName: string;
  /** What policies see: the agent itself, or for a delegate its root agent. */
  subject: AgentFacts;
  delegation?: Facts["delegation"];
  metadata: Record<string, unknown>;
  dataAccessed: Facts["dataAccessed"];
  /** The recorded effect (see recordedEffect); null: decided before policy, skipped. */
  recorded: PolicyEffect | null;
  /** The policy that decided, as recorded (null: none). */
  policy: string | null;
}

export interface ReplayTransition {
  from: PolicyEffect;
  to: PolicyEffect;
  count: number;
}

export interface ReplaySample {
  actionId: string;
  at: string;
  actionType: string;
  agentName: string;
  from: PolicyEffect;
  to: PolicyEffect;
  policyBefore: string | null;
  policyAfter: string | null;
}

export interface ReplayResult {
  /** Decisions evaluated with the draft (skipped ones not included). */
  evaluated: number;
  /** Decisions made before policy (AGENT_HALTED, CIRCUIT_OPEN, DELEGATION_*, POLICY_TAMPERED, …): not evaluated. */
  skipped: number;
  /** Evaluated decisions whose effect would change. */
  changed: number;
  /** Changes only, most frequent first. */
  transitions: ReplayTransition[];
  byActionType: Array<{ actionType: string } & ReplayTransition>;
  byAgent: Array<{ agentId: string; agentName: string } & ReplayTransition>;
  /** Up to SAMPLES_PER_TRANSITION per transition, in the order the records came. */
  samples: ReplaySample[];
}

export const SAMPLES_PER_TRANSITION = 5;
/** byActionType and byAgent keep their most frequent rows. */
export const MAX_REPLAY_GROUPS = 100;

const EFFECTS: readonly PolicyEffect[] = ["allow", "require_approval", "deny"];

function byCount<T extends { count: number }>(rows: T[], key: (row: T) => string): T[] {
  return rows.sort((a, b) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Compiles the draft once; `add` records as they are read (page by page); `result` the aggregation. */
export class PolicyReplay {
  readonly #set: PolicySet;
  readonly #counts: RateCounts;
  #evaluated = 0;
  #skipped = 0;
  readonly #transitions = new Map<string, ReplayTransition>();
  readonly #byActionType = new Map<string, { actionType: string } & ReplayTransition>();
  readonly #byAgent = new Map<string, { agentId: string; agentName: string } & ReplayTransition>();
  readonly #samples = new Map<string, ReplaySample[]>();

  constructor(documents: readonly PolicyDocument[]) {
    this.#set = new PolicySet(documents.map((document, i) => compilePolicy(document, { versionId: `draft-${i}`, version: 0 })));
    this.#counts = onlyThisCall(this.#set);
  }

  /** Evaluates one record as the draft would decide it; answers the effect and policy (null when skipped). */
  add(record: ReplayRecord): { effect: PolicyEffect; policy: string | null } | null {
    if (record.recorded === null) {
      this.#skipped += 1;
      return null;
    }
    this.#evaluated += 1;
    const decision = this.#set.evaluate(
      {
        actionType: record.actionType,
        agent: record.subject,
        ...(record.delegation ? { delegation: record.delegation } : {}),
        metadata: record.metadata,
        dataAccessed: record.dataAccessed,
      },
      this.#counts,
    );
    const after = { effect: decision.effect, policy: decision.policy?.name ?? null };
    const from = record.recorded;
    const to = after.effect;
    if (from === to) return after;
    const transition = `${from}>${to}`;
    bump(this.#transitions, transition, () => ({ from, to, count: 0 }));
    bump(this.#byActionType, `${transition}>${record.actionType}`, () => ({ actionType: record.actionType, from, to, count: 0 }));
    bump(this.#byAgent, `${transition}>${record.agentId}`, () => ({ agentId: record.agentId, agentName: record.agentName, from, to, count: 0 }));
    let samples = this.#samples.get(transition);
    if (!samples) this.#samples.set(transition, (samples = []));
    if (samples.length < SAMPLES_PER_TRANSITION) {
      samples.push({
        actionId: record.actionId,
        at: record.at,
        actionType: record.actionType,
        agentName: record.agentName,
        from,
        to,
        policyBefore: record.policy,
        policyAfter: after.policy,
      });
    }
    return after;
  }

  result(): ReplayResult {
    const transitions = byCount(
      [...this.#transitions.values()].map((t) => ({ ...t })),
      (t) => `${EFFECTS.indexOf(t.from)}${EFFECTS.indexOf(t.to)}`,
    );
    const order = new Map(transitions.map((t, i) => [`${t.from}>${t.to}`, i]));
    return {
      evaluated: this.#evaluated,
      skipped: this.#skipped,
      changed: transitions.reduce((sum, t) => sum + t.count, 0),
      transitions,
      byActionType: byCount(
        [...this.#byActionType.values()].map((t) => ({ ...t })),
        (t) => `${t.actionType}>${t.from}>${t.to}`,
      ).slice(0, MAX_REPLAY_GROUPS),
      byAgent: byCount(
        [...this.#byAgent.values()].map((t) => ({ ...t })),
        (t) => `${t.agentName}>${t.agentId}>${t.from}>${t.to}`,
      ).slice(0, MAX_REPLAY_GROUPS),
      samples: [...this.#samples.entries()].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0)).flatMap(([, samples]) => samples.map((s) => ({ ...s }))),
    };
  }
}

function bump<T extends { count: number }>(map: Map<string, T>, key: string, create: () => T): void {
  let row = map.get(key);
  if (!row) map.set(key, (row = create()));
  row.count += 1;
}

/** Replays `records` against the draft `documents` (compiled once) and answers the aggregation. */
export function replayDecisions(documents: readonly PolicyDocument[], records: Iterable<ReplayRecord>): ReplayResult {
  const replay = new PolicyReplay(documents);
  for (const record of records) replay.add(record);
  return replay.result();
}
