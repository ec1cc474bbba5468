import type { ActorRef, AuditEntryInput } from "../audit/entry";
import { conflict, validationError } from "../errors";
import { judgeLocalFindings, type LocalFinding } from "../content/model-traffic";
import { MAX_FINDINGS, type ContentFinding, type ContentScreen, type Screened } from "../content/screen-content";
import type { ContentActions } from "../content/content-rules";
import type { PostConditionViolation } from "../policy/evaluate";
import type { SettlementRecord, Usage } from "../spend/budgets";
import type { OutcomeStatus } from "./outcome-status";
import { usdOf } from "../spend/prices";
import { systemHalt, type PendingApproval, type SystemHalt } from "../approvals/endings";
import { tripOnFailures, type BreakerSettings, type CircuitState } from "../agents/circuit-breaker";
import { postConditionReason } from "../policy/post-conditions";
import { breakerInCommit, type BreakerMove } from "./plan-decision";

/**
 * An outcome (`report`), planned as a decision is (plan-decision.ts; docs/architecture.md §2): `judgeOutcome` judges
 * the report against its action as stored — read under the org's lock — and `planOutcome` makes the entries and
 * the answer from that judgement and the settlement of the action's reservation. Both pure: the content screen and
 * the post-conditions are the caller's inputs, read before the batch.
 */

export { OUTCOME_STATUSES, type OutcomeStatus } from "./outcome-status";

/** The report as the agent sent it (its request body, parsed). */
export interface OutcomeReport {
  status: OutcomeStatus;
  message: string | undefined;
  data: Record<string, unknown> | undefined;
  usage: Usage | undefined;
  /** The run the report names, keyed as the batch stores runs (runIdOf), when it names one. */
  runId: string | undefined;
  /** What the caller's own screen found in the result it kept (docs/guardrails.md). */
  screened: readonly LocalFinding[];
}

/** The columns of a reported action the batch reads under the org's lock. */
export interface ReportedAction {
  id: string;
  auditEntryId: string;
  actionType: string;
  status: "executed" | "requested" | "denied";
  runId: string | null;
  createdAt: Date;
  metadata: unknown;
  dataAccessed: unknown;
}

/** What a report is judged with, read before its batch. */
export interface OutcomeContext {
  report: OutcomeReport;
  /** The reporting agent (the entries name it). */
  agent: { id: string; name: string };
  actor: ActorRef;
  /** The content rules of an action's type (its matching policies' `content`, else the org's), and the screen by them. */
  contentFor: (actionType: string) => { actions: ContentActions; screen: ContentScreen };
  /** The post-conditions the outcome breaks (none when the policies are untrusted). */
  postConditions: (action: ReportedAction, status: OutcomeStatus, data: Record<string, unknown> | undefined) => PostConditionViolation[];
  /** The org's `postConditions.haltAgent`. */
  haltOnViolation: boolean;
  /** Who records a broken post-condition (and halts its agent). */
  postConditionActor: ActorRef;
  /** A system-written reason (a halt's, naming a policy) through the org's content screen: the value as it may be written. */
  screenReason: (reason: string) => string;
  /** For a failure outcome: the agent's failures in the breaker's window, this one included, counted before the batch (undefined when they could not be). */
  breaker: { failures: number | undefined; settings: BreakerSettings } | undefined;
}

/** What the batch found under the org's lock for a recorded outcome (its contributors, commit-contributors.ts). */
export interface OutcomeAtCommit {
  /** The batch's time. */
  at: Date;
  /** What the settlement of the action's reservation records as spent. */
  spend: SettlementRecord | undefined;
  /** The reporting agent was halted already. */
  haltedAtCommit: boolean;
  /** The pending approvals of the agent and its delegates, read for a report that may halt it. */
  pendingAtCommit: readonly PendingApproval[] | undefined;
  /** The agent's breaker as committed (after the batch's earlier moves). */
  breakerAtCommit: CircuitState | undefined;
}

