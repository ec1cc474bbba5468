import type { RateCounts, Facts } from "../policy/conditions";
import type { AgentFacts, Decision, PolicySet } from "../policy/evaluate";
import { reportOnlyDecision } from "../policy/report-only";
import type { Rewritten } from "../policy/rewrite";
import { resolveContentActions, type CallContentDefaults, type ContentActions } from "../content/content-rules";
import { screenCall, type ScreenedCall } from "../content/screen-call";
import { screenContent, type ContentFinding, type ContentScreen } from "../content/screen-content";
import type { PolicyEffect } from "../policy/document";
import type { ActionRequest, ReportOnly } from "./action-result";
import { planDecision, type DecisionAnswer } from "./plan-decision";
import { rewriteRequest } from "./rewrite-request";

/**
 * The one judgement of a call (docs/architecture.md §2), in three pure steps that execute, canI, the
 * offline policy tests and replay all take:
 *
 * 1. `judgePolicies`: the policies evaluated, a report-only trial's allow, the rewrites made (or refused);
 * 2. `screenJudged`: the content screen over the call as rewritten;
 * 3. `planDecision`: which reason wins (the precedence column of DENIAL_REASONS).
 *
 * execute and canI read their inputs between the steps (the org's own detectors build the screen off the
 * event loop); `judgeCall` runs the three at once for what has nothing to read: a policy test, a replayed record.
 */

/** Who a call is judged for: the agent policies see (a delegate's root), and a delegate's place in its chain. */
export interface JudgedSubject {
  agent: AgentFacts;
  delegation?: Facts["delegation"] | undefined;
}

/** What the policies make of a call: its decision, and the call as it will run. */
export interface PolicyJudgement {
  /** The call with its policies' rewrites made (as sent when none applies, or in a report-only trial, or refused). */
  request: ActionRequest;
  /** What the rewrites changed, when they changed anything. */
  rewritten?: Rewritten | undefined;
  decision: Decision;
  /** What a report-only trial executed instead (what the policies would have done). */
  reportOnly?: ReportOnly | undefined;
}

/**
 * Step 1, pure: evaluate the policies; in the org's report-only trial a deny or require_approval becomes an
 * allow that records what it would have been, and nothing is rewritten (a trial changes no call); otherwise
 * the policies' rewrites are made before the content screen reads the call, and one that cannot be made
 * refuses it (REWRITE_REFUSED) by the policy whose rewrite it is.
 */
export function judgePolicies(set: PolicySet, request: ActionRequest, subject: JudgedSubject, counts: RateCounts, options: { reportOnly?: boolean } = {}): PolicyJudgement {
  const evaluated = set.evaluate(
    {
      actionType: request.actionType,
      agent: subject.agent,
      metadata: request.metadata,
      dataAccessed: request.dataAccessed,
      ...(subject.delegation ? { delegation: subject.delegation } : {}),
    },
    counts,
  );
  if (options.reportOnly) {
    const { rewrites: _notInATrial, ...decision } = evaluated;
    const trial = reportOnlyDecision(decision);
    return trial ? { request, decision: trial.decision, reportOnly: trial.reportOnly } : { request, decision };
  }
  const rewrite = rewriteRequest(request, evaluated);
  if ("refused" in rewrite) {
    const by = set.policies.find((p) => p.name === rewrite.refused.policy);
    const decision: Decision = {
      effect: "deny",
      reason: "REWRITE_REFUSED",
      ...(by ? { policy: { name: by.name, versionId: by.versionId, version: by.version } } : {}),
      mode: "enforce",
      conditionsEvaluated: evaluated.conditionsEvaluated,
      monitored: evaluated.monitored,
    };
    return { request, decision };
  }
  return { request: rewrite.request, ...(rewrite.rewritten ? { rewritten: rewrite.rewritten } : {}), decision: evaluated };
}

/** A judged call through the content screen, with the conditions' values screened as the call's were. */
export type ScreenedJudgement = ScreenedCall & { conditionsEvaluated: Decision["conditionsEvaluated"] };

