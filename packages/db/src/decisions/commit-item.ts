import type {
  ActionResult,
  AuditEntryInput,
  BreakerMove,
  BudgetAlert,
  GrantRef,
  BudgetCost,
  BudgetScope,
  BudgetVerdict,
  CircuitState,
  DecisionRows,
  PendingApproval,
  PendingReservation,
  OutcomeAnswer,
  OutcomeContext,
  OutcomeJudgement,
  SpendSettings,
  SystemHalt,
} from "@gatehouse/core";
import type pg from "pg";
import type { Bind } from "../audit/log-store";

/**
 * What the contributors read and check an item of either kind by: its agent (and, for a decision, the agents whose
 * halt denies it, its budgets and its grants). An outcome is checked for its agent alone: its halt, its breaker, the
 * approvals a halt it may make cancels.
 */
export interface CommitSubject {
  agentId: string;
  /** Other agents whose halt denies this decision (a delegate's ancestors; a revoked delegate is itself halted). */
  gateAgentIds?: readonly string[];
  /** The budgets the call is held to and what it would add (docs/budgets.md): checked under the lock. */
  budget?: { scopes: BudgetScope[]; cost: BudgetCost };
  /** Standing grants that may cover a call the policies hold (claim-grant.ts): the first still valid under the lock is used. */
  grant?: { candidates: ReadonlyArray<{ id: string; role: string }>; at: Date };
  /**
   * The item may halt its agent (a loop's first refusal with the org's `loops.haltAgent`; a report whose policies state
   * post-conditions with the org's `postConditions.haltAgent`): its batch commits it alone, after every item queued
   * before it, and reads the pending approvals a halt cancels under the lock.
   */
  mayHalt?: boolean;
}

/** What an item's rows change for the batch's later items (a decision's rows, or what an outcome moved). */
export interface CommitChanges {
  halt?: SystemHalt | undefined;
  breaker?: BreakerMove | undefined;
  reservation?: PendingReservation | undefined;
  budgetAlerts?: readonly BudgetAlert[];
  result?: Pick<ActionResult, "grant" | "status">;
}

export interface PendingDecision extends CommitSubject {
  orgId: string;
  agentId: string;
  eventId: string | undefined;
  requestHash: string;
  /** The run the call names (docs/runs.md): created by this batch's statement if it is new, touched if not. */
  run?: PendingRun;
  /** Builds the final rows from what the contributors found under the org's lock (core's planDecision). */
  materialize: (facts: CommitFacts) => Materialized;
  /** The decision span's W3C `traceparent` (telemetry on): an approval it opens keeps it, so its wait is a span of the same trace. */
  traceparent?: string;
}

/** What a batch's contributors found for one item under the org's lock, which its rows are made from. */
export interface CommitFacts {
  /** The batch's time: the rows' created_at; a decision's clock (an approval's deadline counts from it). */
  at: Date;
  /** The agent (or one of `gateAgentIds`) turned out halted at commit time. */
  halted: boolean;
  /** The budgets' verdict against the counters as committed plus the batch's earlier reservations, for a call held to some. */
  budget?: BudgetVerdict;
  /** The standing grant that covers the call, with the uses it leaves once this one is taken (none: the policy's hold stands). */
  grant?: GrantRef | null;
  /** For an item that may halt its agent: the pending approvals of the agent and its delegates, as committed. */
  pendingApprovals?: readonly PendingApproval[];
  /** The agent's circuit breaker as committed (after the batch's earlier moves). */
  circuitState?: CircuitState;
}

export interface PendingRun {
  /** core's runIdOf(org, root agent, key). */
  id: string;
  key: string;
  rootAgentId: string;
  name: string | undefined;
}

/** The rows one decision writes (core's planDecision makes them). */
export type Materialized = DecisionRows;

/** A decision of the batch whose rows were made and will be written. */
export interface Decided {
  m: Materialized;
  item: PendingDecision;
  result: ActionResult;
  entryId: string;
}

/**
 * One capability's part in the org's group commit (group-commit.ts; docs/architecture.md §2): what it
 * reads in the batch's first round trip, under the org's lock; what it checks for each item before the
 * item's rows are made (adding to its facts); what an item's rows change for the items after it; and
 * what it writes in the batch's one statement. Adding a capability to the decision path is one plan
 * input (core's planDecision) and one contributor (commit-contributors.ts).
 */
