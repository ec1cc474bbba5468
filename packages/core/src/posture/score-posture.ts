import { describeRetention, retentionRules, type RetentionSettings } from "../audit/retention";
import { compilePattern } from "../policy/match-pattern";
import { COVERAGE_WINDOW_DAYS, INTEGRATION_WINDOW_DAYS, toolCallsUngoverned, type AgentIntegrationFact } from "../integrations/integrations";
import * as R from "./rules";

/**
 * The posture score, pure: the measured facts of one org in, the score with every deduction out.
 * The same facts always give the same score (no clock: `facts.now` is the clock). The types mirror
 * the contracts' `Posture` (core cannot import contracts; db returns this as the contracts' type, so
 * a drift is a type error there). docs/posture.md is the written form of every rule here.
 */

export const POSTURE_FINDING_SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type PostureSeverity = (typeof POSTURE_FINDING_SEVERITIES)[number];

export interface PostureFindingResult {
  id: string;
  severity: PostureSeverity;
  points: number;
  message: string;
  fix: string;
  href: string;
}

export interface PostureComponentResult {
  score: number;
  max: number;
  findings: PostureFindingResult[];
}

export interface PostureResult {
  score: number;
  components: {
    policyCoverage: PostureComponentResult;
    humanOversight: PostureComponentResult;
    identityAccess: PostureComponentResult;
    auditIntegrity: PostureComponentResult;
  };
  windowDays: number;
  computedAt: string;
  /** The org's retention and the worker's sweeps (shown, not scored: docs/posture.md, Retention). */
  retention: PostureRetention;
}

/** Retention as posture shows it: the rules in a sentence, the settings, the latest sweep and the sweeps in the window. */
export interface PostureRetention {
  rule: string;
  settings: RetentionSettings;
  lastSweepAt: string | null;
  sweeps: number;
  entriesSwept: number;
}

export interface PosturePolicyFact {
  name: string;
  actions: readonly string[];
  effect: "allow" | "deny" | "require_approval";
  mode: "enforce" | "monitor";
  /** The approval quorum of a require_approval policy (1 when the document leaves it out), else null. */
  quorum: number | null;
  /** When the policy's current version was created. */
  versionCreatedAt: Date;
}