/** A report judged against its action: what it records. */
export interface OutcomeJudgement {
  action: ReportedAction;
  status: OutcomeStatus;
  /** The message as it may be written (screened). */
  message: string | null;
  data: Record<string, unknown> | undefined;
  findings: ContentFinding[];
  violations: PostConditionViolation[];
  /** A post-condition broke and the org halts the agent for it. */
  halt: boolean;
}

/** The outcome on record, as the API answers the call that recorded it (its contract, `Outcome`). */
export interface OutcomeAnswer {
  auditEventId: string;
  status: OutcomeStatus;
  message: string | null;
  reportedAt: string;
  outcomeAuditEventId?: string;
  findings?: ContentFinding[];
  spend?: { model: string; tokens: number; usd: number | null; estimated?: boolean };
  violations?: Array<{
    policy: string;
    conditionsEvaluated: Array<Pick<PostConditionViolation["conditionsEvaluated"][number], "field" | "operator" | "expected" | "actual" | "result">>;
  }>;
}

/** What a recorded outcome writes: its entries (the outcome's first) and its answer once the first has its id. */
export interface OutcomePlan {
  entries: AuditEntryInput[];
  answer: (entryId: string) => OutcomeAnswer;
  /** The agent halted in the outcome's commit (a broken post-condition, with the org's `postConditions.haltAgent`): its entries are among `entries`. */
  halt?: SystemHalt;
  /** The agent's breaker opened in the outcome's commit (a failure at its threshold): its entry is among `entries`. */
  breaker?: BreakerMove;
}

/** A screened value, or the 400 naming `field` when the content rules refuse something in it (nothing of the report is written). */
function refuseDenied<T>(screened: Screened<T>, field: string): Screened<T> {
  if (screened.denied) {
    const refused = screened.findings.filter((f) => f.action === "denied").map((f) => f.detector);
    throw validationError([{ path: field, message: `holds content the org's content rules refuse (${[...new Set(refused)].join(", ")}); report it without that value` }]);
  }
  return screened;
}

/**
 * The report judged against its action as stored, pure: the run it names must be the action's; its message and data
 * screened like a decision's metadata by the content rules of the action's type (a refused value is a 400 naming
 * it); the caller's own findings held like identifiers; a model's name with anything in it refused; a denied or
 * still held action has no outcome (409); and the post-conditions of its policies tested on it.
 */
export function judgeOutcome(context: OutcomeContext, action: ReportedAction): OutcomeJudgement {
  const { report } = context;
  if (report.runId !== undefined && action.runId !== report.runId) throw validationError([{ path: "runId", message: "is not the run this action was recorded in" }]);
  const { actions, screen } = context.contentFor(action.actionType);
  const screened = report.message === undefined ? undefined : refuseDenied(screen(report.message, ["message"]), "message");
  const data = report.data === undefined ? undefined : refuseDenied(screen(report.data, ["data"]), "data");
  report.screened.forEach((finding, i) => {
    if (screen(finding.path, []).findings.length > 0) {
      throw validationError([
        { path: `screened[${i}].path`, message: "holds content the org's content rules look for (a secret or personal data); name where it was found, not what" },
      ]);
    }
  });
  const findings = [...(screened?.findings ?? []), ...(data?.findings ?? []), ...judgeLocalFindings(report.screened, actions, "answer").findings].slice(0, MAX_FINDINGS);
  // A reported model's name is logged as it is: one the content rules find anything in is refused.
  if (report.usage?.model !== undefined && refuseDenied(screen(report.usage.model, ["usage.model"]), "usage.model").findings.length > 0) {
    throw validationError([{ path: "usage.model", message: "holds content the org's content rules look for (a secret or personal data); send the model's name" }]);
  }
  if (action.status === "denied") throw conflict("the action was denied; there is no outcome to report");
  if (action.status === "requested") throw conflict("the action is waiting for approval; report its outcome once it is approved");
  const violations = context.postConditions(action, report.status, data?.value);
  return {
    action,
    status: report.status,
    message: screened?.value ?? null,
    data: data?.value,
    findings,
    violations,
    halt: violations.length > 0 && context.haltOnViolation,
  };
}

