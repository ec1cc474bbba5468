import type { ActorRef, AuditEntryInput } from "../audit/entry";
import type { ContentFinding, ContentLimitName } from "../content/screen-content";
import type { ContentAction } from "../content/content-rules";
import type { ContentClass } from "../content/detectors";
import type { GrantRef } from "../approvals/standing-grants";
import { approvalTimeoutSeconds } from "../policy/document";
import type { Decision } from "../policy/evaluate";
import type { BudgetAlert, ReservationRecord, BudgetVerdict } from "../spend/budgets";
import { reservationOf, underBudget, type BudgetPlan, type PendingReservation } from "../spend/budget-plan";
import type { RunRef } from "../runs/runs";
import { systemHalt, type PendingApproval, type SystemHalt } from "../approvals/endings";
import { LOOP_DETECTOR, loopReason, type LoopFinding } from "../limits/loops";
import { afterDecision, BREAKER_ACTOR, transitionRecord, tripOnFailures, type BreakerSettings, type BreakerTransition, type CircuitState } from "../agents/circuit-breaker";
import { buildActionResult, type ActionRequest, type ActionResult, type EvaluationFailure, type ReportOnly } from "./action-result";
import type { Rewritten } from "../policy/rewrite";
import { deniedBeforePolicy, firstDenial, type DenialReason } from "./denial-reasons";

/**
 * Everything a decision is made from once its inputs are read (docs/architecture.md §2): the call,
 * what the steps before policy found, what the policies decided, the content screen, a standing
 * grant, the budgets' verdict, and — for a recorded decision — whether the agent turned out halted
 * when its batch committed. `execute` (under the org's lock), `canI` (peeking, nothing taken) and
 * the coding-agent hook (through them) all answer from `planDecision`, so they cannot disagree.
 */
export interface DecisionInputs {
  // Every input is required, its absence said as `undefined`: an input added here and not wired where the plan is
  // made fails to compile (issue 64; packages/core/test/plan-inputs.types.test.ts).
  /** The call as it will run: as sent, with its policies' rewrites made (rewrite-request.ts). */
  request: ActionRequest;
  /** What the policies' rewrites changed, when they changed anything. */
  rewritten: Rewritten | undefined;
  /** Its metadata and data access as written: the content screen's values. */
  written: Pick<ActionRequest, "metadata" | "dataAccessed">;
  /** The calling agent. */
  agent: { id: string; name: string };
  /** A delegate's root and chain, as its entry records them. */
  delegation: { rootAgentId: string; rootAgentName: string; depth: number; chain: string[] } | undefined;
  /** What the policies decided (after a report-only trial), with the conditions' values as the call sent them. */
  decision: Decision;
  /** The first denial found before policy: the agent or an ancestor halted, the chain, untrustworthy policies, the breaker, a loop. */
  gateReason: DenialReason | undefined;
  /** Policies that failed their integrity check. */
  tampered: readonly string[];
  /** What the report-only trial executed instead (what the policies would have done). */
  reportOnly: ReportOnly | undefined;
  /** The content screen's findings (never values) and whether a class set to `deny` was found. */
  screen: {
    findings: readonly ContentFinding[];
    denied: boolean;
    /** The screen stopped at one of its budget's limits (screen-budget.ts): the call is refused (CONTENT_LIMIT), and nothing of its content is written. */
    limited: ContentLimitName | undefined;
    conditionsEvaluated: Decision["conditionsEvaluated"];
    /** The call's content rules, answered when the caller screens content itself (the request's `screened`). */
    content: Record<ContentClass, ContentAction> | undefined;
  };
  /** The standing grant that covers a call the policies hold for a person (execute's batch re-checks it under the lock, canI peeks). */
  grant: GrantRef | null;
  /** The budgets the call is held to and their verdict (against the counters under the lock, or as they stand for canI). */
  budget: { plan: BudgetPlan; verdict: BudgetVerdict | undefined; at: Date } | undefined;
  /** The agent (or an ancestor) was found halted when the batch committed: execute only. */
  haltedAtCommit: boolean;
  /** The org's default approval timeout, for an approval block that sets none. */
  approvalTimeoutSeconds: number;
  /** The run the call is recorded in. */
  run: RunRef | undefined;
  /** The call could not be evaluated: the org's failure policy decided it (evaluation-failure.ts in packages/db). */
  failure: EvaluationFailure | undefined;
  /** The call went over its loop limit (the gate's LOOP_DETECTED): what was found, and whether the org halts the agent (`loops.haltAgent`). */
  loop: (LoopFinding & { haltAgent: boolean }) | undefined;
  /**
   * The pending approvals of the agent and its delegates, read under the org's lock for a halt this decision
   * may make (a loop's): execute only — canI halts nothing.
   */
  pendingAtCommit: readonly PendingApproval[] | undefined;
  /**
   * The circuit breaker's part, execute only (canI moves no breaker): whether this call claimed the half-open probe,
   * and — for a call that counts as a failure (`countsAsFailure`) — the failures in the window with it, counted
   * before the commit; the org's settings.
   */
  breaker: { probe: boolean; failures: number | undefined; settings: BreakerSettings } | undefined;
  /** The agent's breaker as committed, read under the org's lock: a move is written only from the state it starts from. */
  breakerAtCommit: CircuitState | undefined;
}