export interface PostureAgentKeyFact {
  id: string;
  agentId: string;
  agentName: string;
  agentHalted: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

/** Every number the rules need, measured over the window ending at `now`. Keys and delegations: live ones only. */
export interface PostureFacts {
  now: Date;
  decisions: {
    /** Decisions (executed + denied + requested) in the window. */
    total: number;
    /** Of them, denied with NO_POLICY. */
    noPolicy: number;
    executed: number;
    /** Outcome reports received in the window. */
    outcomes: number;
    /** The distinct action types decided in the window. */
    actionTypes: string[];
    /** Outcomes in the window that broke a policy's post-condition (one per policy broken). */
    postConditionViolations: number;
  };
  /** The org's active policies, each as its current version says. */
  policies: PosturePolicyFact[];
  approvals: {
    /** Approvals decided (approved or denied) in the window. */
    decided: number;
    /** Approvals that expired in the window. */
    expired: number;
    /** Median and 90th percentile of the decided ones' time from request to decision, in seconds (null: none decided). */
    medianSeconds: number | null;
    p90Seconds: number | null;
    /** Decided ones decided within FAST_DECISION_SECONDS of being requested. */
    decidedFast: number;
    /** Votes cast in the window, and the most any one member cast. */
    votes: number;
    topVoterVotes: number;
    /** Votes refused in the window because the voter requested the action or owns the excluded agent. */
    refusedSelfApprovals: number;
    /** Standing grants live now, and the latest of their expiries (docs/approvals.md, Standing grants). */
    activeGrants: number;
    latestGrantExpiry: Date | null;
  };
  members: { total: number; owners: number; ssoRequired: boolean };
  /** Live (not revoked, not expired) agent keys. */
  agentKeys: PostureAgentKeyFact[];
  /** Live admin keys. */
  adminKeys: Array<{ id: string; createdAt: Date }>;
  /** Active (not revoked, not expired) delegations. */
  delegations: Array<{ id: string; name: string; createdAt: Date; expiresAt: Date }>;
  /** Per agent, the integrations its calls came through in the last INTEGRATION_WINDOW_DAYS days (docs/integrations.md, Coverage). */
  agentIntegrations: Array<{ agentId: string; agentName: string; integrations: AgentIntegrationFact[] }>;
  /** Per agent, the model calls it declared spend for by hand, with no model-client wrapper, in the last COVERAGE_WINDOW_DAYS UTC days (GET /v1/coverage). */
  unwrappedModelCalls: Array<{ agentName: string; count: number }>;
  audit: {
    /** The latest verification ever recorded (null: never). */
    lastVerification: { at: Date; valid: boolean } | null;
    /** The oldest entry no signed checkpoint covers (null: the head is covered). */
    oldestUncoveredEntryAt: Date | null;
    /** The active signing key's creation (null: none yet). */
    activeSigningKeyCreatedAt: Date | null;
    /** The latest export by a member with the auditor role (null: never). */
    lastAuditorExportAt: Date | null;
    /** The org's retention settings, its latest sweep and its sweeps in the window (entries they touched). */
    retention: { settings: RetentionSettings; lastSweepAt: Date | null; sweeps: number; entriesSwept: number };
  };
}

const DAY_MS = 86_400_000;

const number = (n: number): string => n.toLocaleString("en-US");
const percent = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round((part * 100) / whole)} %`;
const days = (ms: number): number => Math.floor(ms / DAY_MS);
/** Seconds as a person reads them: "42 s", "17 min", "5.5 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}
const plural = (n: number, one: string, many = `${one}s`): string => `${number(n)} ${n === 1 ? one : many}`;
const listOf = (items: readonly string[], max = 5): string => (items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${number(items.length - max)} more`);
const capped = (count: number, each: number, max: number): number => Math.min(max, count * each);

function component(findings: PostureFindingResult[]): PostureComponentResult {
  const lost = findings.reduce((sum, f) => sum + f.points, 0);
  return { score: Math.max(0, R.POSTURE_COMPONENT_MAX - lost), max: R.POSTURE_COMPONENT_MAX, findings };
}

/** Whether a policy's action pattern names a high-risk action (`*`, or a word of HIGH_RISK_ACTION_WORDS). */
export function isHighRiskActionPattern(pattern: string): boolean {
  if (pattern === "*") return true;
  const words = pattern.toLowerCase().split(/[.:_*-]+/);
  return words.some((w) => (R.HIGH_RISK_ACTION_WORDS as readonly string[]).includes(w));
}