const conditionsOf = (violation: PostConditionViolation) =>
  violation.conditionsEvaluated.map(({ field, operator, expected, actual, result }) => ({ field, operator, expected, actual, result }));

/**
 * A recorded outcome's entries and answer, pure: `action.outcome` (with what it cost), what the screen found as its
 * own typed event (`guardrail.triggered`, never the values), each broken post-condition
 * (`action.postcondition_violated`), then what follows them (ADR 0049): the agent's halt for a broken post-condition
 * when the org asks for it (unless it was halted already), with the approvals it cancels, and the breaker opened by a
 * failure at its threshold (only from the state it stands at) — all in the outcome's commit.
 */
export function planOutcome(
  context: Pick<OutcomeContext, "agent" | "actor" | "report" | "postConditionActor" | "screenReason" | "breaker">,
  judged: OutcomeJudgement,
  commit: OutcomeAtCommit,
): OutcomePlan {
  const { action, status, message, data, findings, violations, halt } = judged;
  const { usage } = context.report;
  const { spend, at } = commit;
  const about = { agentId: context.agent.id, subjectId: action.id };
  const ofAction = { actionId: action.id, auditEventId: action.auditEntryId, actionType: action.actionType };
  const entries: AuditEntryInput[] = [
    {
      type: "action.outcome",
      actor: context.actor,
      ...about,
      data: {
        ...ofAction,
        status,
        ...(message ? { message } : {}),
        ...(findings.length > 0 ? { findings } : {}),
        ...(data ? { data } : {}),
        ...(usage ? { usage } : {}),
        ...(spend ? { spend } : {}),
      },
    },
    ...(findings.length > 0
      ? [
          {
            type: "guardrail.triggered",
            actor: context.actor,
            ...about,
            data: { ...ofAction, agentName: context.agent.name, source: "outcome", findings },
          } satisfies AuditEntryInput,
        ]
      : []),
    ...violations.map((violation): AuditEntryInput => ({
      type: "action.postcondition_violated",
      actor: context.postConditionActor,
      ...about,
      data: {
        ...ofAction,
        agentName: context.agent.name,
        policy: violation.policy,
        conditionsEvaluated: conditionsOf(violation),
        ...(violation.limit ? { limit: true } : {}),
        halted: halt,
      },
    })),
  ];
  const halted =
    halt && !commit.haltedAtCommit
      ? systemHalt(
          context.agent,
          context.postConditionActor.id,
          context.screenReason(postConditionReason(violations[0]?.policy ?? "", action.actionType)),
          commit.pendingAtCommit ?? [],
        )
      : undefined;
  entries.push(...(halted?.entries ?? []));
  const trip =
    status === "failure" && context.breaker?.failures !== undefined
      ? tripOnFailures(context.breaker.failures, context.breaker.settings, `failure outcome of ${action.actionType}`)
      : null;
  const moved = breakerInCommit(trip, context.agent.id, commit.breakerAtCommit, at);
  if (moved) entries.push(moved.entry);
  return {
    ...(halted ? { halt: halted } : {}),
    ...(moved ? { breaker: moved.breaker } : {}),
    entries,
    answer: (entryId) => ({
      auditEventId: action.auditEntryId,
      status,
      message,
      reportedAt: at.toISOString(),
      outcomeAuditEventId: entryId,
      ...(findings.length > 0 ? { findings } : {}),
      ...(spend
        ? { spend: { model: spend.model, tokens: spend.tokens, usd: spend.micros === null ? null : usdOf(spend.micros), ...(spend.estimated ? { estimated: true } : {}) } }
        : {}),
      ...(violations.length > 0 ? { violations: violations.map((v) => ({ policy: v.policy, conditionsEvaluated: conditionsOf(v) })) } : {}),
    }),
  };
}