export interface Contributor<S> {
  name: string;
  /** Statements sent with BEGIN and the lock (none when it has nothing to read for these items); what they read by is inlined with `lit`. */
  reads: (orgId: string, items: readonly CommitSubject[], lit: (value: string) => string) => string[];
  /** Its state for the batch from what its statements returned (in order); may throw to refuse the whole batch. */
  load: (results: pg.QueryResult[], items: readonly CommitSubject[]) => S;
  /** Under the lock, before the item's rows are made: what it finds for the item. */
  check?: (state: S, item: CommitSubject, facts: CommitFacts) => void;
  /** After the item's rows are made: what the batch's later items must see. */
  apply?: (state: S, rows: CommitChanges) => void;
  /**
   * Its common table expressions in the batch's one write statement (none when it has nothing to write). A counter or
   * run it writes that the batch's outcomes also change takes their deltas here (and removes them from `outcomes`), and
   * so does an agent row: the halts and breaker moves of the batch's outcomes are written with the decisions'.
   */
  writes: (orgId: string, decided: readonly Decided[], createdAt: Date, outcomes: OutcomeDeltas) => Array<(bind: Bind) => string>;
}

/** A contributor's state for one batch: what it finds for an item, and what an item's rows change. */
export interface OpenContributor {
  check: (item: CommitSubject, facts: CommitFacts) => void;
  apply: (rows: CommitChanges) => void;
}

/** A contributor as the batch runs it: its state kept per batch behind `open`. */
export interface RegisteredContributor {
  name: string;
  reads: Contributor<unknown>["reads"];
  open: (results: pg.QueryResult[], items: readonly CommitSubject[]) => OpenContributor;
  writes: Contributor<unknown>["writes"];
}

export function register<S>(contributor: Contributor<S>): RegisteredContributor {
  return {
    name: contributor.name,
    reads: contributor.reads,
    writes: contributor.writes,
    open: (results, items) => {
      const state = contributor.load(results, items);
      return { check: (item, facts) => contributor.check?.(state, item, facts), apply: (rows) => contributor.apply?.(state, rows) };
    },
  };
}

/**
 * An outcome (`report`) in the org's group commit: its action read in the batch's first round trip
 * (by the audit entry its decision recorded, and only the reporting agent's), judged under the org's
 * lock (core's judgeOutcome), claimed first-wins, settled against its decision's reservation and recorded
 * with its entries (core's planOutcome) in the batch's transaction, under the same lock as the decisions it
 * shares the commit with.
 */
export interface PendingOutcome extends CommitSubject {
  kind: "outcome";
  orgId: string;
  /** The audit entry of the decision reported on (checked to be an `aud_` id before it is queued). */
  auditEventId: string;
  /** The reporting agent: another agent's action is not found. */
  agentId: string;
  settings: SpendSettings;
  /** What the report is judged and planned with, read before the batch. */
  context: OutcomeContext;
}

/** What an outcome in a batch came to, with its judgement: recorded, or another report of the same action had won. */
export type OutcomeCommitted =
  | { recorded: true; answer: OutcomeAnswer; judged: OutcomeJudgement; halt: SystemHalt | undefined; breaker: BreakerMove | undefined }
  | { recorded: false; winner: { status: string; message: string | null; at: Date }; judged: OutcomeJudgement };

export type BatchItem = PendingDecision | PendingOutcome;

export function isOutcome(item: BatchItem): item is PendingOutcome {
  return "kind" in item;
}

export interface Committed {
  result: ActionResult;
  /** False when an earlier call with the same eventId answered instead. */
  fresh: boolean;
  /** The agent this decision halted in its commit (a loop's), for announcing after the commit. */
  halt?: SystemHalt;
  /** The agent's breaker this decision moved in its commit. */
  breaker?: BreakerMove;
}

/**
 * One item of either kind as its batch makes it, under the org's lock: answered without being recorded (a repeated
 * eventId, an outcome another report won), or recorded — its entries (its own first, then those that follow it,
 * naming it) and its answer (checked against its contract; a throw fails the item alone), which gives what its
 * acceptance into the statement changes for the batch's later items and how its caller is told once the batch
 * has committed.
 */
export type BatchMade =
  | { answered: () => void }
  | {
      entries: (entryId: string) => AuditEntryInput[];
      answer: (entryId: string) => { accept: () => void; tell: () => void };
    };

/** What the outcomes of a batch add to the counters and runs its decisions also write: each row is changed once per statement. */
export interface OutcomeDeltas {
  /** By counter key: what the settlements add (reserved released, spent added). */
  counters: Map<string, { reservedTokens: number; reservedMicros: number; spentTokens: number; spentMicros: number }>;
  /** By run id: the spend the settlements add. */
  runs: Map<string, { tokens: number; micros: number }>;
  /** The agents the outcomes halted and the breakers they opened (their rows and the approvals the halts cancel). */
  agents: { halts: SystemHalt[]; breakers: BreakerMove[] };
}