function policyCoverage(f: PostureFacts): PostureComponentResult {
  const findings: PostureFindingResult[] = [];
  const { total, noPolicy } = f.decisions;
  const window = `the last ${R.POSTURE_WINDOW_DAYS} days`;
  if (total === 0) {
    findings.push({
      id: "coverage.no_decisions",
      severity: "low",
      points: R.NO_DECISIONS_POINTS,
      message: `No decisions in ${window}: policy coverage cannot be measured.`,
      fix: "Route your agents' actions through Gatehouse (execute, gate or canI) so coverage can be measured.",
      href: "/agents",
    });
  } else if (noPolicy > total * R.NO_POLICY_FREE_SHARE) {
    const share = noPolicy / total;
    findings.push({
      id: "coverage.no_policy_denials",
      severity: share >= R.NO_POLICY_HIGH_SHARE ? "high" : share >= R.NO_POLICY_MEDIUM_SHARE ? "medium" : "low",
      points: Math.min(R.NO_POLICY_MAX_POINTS, Math.ceil((noPolicy * R.NO_POLICY_POINTS_PER_SHARE) / total)),
      message: `${number(noPolicy)} of ${number(total)} decisions (${percent(noPolicy, total)}) in ${window} were denied with NO_POLICY.`,
      fix: "Write policies for the actions your agents attempt: allow what they should do, require approval or deny the rest explicitly.",
      href: "/policies",
    });
  }
  const enforced = f.policies.filter((p) => p.mode === "enforce").map((p) => p.actions.map(compilePattern));
  const uncovered = [...f.decisions.actionTypes].sort().filter((type) => !enforced.some((matchers) => matchers.some((m) => m(type))));
  if (uncovered.length > 0) {
    findings.push({
      id: "coverage.uncovered_action_types",
      severity: "medium",
      points: capped(uncovered.length, R.UNCOVERED_ACTION_TYPE_POINTS, R.UNCOVERED_ACTION_TYPES_MAX_POINTS),
      message: `${plural(uncovered.length, "action type")} decided in ${window} ${uncovered.length === 1 ? "is" : "are"} named by no active enforce-mode policy: ${listOf(uncovered)}.`,
      fix: "Add an enforce-mode policy whose actions cover each of these action types.",
      href: "/policies",
    });
  }
  const ungoverned = f.agentIntegrations
    .filter((a) => toolCallsUngoverned(a.integrations, f.now))
    .map((a) => a.agentName)
    .sort();
  if (ungoverned.length > 0) {
    findings.push({
      id: "coverage.ungoverned_tool_calls",
      severity: "medium",
      points: capped(ungoverned.length, R.UNGOVERNED_TOOL_CALLS_POINTS, R.UNGOVERNED_TOOL_CALLS_MAX_POINTS),
      message: `${plural(ungoverned.length, "agent")} ${ungoverned.length === 1 ? "runs" : "run"} a model-calling framework but made no governed tool call in the last ${INTEGRATION_WINDOW_DAYS} days: ${listOf(ungoverned)}. Their tools may run past Gatehouse.`,
      fix: "Put the framework's adapter (@gatehouse/ai-sdk, @gatehouse/openai-agents, @gatehouse/langchain) or the MCP proxy in front of these agents' tools.",
      href: "/agents",
    });
  }
  const unwrapped = f.unwrappedModelCalls
    .filter((a) => a.count > 0)
    .map((a) => a.agentName)
    .sort();
  if (unwrapped.length > 0) {
    const calls = f.unwrappedModelCalls.reduce((sum, a) => sum + a.count, 0);
    findings.push({
      id: "coverage.unwrapped_model_calls",
      severity: "medium",
      points: capped(unwrapped.length, R.UNWRAPPED_MODEL_CALLS_POINTS, R.UNWRAPPED_MODEL_CALLS_MAX_POINTS),
      message: `${plural(unwrapped.length, "agent")} declared the spend of ${plural(calls, "model call")} by hand in the last ${COVERAGE_WINDOW_DAYS} days, with no model-client wrapper: ${listOf(unwrapped)}. Their prompts reach the provider unscreened, and what a call costs is what the agent says.`,
      fix: "Wrap the agents' model clients: wrapOpenAI / wrapAnthropic (@gatehouse/openai, @gatehouse/anthropic), or wrap_openai / wrap_anthropic in Python.",
      href: "/agents",
    });
  }
  const broken = f.decisions.postConditionViolations;
  if (broken > 0) {
    findings.push({
      id: "coverage.postcondition_violations",
      severity: broken >= 3 ? "high" : "medium",
      points: capped(broken, R.POSTCONDITION_VIOLATION_POINTS, R.POSTCONDITION_VIOLATION_MAX_POINTS),
      message: `${plural(broken, "outcome")} in ${window} broke a policy's post-condition.`,
      fix: "Read the action.postcondition_violated entries in the audit log: narrow what the agents may do, or halt agents that break post-conditions (Settings → Post-conditions).",
      href: "/audit?type=action.postcondition_violated",
    });
  }
  const staleBefore = f.now.getTime() - R.MONITOR_MODE_MAX_DAYS * DAY_MS;
  const stale = f.policies
    .filter((p) => p.mode === "monitor" && p.versionCreatedAt.getTime() < staleBefore)
    .map((p) => p.name)
    .sort();
  if (stale.length > 0) {
    findings.push({
      id: "coverage.stale_monitor_mode",
      severity: "medium",
      points: capped(stale.length, R.STALE_MONITOR_POINTS, R.STALE_MONITOR_MAX_POINTS),
      message: `${plural(stale.length, "policy", "policies")} ${stale.length === 1 ? "has" : "have"} been in monitor mode for more than ${R.MONITOR_MODE_MAX_DAYS} days: ${listOf(stale)}.`,
      fix: "Review what these policies would have done and switch them to enforce mode, or remove them.",
      href: "/policies",
    });
  }
  return component(findings);
}

