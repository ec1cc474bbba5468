/**
 * The posture score's thresholds and point values, each named once (docs/posture.md writes every
 * rule down with these numbers; a change here is a change there).
 */

/** The window the measured facts cover (decisions, approvals, key use, reviews), in days up to `now`. */
export const POSTURE_WINDOW_DAYS = 30;
/** Each of the four components is worth this many points; a component's score is max(0, max − Σ points). */
export const POSTURE_COMPONENT_MAX = 25;

// ── Policy coverage ─────────────────────────────────────────────────────────────────────────────
/** No decision in the window: coverage cannot be measured. */
export const NO_DECISIONS_POINTS = 3;
/** A NO_POLICY share up to this (1 %) costs nothing. */
export const NO_POLICY_FREE_SHARE = 0.01;
/** Points for NO_POLICY denials: ceil(share × 30), at most 15 (half the decisions denied by NO_POLICY takes all 15). */
export const NO_POLICY_POINTS_PER_SHARE = 30;
export const NO_POLICY_MAX_POINTS = 15;
/** NO_POLICY share at or above which the finding is high (else medium at 10 %, else low). */
export const NO_POLICY_HIGH_SHARE = 0.25;
export const NO_POLICY_MEDIUM_SHARE = 0.1;
/** Each action type seen in the window that no active enforce-mode policy names: 2 points, at most 8. */
export const UNCOVERED_ACTION_TYPE_POINTS = 2;
export const UNCOVERED_ACTION_TYPES_MAX_POINTS = 8;
/** Each agent with a model-calling framework but no governed tool call in the integration window: 2 points, at most 6. */
export const UNGOVERNED_TOOL_CALLS_POINTS = 2;
export const UNGOVERNED_TOOL_CALLS_MAX_POINTS = 6;
/** Each agent that declared model spend by hand, without a model-client wrapper, in coverage's window: 2 points, at most 6. */
export const UNWRAPPED_MODEL_CALLS_POINTS = 2;
export const UNWRAPPED_MODEL_CALLS_MAX_POINTS = 6;
/** Each outcome in the window that broke a policy's post-condition: 2 points, at most 6. */
export const POSTCONDITION_VIOLATION_POINTS = 2;
export const POSTCONDITION_VIOLATION_MAX_POINTS = 6;
/** A policy in monitor mode longer than this (its current version's age) … */
export const MONITOR_MODE_MAX_DAYS = 14;
/** … costs 2 points each, at most 6. */
export const STALE_MONITOR_POINTS = 2;
export const STALE_MONITOR_MAX_POINTS = 6;

// ── Human oversight ─────────────────────────────────────────────────────────────────────────────
/** An expired share (expired ÷ (decided + expired)) up to this (10 %) costs nothing. */
export const EXPIRED_FREE_SHARE = 0.1;
/** Points for expired approvals: ceil(share × 16), at most 8; high from 50 %. */
export const EXPIRED_POINTS_PER_SHARE = 16;
export const EXPIRED_MAX_POINTS = 8;
export const EXPIRED_HIGH_SHARE = 0.5;
/** Median time to decision above 15 minutes: 3 points. */
export const SLOW_MEDIAN_SECONDS = 900;
export const SLOW_MEDIAN_POINTS = 3;
/** 90th percentile above 4 hours: 2 points. */
export const SLOW_P90_SECONDS = 4 * 3600;
export const SLOW_P90_POINTS = 2;
/** Rubber stamp: with at least 10 decided approvals, more than 20 % decided within 5 s of being requested: 4 points. */
export const FAST_DECISION_SECONDS = 5;
export const FAST_DECISION_MIN_DECIDED = 10;
export const FAST_DECISION_MAX_SHARE = 0.2;
export const FAST_DECISION_POINTS = 4;
/** One approver: with at least 10 votes, one member casting more than 80 % of them: 3 points. */
export const SINGLE_APPROVER_MIN_VOTES = 10;
export const SINGLE_APPROVER_MAX_SHARE = 0.8;
export const SINGLE_APPROVER_POINTS = 3;
/** Blocked self-approval attempts (requester or excluded agent owner): 1 point each, at most 3. */
export const SELF_APPROVAL_POINTS = 1;
export const SELF_APPROVAL_MAX_POINTS = 3;
/** Standing grants live now: 1 point each, at most 3 (calls they cover run without a person). */
export const STANDING_GRANT_POINTS = 1;
export const STANDING_GRANT_MAX_POINTS = 3;
/** require_approval policies on high-risk actions with quorum 1: 2 points each, at most 6. */
export const HIGH_RISK_QUORUM_ONE_POINTS = 2;
export const HIGH_RISK_QUORUM_ONE_MAX_POINTS = 6;
/**
 * Words that make an action pattern high-risk: a pattern is high-risk when it is `*` or one of its
 * words (split on `.`, `:`, `_`, `-`, `*`) is one of these.
 */