/** What a decision answers, before anything is recorded: canI's answer, and the core of execute's. */
export interface DecisionAnswer {
  /** The answer without its audit entry's id (and, for canI, without an approval to wait on). */
  result: Omit<ActionResult, "auditEventId">;
  /** The decision as it stands after grants and budgets. */
  decided: Decision;
  /** The one denial reason (firstDenial over every step's), if denied by anything but a policy's effect alone. */
  denialReason: DenialReason | undefined;
  /** Denied before policy (the breaker never counts such a denial as the agent's failure). */
  beforePolicy: boolean;
}

/** The ids and clock a recorded decision adds (execute): its action, its approval if it opens one, who acts. */
export interface DecisionRecording {
  actor: ActorRef;
  actionId: string;
  approvalId: string;
  /** The request hash (idempotency, the approval's binding) of the call as written. */
  requestHash: string;
  /** The requester as the call named them (separation of duties reads it; never rewritten). */
  requesterRef: string | null;
  now: Date;
  approvalUrl: (approvalId: string) => string;
}

/** The rows a recorded decision writes: its answer, its audit entry, its action, its approval and its reservation. */
export interface DecisionRows {
  actionId: string;
  result: Omit<ActionResult, "auditEventId">;
  entry: AuditEntryInput;
  action: {
    actionType: string;
    metadata: unknown;
    dataAccessed: unknown;
    status: "executed" | "requested" | "denied";
    denialReason: string | null;
    policyName: string | null;
    policyVersionId: string | null;
    mode: string;
  };
  approval?: {
    id: string;
    policyVersionId: string | null;
    quorum: number;
    approverRoles: string[];
    approverMemberIds: string[];
    excludeAgentOwner: boolean;
    /** The requester as people are shown them (screened like the metadata it came from). */
    requestedBy: string | null;
    /** The requester as the call named them, which separation of duties reads (never rewritten). */
    requesterRef: string | null;
    /** Gatehouse's own action under the two-admin rule. */
    system?: boolean;
    expiresAt: Date;
  };
  reservation?: PendingReservation;
  /**
   * Entries that follow the decision's in the same commit, each given the decision entry's id (its
   * `auditEventId`): what the content screen found (`guardrail.triggered`) and the budget alerts the call
   * raised (`budget.threshold`, `budget.exceeded`), each its own typed event.
   */
  followers: ReadonlyArray<(auditEventId: string) => AuditEntryInput>;
  /** The budget alerts the followers send, for the counters' record of what their window has alerted. */
  budgetAlerts: readonly BudgetAlert[];
  /** The agent halted by the system in the decision's commit (a loop, with the org's `loops.haltAgent`): its entries are among the followers. */
  halt?: SystemHalt;
  /** The agent's breaker moved in the decision's commit (opened by this failure, or the probe settled): its entry is among the followers. */
  breaker?: BreakerMove;
}

/** A breaker's move as a commit writes it: from → to, on which agent, and when it opened (null when it closes). */
export type BreakerMove = BreakerTransition & { agentId: string; openedAt: Date | null };