/**
 * Step 2, pure: the call as its policies left it through the content screen (screenCall: identifiers, metadata,
 * data access, run name, what the caller's own screen found, judged by `actions`); the conditions' values
 * come from the call, so they are screened only when something in it was rewritten.
 */
export function screenJudged(screen: ContentScreen, judged: Pick<PolicyJudgement, "request" | "decision">, actions: ContentActions): ScreenedJudgement {
  const call = screenCall(screen, judged.request, actions);
  const conditions = judged.decision.conditionsEvaluated;
  const rewritten = call.findings.some((f) => f.action !== "flagged");
  return { ...call, conditionsEvaluated: rewritten ? screen(conditions, ["conditionsEvaluated"]).value : conditions };
}

/** A judged call's answer: the plan's answer, its effect and deciding policy, its findings and the call as written. */
export interface CallJudgement extends DecisionAnswer {
  effect: PolicyEffect;
  /** The policy the answer names (null: none, as for NO_POLICY or a refusal of the content rules). */
  policy: string | null;
  findings: readonly ContentFinding[];
  /** The call as its policies rewrote it (before the screen). */
  request: ActionRequest;
  /** What the rewrites changed, when they changed anything. */
  rewritten?: Rewritten | undefined;
  /** Its metadata and data access as the screen leaves them (what would be written). */
  written: Pick<ActionRequest, "metadata" | "dataAccessed">;
}

/**
 * A whole call judged without I/O: judgePolicies, screenJudged and planDecision in a row, for what has
 * nothing to read — no halt, no chain, no breaker, no grant, no budget (the offline policy tests, replay).
 * `content`: the org's content defaults, under the call's matching policies' `content` rules; `screen`: a
 * screen built with the actions given (its placeholders' tags are the caller's).
 */
export function judgeCall(
  set: PolicySet,
  request: ActionRequest,
  subject: JudgedSubject & { callerName?: string },
  options: { counts: RateCounts; content: CallContentDefaults; screenWith: (actions: ContentActions) => ContentScreen; reportOnly?: boolean },
): CallJudgement {
  const judged = judgePolicies(set, request, subject, options.counts, { reportOnly: options.reportOnly ?? false });
  const actions = resolveContentActions(options.content, set.contentFor(request.actionType, subject.agent));
  const screened = screenJudged(options.screenWith(actions), judged, actions);
  const written = { metadata: screened.metadata.value, dataAccessed: screened.dataAccessed.value };
  const answer = planDecision({
    request: judged.request,
    rewritten: judged.rewritten,
    written,
    agent: { id: subject.agent.id, name: subject.callerName ?? subject.agent.name },
    // Nothing is read for what is judged whole: no chain, no gate before policy, no grant, no budget, no run.
    delegation: undefined,
    decision: judged.decision,
    gateReason: undefined,
    tampered: [],
    reportOnly: judged.reportOnly,
    screen: { findings: screened.findings, denied: screened.denied, limited: undefined, conditionsEvaluated: screened.conditionsEvaluated, content: undefined },
    grant: null,
    budget: undefined,
    haltedAtCommit: false,
    approvalTimeoutSeconds: 0,
    run: undefined,
    failure: undefined,
    // Nor is anything recorded: no loop, halt or breaker follows a judgement.
    loop: undefined,
    pendingAtCommit: undefined,
    breaker: undefined,
    breakerAtCommit: undefined,
  });
  const { status, policyName } = answer.result;
  return {
    ...answer,
    effect: status === "executed" ? "allow" : status === "requested" ? "require_approval" : "deny",
    policy: policyName ?? null,
    findings: screened.findings,
    request: judged.request,
    ...(judged.rewritten ? { rewritten: judged.rewritten } : {}),
    written,
  };
}

/** A screen with `actions` whose placeholders carry no keyed tag: for a judgement with no org key (a policy test, replay). */
export function untaggedScreen(actions: ContentActions): ContentScreen {
  const screen = { actions, tag: () => "0" };
  return (value, root, only) => screenContent(value, root, only ? { ...screen, only } : screen);
}