export const HIGH_RISK_ACTION_WORDS = [
  "deploy",
  "release",
  "merge",
  "delete",
  "destroy",
  "drop",
  "purge",
  "payment",
  "payments",
  "pay",
  "refund",
  "transfer",
  "wire",
  "secret",
  "secrets",
  "credential",
  "credentials",
  "password",
  "prod",
  "production",
  "grant",
  "permission",
  "permissions",
  "iam",
] as const;

// ── Identity and access ─────────────────────────────────────────────────────────────────────────
/** Live agent keys without an expiry: 1 point each, at most 5. */
export const KEY_WITHOUT_EXPIRY_POINTS = 1;
export const KEYS_WITHOUT_EXPIRY_MAX_POINTS = 5;
/** Live agent keys unused (last use, else creation) for 30 days: 1 point each, at most 4. */
export const UNUSED_KEY_DAYS = 30;
export const UNUSED_KEY_POINTS = 1;
export const UNUSED_KEYS_MAX_POINTS = 4;
/** Live admin keys older than 90 days: 2 points each, at most 6. */
export const ADMIN_KEY_MAX_AGE_DAYS = 90;
export const OLD_ADMIN_KEY_POINTS = 2;
export const OLD_ADMIN_KEYS_MAX_POINTS = 6;
/** Owners: at most 1 when the org has up to 3 members, else at most 3; more costs 2 points. */
export const SMALL_ORG_MEMBERS = 3;
export const SMALL_ORG_MAX_OWNERS = 1;
export const MAX_OWNERS = 3;
export const TOO_MANY_OWNERS_POINTS = 2;
/** SSO not required for console sign-in: 1 point. */
export const SSO_NOT_REQUIRED_POINTS = 1;
/** Halted agents that still have live keys: 3 points each, at most 6. */
export const HALTED_AGENT_KEYS_POINTS = 3;
export const HALTED_AGENT_KEYS_MAX_POINTS = 6;
/** Active delegations whose lifetime (expiry − creation) exceeds 24 hours: 1 point each, at most 3. */
export const LONG_DELEGATION_HOURS = 24;
export const LONG_DELEGATION_POINTS = 1;
export const LONG_DELEGATIONS_MAX_POINTS = 3;

// ── Audit integrity ─────────────────────────────────────────────────────────────────────────────
/** No verification in the last 30 days: 10 points, critical. */
export const VERIFY_MAX_AGE_DAYS = 30;
export const NOT_VERIFIED_POINTS = 10;
/** The last verification found the log invalid: 15 points, critical. */
export const VERIFY_FAILED_POINTS = 15;
/** Entries not covered by a signed checkpoint for more than 10 minutes: 8 points, high. */
export const CHECKPOINT_MAX_LAG_MINUTES = 10;
export const CHECKPOINT_STALE_POINTS = 8;
/** The active signing key older than 365 days: 3 points. */
export const SIGNING_KEY_MAX_AGE_DAYS = 365;
export const OLD_SIGNING_KEY_POINTS = 3;
/** No export by a member with the auditor role in the last 30 days: 3 points. */
export const AUDITOR_EXPORT_DAYS = 30;
export const NO_AUDITOR_EXPORT_POINTS = 3;
/** With at least 10 executed actions, outcomes reported for fewer than half: 3 points. */
export const OUTCOMES_MIN_EXECUTED = 10;
export const OUTCOMES_MIN_SHARE = 0.5;
export const MISSING_OUTCOMES_POINTS = 3;