/**
 * A breaker's move in a commit (ADR 0049), with its entry: written only from the state the agent's breaker stands at
 * under the org's lock (`atCommit`, after the batch's earlier moves), so it moves once however many items want it to.
 */
export function breakerInCommit(
  move: BreakerTransition | null,
  agentId: string,
  atCommit: CircuitState | undefined,
  now: Date,
): { breaker: BreakerMove; entry: AuditEntryInput } | undefined {
  if (!move || move.from !== atCommit) return undefined;
  const { circuitOpenedAt, entryType } = transitionRecord(move, now);
  const { from, to, reason } = move;
  return {
    breaker: { ...move, agentId, openedAt: circuitOpenedAt },
    entry: { type: entryType, actor: { type: "system", id: BREAKER_ACTOR }, agentId, subjectId: agentId, data: { from, to, reason } },
  };
}

export interface DecisionPlan extends DecisionAnswer {
  rows: DecisionRows;
}

/** `metadata.requestedBy` of a call, when it names someone. */
export function requesterOf(metadata: Record<string, unknown>): string | null {
  return typeof metadata.requestedBy === "string" ? metadata.requestedBy : null;
}

/**
 * The decision from its inputs, pure: which denial wins (firstDenial over every step's reason, in the
 * order of the denial table), what a grant and a budget change, the answer — and, given the ids of a
 * recorded decision, the audit entry and the rows to write. Nothing else orders denials or builds a
 * decision's answer.
 */
export function planDecision(inputs: DecisionInputs): DecisionAnswer;
export function planDecision(inputs: DecisionInputs, recording: DecisionRecording): DecisionPlan;
export function planDecision(inputs: DecisionInputs, recording?: DecisionRecording): DecisionAnswer | DecisionPlan {
  const { request, screen, grant } = inputs;
  // A grant lets through what the policies would hold for a person (grantQuery decides when one may be looked for).
  const granted = grant ? { ...inputs.decision, effect: "allow" as const } : inputs.decision;
  const budgeted = underBudget(granted, inputs.budget?.verdict);
  const denialReason = firstDenial<DenialReason>([
    inputs.gateReason,
    screen.denied && "CONTENT_DENIED",
    screen.limited && "CONTENT_LIMIT",
    inputs.haltedAtCommit && "AGENT_HALTED",
    budgeted.decision.effect === "deny" && budgeted.decision.reason,
    budgeted.denied && "BUDGET_EXCEEDED",
  ]);
  const decided = { ...budgeted.decision, conditionsEvaluated: screen.conditionsEvaluated };
  // A refusal before policy (or a halt committed first) refuses even in a report-only trial.
  const before = deniedBeforePolicy(denialReason);
  const reportOnly = before ? undefined : inputs.reportOnly;
  // The budgets' verdict speaks for a call they decided or let through, not for one refused before them.
  const verdict = before && denialReason !== "BUDGET_EXCEEDED" ? undefined : inputs.budget?.verdict;
  const approval =
    recording && !before && decided.effect === "require_approval" && decided.approval
      ? {
          id: recording.approvalId,
          expiresAt: new Date(recording.now.getTime() + approvalTimeoutSeconds(decided.approval, inputs.approvalTimeoutSeconds) * 1000),
        }
      : undefined;
  const { auditEventId: _none, ...result } = buildActionResult({
    // A refusal of the content rules names no policy (the org default may be what refused).
    decision: denialReason === "CONTENT_DENIED" || denialReason === "CONTENT_LIMIT" ? { ...decided, policy: undefined } : decided,
    auditEventId: "",
    ...(approval && recording ? { approval: { ...approval, url: recording.approvalUrl(approval.id) } } : {}),
    ...(denialReason ? { denialReason } : {}),
    ...(reportOnly ? { reportOnly } : {}),
    findings: screen.findings,
    ...(request.tool ? { tool: request.tool } : {}),
    ...(screen.content ? { content: screen.content } : {}),
    ...(recording && inputs.run ? { run: inputs.run } : {}),
    ...(verdict?.state ? { budget: verdict.state } : {}),
    // A grant is named by what it let through: a call denied anyway names none (and takes no use).
    ...(grant && !denialReason ? { grant } : {}),
    ...(inputs.rewritten ? { rewritten: inputs.rewritten } : {}),
    ...(inputs.failure ? { failure: inputs.failure } : {}),
  });
  const answer: DecisionAnswer = { result, decided, denialReason, beforePolicy: before };
  if (!recording) return answer;
  return { ...answer, rows: rowsOf(inputs, recording, answer, approval, reportOnly, verdict) };
}