function humanOversight(f: PostureFacts): PostureComponentResult {
  const findings: PostureFindingResult[] = [];
  const a = f.approvals;
  const window = `the last ${R.POSTURE_WINDOW_DAYS} days`;
  const ended = a.decided + a.expired;
  if (a.expired > ended * R.EXPIRED_FREE_SHARE) {
    const share = a.expired / ended;
    findings.push({
      id: "oversight.expired_approvals",
      severity: share >= R.EXPIRED_HIGH_SHARE ? "high" : "medium",
      points: Math.min(R.EXPIRED_MAX_POINTS, Math.ceil((a.expired * R.EXPIRED_POINTS_PER_SHARE) / ended)),
      message: `${number(a.expired)} of ${number(ended)} approvals (${percent(a.expired, ended)}) that ended in ${window} expired without a decision.`,
      fix: "Make sure enough approvers watch the queue (notifications, rota), or give approvals a longer timeout.",
      href: "/approvals",
    });
  }
  if (a.medianSeconds !== null && a.medianSeconds > R.SLOW_MEDIAN_SECONDS) {
    findings.push({
      id: "oversight.slow_median_decision",
      severity: "medium",
      points: R.SLOW_MEDIAN_POINTS,
      message: `The median time to decide an approval in ${window} was ${formatDuration(a.medianSeconds)} (threshold ${formatDuration(R.SLOW_MEDIAN_SECONDS)}).`,
      fix: "Add approvers or route approvals to the people on call, so agents do not wait.",
      href: "/approvals",
    });
  }
  if (a.p90Seconds !== null && a.p90Seconds > R.SLOW_P90_SECONDS) {
    findings.push({
      id: "oversight.slow_p90_decision",
      severity: "low",
      points: R.SLOW_P90_POINTS,
      message: `One approval in ten in ${window} took longer than ${formatDuration(a.p90Seconds)} to decide (90th percentile; threshold ${formatDuration(R.SLOW_P90_SECONDS)}).`,
      fix: "Look at the slowest approvals: who should have decided them, and when were they available?",
      href: "/approvals",
    });
  }
  if (a.decided >= R.FAST_DECISION_MIN_DECIDED && a.decidedFast > a.decided * R.FAST_DECISION_MAX_SHARE) {
    findings.push({
      id: "oversight.rubber_stamp",
      severity: "medium",
      points: R.FAST_DECISION_POINTS,
      message: `${number(a.decidedFast)} of ${number(a.decided)} approvals (${percent(a.decidedFast, a.decided)}) decided in ${window} were decided within ${R.FAST_DECISION_SECONDS} s of being requested.`,
      fix: "Approvals decided that fast are rarely reviewed: narrow the policies so only actions worth a look need approval.",
      href: "/approvals",
    });
  }
  if (a.votes >= R.SINGLE_APPROVER_MIN_VOTES && a.topVoterVotes > a.votes * R.SINGLE_APPROVER_MAX_SHARE) {
    findings.push({
      id: "oversight.single_approver",
      severity: "medium",
      points: R.SINGLE_APPROVER_POINTS,
      message: `One member cast ${number(a.topVoterVotes)} of the ${number(a.votes)} approval votes (${percent(a.topVoterVotes, a.votes)}) in ${window}.`,
      fix: "Spread approvals over more people: add approvers, or name several approvers in the policies.",
      href: "/members",
    });
  }
  if (a.refusedSelfApprovals > 0) {
    findings.push({
      id: "oversight.self_approval_attempts",
      severity: "low",
      points: capped(a.refusedSelfApprovals, R.SELF_APPROVAL_POINTS, R.SELF_APPROVAL_MAX_POINTS),
      message: `${plural(a.refusedSelfApprovals, "vote")} in ${window} ${a.refusedSelfApprovals === 1 ? "was" : "were"} refused because the voter requested the action or owns the agent (separation of duties).`,
      fix: "Find out why members try to approve their own requests; the audit log's approval.vote_refused entries name them.",
      href: "/audit",
    });
  }
  if (a.activeGrants > 0) {
    findings.push({
      id: "oversight.standing_grants",
      severity: "low",
      points: capped(a.activeGrants, R.STANDING_GRANT_POINTS, R.STANDING_GRANT_MAX_POINTS),
      message: `${plural(a.activeGrants, "standing grant")} ${a.activeGrants === 1 ? "lets" : "let"} matching calls through without a person${a.latestGrantExpiry ? `, until ${a.latestGrantExpiry.toISOString()} at the latest` : ""}.`,
      fix: "Review the grants on the Approvals page and revoke those no longer needed; shorten grants.maxDurationSeconds in the settings.",
      href: "/approvals",
    });
  }
  const weak = f.policies
    .filter((p) => p.mode === "enforce" && p.effect === "require_approval" && (p.quorum ?? 1) <= 1 && p.actions.some(isHighRiskActionPattern))
    .map((p) => p.name)
    .sort();
  if (weak.length > 0) {
    findings.push({
      id: "oversight.high_risk_single_quorum",
      severity: "high",
      points: capped(weak.length, R.HIGH_RISK_QUORUM_ONE_POINTS, R.HIGH_RISK_QUORUM_ONE_MAX_POINTS),
      message: `${plural(weak.length, "policy", "policies")} on high-risk actions ${weak.length === 1 ? "needs" : "need"} only one approval: ${listOf(weak)}.`,
      fix: "Set approval.quorum to 2 or more on policies for deploys, merges, deletions, payments and secrets.",
      href: "/policies",
    });
  }
  return component(findings);
}

function identityAccess(f: PostureFacts): PostureComponentResult {
  const findings: PostureFindingResult[] = [];
  const now = f.now.getTime();
  const live = f.agentKeys.filter((k) => k.expiresAt === null || k.expiresAt.getTime() > now);
  const noExpiry = live.filter((k) => k.expiresAt === null);
  if (noExpiry.length > 0) {
    findings.push({
      id: "identity.agent_keys_without_expiry",
      severity: "medium",
      points: capped(noExpiry.length, R.KEY_WITHOUT_EXPIRY_POINTS, R.KEYS_WITHOUT_EXPIRY_MAX_POINTS),
      message: `${plural(noExpiry.length, "live agent key")} never expire${noExpiry.length === 1 ? "s" : ""} (agents: ${listOf([...new Set(noExpiry.map((k) => k.agentName))].sort())}).`,
      fix: "Issue agent keys with an expiry (expiresInDays) and revoke the ones without.",
      href: "/agents",
    });
  }
  const unusedBefore = now - R.UNUSED_KEY_DAYS * DAY_MS;
  const unused = live.filter((k) => (k.lastUsedAt ?? k.createdAt).getTime() < unusedBefore);
  if (unused.length > 0) {
    findings.push({
      id: "identity.unused_agent_keys",
      severity: "low",
      points: capped(unused.length, R.UNUSED_KEY_POINTS, R.UNUSED_KEYS_MAX_POINTS),
      message: `${plural(unused.length, "live agent key")} ${unused.length === 1 ? "has" : "have"} not been used for ${R.UNUSED_KEY_DAYS} days (agents: ${listOf([...new Set(unused.map((k) => k.agentName))].sort())}).`,
      fix: "Revoke agent keys nobody uses.",
      href: "/agents",
    });
  }
  const oldBefore = now - R.ADMIN_KEY_MAX_AGE_DAYS * DAY_MS;
  const oldAdmin = f.adminKeys.filter((k) => k.createdAt.getTime() < oldBefore);
  if (oldAdmin.length > 0) {
    findings.push({
      id: "identity.old_admin_keys",
      severity: "medium",
      points: capped(oldAdmin.length, R.OLD_ADMIN_KEY_POINTS, R.OLD_ADMIN_KEYS_MAX_POINTS),
      message: `${plural(oldAdmin.length, "live admin key")} ${oldAdmin.length === 1 ? "is" : "are"} older than ${R.ADMIN_KEY_MAX_AGE_DAYS} days.`,
      fix: "Rotate admin keys: issue a new one, move your scripts to it, revoke the old one.",
      href: "/keys",
    });
  }
  const { total, owners } = f.members;
  const maxOwners = total <= R.SMALL_ORG_MEMBERS ? R.SMALL_ORG_MAX_OWNERS : R.MAX_OWNERS;
  if (owners > maxOwners) {
    findings.push({
      id: "identity.too_many_owners",
      severity: "low",
      points: R.TOO_MANY_OWNERS_POINTS,
      message: `${number(owners)} of ${plural(total, "member")} are owners (at most ${maxOwners} for an org of this size).`,
      fix: "Give members the least role they need: make extra owners admins.",
      href: "/members",
    });
  }
  if (!f.members.ssoRequired) {
    findings.push({
      id: "identity.sso_not_required",
      severity: "low",
      points: R.SSO_NOT_REQUIRED_POINTS,
      message: "Members may sign in to the console without single sign-on.",
      fix: "Set up single sign-on and turn on 'SSO required' in the org's sign-in settings.",
      href: "/settings",
    });
  }
  const halted = new Map<string, { name: string; keys: number }>();
  for (const k of live.filter((key) => key.agentHalted)) {
    const entry = halted.get(k.agentId) ?? { name: k.agentName, keys: 0 };
    entry.keys += 1;
    halted.set(k.agentId, entry);
  }
  if (halted.size > 0) {
    const names = [...halted.values()].map((h) => h.name).sort();
    const [firstId] = [...halted.entries()].sort((x, y) => x[1].name.localeCompare(y[1].name))[0] ?? [];
    findings.push({
      id: "identity.halted_agents_with_keys",
      severity: "high",
      points: capped(halted.size, R.HALTED_AGENT_KEYS_POINTS, R.HALTED_AGENT_KEYS_MAX_POINTS),
      message: `${plural(halted.size, "halted agent")} still ${halted.size === 1 ? "has" : "have"} live keys: ${listOf(names)}.`,
      fix: "Revoke the keys of agents you halted for good, so resuming them is a deliberate step.",
      href: halted.size === 1 && firstId ? `/agents/${firstId}` : "/agents",
    });
  }
  const long = f.delegations.filter((d) => d.expiresAt.getTime() - d.createdAt.getTime() > R.LONG_DELEGATION_HOURS * 3_600_000);
  if (long.length > 0) {
    findings.push({
      id: "identity.long_delegations",
      severity: "low",
      points: capped(long.length, R.LONG_DELEGATION_POINTS, R.LONG_DELEGATIONS_MAX_POINTS),
      message: `${plural(long.length, "active delegation")} ${long.length === 1 ? "lives" : "live"} longer than ${R.LONG_DELEGATION_HOURS} hours: ${listOf(long.map((d) => d.name).sort())}.`,
      fix: "Delegate for the task at hand: use short ttlSeconds and delegate again when needed.",
      href: "/agents",
    });
  }
  return component(findings);
}