/** A recorded decision's rows: its `action.decided` entry, its action, the approval it opens and what it reserves. */
function rowsOf(
  inputs: DecisionInputs,
  recording: DecisionRecording,
  { result, decided }: DecisionAnswer,
  approval: { id: string; expiresAt: Date } | undefined,
  reportOnly: ReportOnly | undefined,
  verdict: BudgetVerdict | undefined,
): DecisionRows {
  const { request, written, agent, run, grant } = inputs;
  const { actionId } = recording;
  // What the call reserves against its budgets: recorded (executed, or held for approval), not denied.
  const reservation: { pending: PendingReservation; record: ReservationRecord } | undefined =
    inputs.budget && result.status !== "denied" ? reservationOf(inputs.budget.plan, inputs.budget.at, approval?.expiresAt) : undefined;
  // A ratio is crossed by what a call reserves; a budget says it is exceeded when it refused or held the call itself.
  const heldByBudget = result.denialReason === "BUDGET_EXCEEDED" || (result.status === "requested" && verdict?.verdict === "require_approval");
  const budgetAlerts = (verdict?.alerts ?? []).filter((alert) => (alert.kind === "threshold" ? reservation !== undefined : heldByBudget));
  const about = { actionId, actionType: request.actionType, agentName: agent.name };
  const by = { actor: recording.actor, agentId: agent.id, subjectId: actionId };
  const followers: Array<(auditEventId: string) => AuditEntryInput> = [];
  if (inputs.screen.findings.length > 0) {
    const findings = [...inputs.screen.findings];
    followers.push((auditEventId) => ({ ...by, type: "guardrail.triggered", data: { ...about, auditEventId, source: "decision", findings } }));
  }
  for (const alert of budgetAlerts) {
    followers.push((auditEventId) =>
      alert.kind === "threshold"
        ? { ...by, type: "budget.threshold", data: { ...about, auditEventId, threshold: alert.threshold, used: alert.used, budget: alert.state } }
        : { ...by, type: "budget.exceeded", data: { ...about, auditEventId, status: result.status === "denied" ? "denied" : "requested", budget: alert.state } },
    );
  }
  // The call that first went over its loop limit records the loop and, with the org's `loops.haltAgent`, halts the
  // agent: entries that follow the decision's in its commit (ADR 0035), with the halt's cancellations. A call found
  // halted at commit is refused AGENT_HALTED instead, and records neither.
  const loop = result.denialReason === "LOOP_DETECTED" && inputs.loop?.first ? inputs.loop : undefined;
  if (loop) {
    const { kind, count, limit } = loop;
    const data = {
      agentName: agent.name,
      kind,
      actionType: request.actionType,
      count,
      maxRepeats: limit.maxRepeats,
      windowSeconds: limit.windowSeconds,
      source: limit.source,
      halted: loop.haltAgent,
    };
    followers.push(() => ({ type: "agent.loop_detected", actor: { type: "system", id: LOOP_DETECTOR }, agentId: agent.id, subjectId: agent.id, data }));
  }
  const halt = loop?.haltAgent ? systemHalt(agent, LOOP_DETECTOR, loopReason(loop, request.actionType), inputs.pendingAtCommit ?? []) : undefined;
  for (const entry of halt?.entries ?? []) followers.push(() => entry);
  // The breaker (ADR 0049): the probe settles, or a failure counted before the commit opens it at its threshold —
  // written only from the state the agent's breaker stands at under the lock, so it moves once.
  const moved = breakerInCommit(inputs.breaker ? breakerMove(inputs.breaker, result, request.actionType) : null, agent.id, inputs.breakerAtCommit, recording.now);
  if (moved) followers.push(() => moved.entry);
  const breaker = moved?.breaker;
  return {
    actionId,
    result,
    entry: {
      type: "action.decided",
      actor: recording.actor,
      agentId: agent.id,
      subjectId: actionId,
      data: {
        actionId,
        agentName: agent.name,
        ...(inputs.delegation ? { delegation: inputs.delegation } : {}),
        actionType: request.actionType,
        status: result.status,
        ...(result.denialReason ? { denialReason: result.denialReason } : {}),
        ...(decided.policy ? { policy: decided.policy } : {}),
        ...(inputs.tampered.length > 0 ? { tamperedPolicies: [...inputs.tampered] } : {}),
        mode: decided.mode,
        ...(reportOnly ? { reportOnly } : {}),
        monitored: decided.monitored,
        conditionsEvaluated: decided.conditionsEvaluated,
        metadata: written.metadata,
        dataAccessed: written.dataAccessed,
        ...(inputs.screen.findings.length > 0 ? { findings: [...inputs.screen.findings] } : {}),
        requestHash: recording.requestHash,
        ...(request.tool ? { tool: request.tool } : {}),
        ...(result.rewritten ? { rewritten: result.rewritten } : {}),
        ...(request.eventId ? { eventId: request.eventId } : {}),
        ...(approval ? { approvalId: approval.id, timeoutAt: approval.expiresAt.toISOString() } : {}),
        ...(run ? { run } : {}),
        ...(reservation ? { reservation: reservation.record } : {}),
        ...(grant && result.status !== "denied" ? { grant } : {}),
        // The budget that refused or held it (an allowed call's tightest budget is in its answer only).
        ...(verdict?.state?.exceeded ? { budget: verdict.state } : {}),
        ...(result.failure ? { failure: result.failure } : {}),
      },
    },
    action: {
      actionType: request.actionType,
      metadata: written.metadata,
      dataAccessed: written.dataAccessed,
      status: result.status,
      denialReason: result.denialReason ?? null,
      policyName: decided.policy?.name ?? null,
      policyVersionId: decided.policy?.versionId ?? null,
      mode: decided.mode,
    },
    ...(reservation ? { reservation: reservation.pending } : {}),
    ...(approval && decided.approval
      ? {
          approval: {
            id: approval.id,
            policyVersionId: decided.policy?.versionId ?? null,
            quorum: decided.approval.quorum,
            approverRoles: decided.approval.approverRoles,
            approverMemberIds: decided.approval.approvers,
            excludeAgentOwner: decided.approval.excludeAgentOwner,
            requestedBy: requesterOf(written.metadata),
            requesterRef: recording.requesterRef,
            expiresAt: approval.expiresAt,
          },
        }
      : {}),
    followers,
    budgetAlerts,
    ...(halt ? { halt } : {}),
    ...(breaker ? { breaker } : {}),
  };
}

/** What a recorded decision does to its agent's breaker (core's afterDecision), with the failures counted before its commit. */
function breakerMove(breaker: NonNullable<DecisionInputs["breaker"]>, result: Pick<ActionResult, "status" | "denialReason">, actionType: string): BreakerTransition | null {
  const after = afterDecision({ probe: breaker.probe, status: result.status, denialReason: result.denialReason, deniedBeforePolicy: deniedBeforePolicy(result.denialReason) });
  if (after === "none") return null;
  if (after === "count_failure") return breaker.failures === undefined ? null : tripOnFailures(breaker.failures, breaker.settings, `denied ${actionType}`);
  return after.settle;
}

/**
 * Whether a call counts as its agent's failure when recorded (afterDecision's `count_failure`), told from its inputs
 * before the commit, so its failure is counted before it and the breaker's opening is written in it: a denial by
 * policy, and not the probe. Only a halt found at commit changes such an answer (to AGENT_HALTED, which does not
 * count); the property in packages/core/test/plan-decision.test.ts holds the two together.
 */
export function countsAsFailure(inputs: Pick<DecisionInputs, "decision" | "gateReason" | "screen" | "failure">, probe: boolean): boolean {
  return (
    !probe && inputs.failure === undefined && inputs.gateReason === undefined && !inputs.screen.denied && inputs.screen.limited === undefined && inputs.decision.effect === "deny"
  );
}