function auditIntegrity(f: PostureFacts): PostureComponentResult {
  const findings: PostureFindingResult[] = [];
  const now = f.now.getTime();
  const { lastVerification, oldestUncoveredEntryAt, activeSigningKeyCreatedAt, lastAuditorExportAt } = f.audit;
  if (lastVerification && !lastVerification.valid) {
    findings.push({
      id: "audit.verification_failed",
      severity: "critical",
      points: R.VERIFY_FAILED_POINTS,
      message: `The last verification of the audit log (${lastVerification.at.toISOString()}) found it invalid.`,
      fix: "Investigate at once: export the log, verify it offline with the org's public key, and find the first entry that fails.",
      href: "/audit",
    });
  } else if (!lastVerification || lastVerification.at.getTime() < now - R.VERIFY_MAX_AGE_DAYS * DAY_MS) {
    findings.push({
      id: "audit.not_verified",
      severity: "critical",
      points: R.NOT_VERIFIED_POINTS,
      message: lastVerification
        ? `The audit log was last verified ${days(now - lastVerification.at.getTime())} days ago (more than ${R.VERIFY_MAX_AGE_DAYS}).`
        : "The audit log has never been verified.",
      fix: "Verify the log (console Audit › Verify, POST /v1/audit/verify or gatehouse verify), and do it regularly.",
      href: "/audit",
    });
  }
  if (oldestUncoveredEntryAt && oldestUncoveredEntryAt.getTime() < now - R.CHECKPOINT_MAX_LAG_MINUTES * 60_000) {
    findings.push({
      id: "audit.checkpoint_stale",
      severity: "high",
      points: R.CHECKPOINT_STALE_POINTS,
      message: `Audit entries written since ${oldestUncoveredEntryAt.toISOString()} (${Math.floor((now - oldestUncoveredEntryAt.getTime()) / 60_000)} minutes ago) are covered by no signed checkpoint (threshold ${R.CHECKPOINT_MAX_LAG_MINUTES} minutes).`,
      fix: "Make sure a worker is running (npm run worker): it signs a checkpoint of every log that grew each second.",
      href: "/audit",
    });
  }
  if (activeSigningKeyCreatedAt && activeSigningKeyCreatedAt.getTime() < now - R.SIGNING_KEY_MAX_AGE_DAYS * DAY_MS) {
    findings.push({
      id: "audit.old_signing_key",
      severity: "medium",
      points: R.OLD_SIGNING_KEY_POINTS,
      message: `The active signing key is ${days(now - activeSigningKeyCreatedAt.getTime())} days old (more than ${R.SIGNING_KEY_MAX_AGE_DAYS}).`,
      fix: "Rotate the signing key (POST /v1/admin/audit/keys/rotate) and give auditors the new public key.",
      href: "/audit",
    });
  }
  if (!lastAuditorExportAt || lastAuditorExportAt.getTime() < now - R.AUDITOR_EXPORT_DAYS * DAY_MS) {
    findings.push({
      id: "audit.no_auditor_export",
      severity: "medium",
      points: R.NO_AUDITOR_EXPORT_POINTS,
      message: `No member with the auditor role exported the audit log in the last ${R.AUDITOR_EXPORT_DAYS} days.`,
      fix: "Have an auditor (invite one if needed) export the log and verify it offline regularly.",
      href: "/members",
    });
  }
  const { executed, outcomes } = f.decisions;
  if (executed >= R.OUTCOMES_MIN_EXECUTED && outcomes < executed * R.OUTCOMES_MIN_SHARE) {
    findings.push({
      id: "audit.missing_outcomes",
      severity: "low",
      points: R.MISSING_OUTCOMES_POINTS,
      message: `Outcomes were reported for ${number(outcomes)} of ${number(executed)} executed actions (${percent(outcomes, executed)}) in the last ${R.POSTURE_WINDOW_DAYS} days.`,
      fix: "Report each executed action's outcome (reportOutcome in the SDK, POST /v1/actions/:auditEventId/outcome).",
      href: "/audit",
    });
  }
  return component(findings);
}

/** The org's posture from its measured facts (docs/posture.md). */
export function scorePosture(facts: PostureFacts): PostureResult {
  const components = {
    policyCoverage: policyCoverage(facts),
    humanOversight: humanOversight(facts),
    identityAccess: identityAccess(facts),
    auditIntegrity: auditIntegrity(facts),
  };
  const score = Object.values(components).reduce((sum, c) => sum + c.score, 0);
  const { retention } = facts.audit;
  return {
    score,
    components,
    windowDays: R.POSTURE_WINDOW_DAYS,
    computedAt: facts.now.toISOString(),
    retention: {
      rule: describeRetention(retentionRules(retention.settings)),
      settings: retention.settings,
      lastSweepAt: retention.lastSweepAt?.toISOString() ?? null,
      sweeps: retention.sweeps,
      entriesSwept: retention.entriesSwept,
    },
  };
}
