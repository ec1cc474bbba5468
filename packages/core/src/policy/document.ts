import { z } from "zod";
import { contentRuleSchema } from "../content/content-rules";
import { policyLoopSchema } from "../limits/loops";
import { policyBudgetSchema } from "../spend/budgets";
import { validationError, type FieldIssue } from "../errors";
import {
  conditionDepth,
  conditionFields,
  conditionHasRate,
  conditionSchema,
  MAX_CONDITION_DEPTH,
  MAX_PATTERN_CHARS_PER_SET,
  MAX_PATTERNS_PER_SET,
  OUTCOME_FIELD_PREFIX,
} from "./conditions";
import { DEFAULT_APPROVER_ROLES, MEMBER_ROLES } from "../permissions";
import { safeString } from "../input";
import { formatIssuePath } from "../issue-path";
import { MAX_PATTERN_STARS, patternStars } from "./match-pattern";
import { policyRedactSchema, policyTransformSchema } from "./rewrite";

/** Action types agents send: lower-case, dot-separated words (`pr.merge`, `db:query`). */
export const ACTION_TYPE_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,127}$/;
/** An action type pattern (policies' `actions`, delegations' `capabilities`): `*` matches any run of characters (match-pattern.ts). */
const ACTION_PATTERN = /^(\*|[a-z0-9*][a-z0-9._:*-]{0,127})$/;
/**
 * Action types Gatehouse's own actions use (`gatehouse.policies.publish`, `gatehouse.settings.change`):
 * no agent may request one, and no policy may name one, so only Gatehouse's system agent ever has them.
 */
export const RESERVED_ACTION_PREFIX = "gatehouse.";
export const RESERVED_ACTION_MESSAGE = `is reserved for Gatehouse's own actions (${RESERVED_ACTION_PREFIX}*)`;
export function isReservedActionType(actionType: string): boolean {
  return actionType.startsWith(RESERVED_ACTION_PREFIX);
}
const AGENT_PATTERN = /^[A-Za-z0-9*][A-Za-z0-9._:*-]{0,127}$/;

const starLimit = (pattern: string) => patternStars(pattern) <= MAX_PATTERN_STARS;
const STAR_LIMIT_MESSAGE = `holds at most ${MAX_PATTERN_STARS} '*'`;

/** An action type pattern as policies' `actions` and delegations' `capabilities` accept it. */
export const actionPatternSchema = z.string().regex(ACTION_PATTERN, "must be an action type pattern like 'pr.*'").refine(starLimit, STAR_LIMIT_MESSAGE);
/** An agent pattern as policies' `agents` accept it: a name, an id or a pattern. */
export const agentPatternSchema = z.string().regex(AGENT_PATTERN, "must be an agent name, id or pattern like 'ci-*'").refine(starLimit, STAR_LIMIT_MESSAGE);
export const POLICY_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** An approval waits between a minute and a week (a policy's `timeoutSeconds`, an org's default). */
export const APPROVAL_TIMEOUT_MIN_SECONDS = 60;
export const APPROVAL_TIMEOUT_MAX_SECONDS = 7 * 24 * 3600;
/** The org default approval timeout when the org has not set one. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 3600;

/** The org setting `approvalTimeoutSeconds`: how long an approval waits when its policy does not say. */
export const approvalTimeoutSecondsSchema = z.number().int().min(APPROVAL_TIMEOUT_MIN_SECONDS).max(APPROVAL_TIMEOUT_MAX_SECONDS);

/** The org's default approval timeout from its settings object; missing or invalid gives 3600. */
export function approvalTimeoutSetting(orgSettings: unknown): number {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { approvalTimeoutSeconds?: unknown }).approvalTimeoutSeconds : undefined;
  const parsed = approvalTimeoutSecondsSchema.safeParse(raw);
  return parsed.success ? parsed.data : DEFAULT_APPROVAL_TIMEOUT_SECONDS;
}

/** How long an approval waits: its policy's `timeoutSeconds` when set, else the org's default. */
export function approvalTimeoutSeconds(options: { timeoutSeconds?: number | undefined }, orgDefaultSeconds: number): number {
  return options.timeoutSeconds ?? orgDefaultSeconds;
}

/**
 * Who hears of an approval, beside the console's inbox (docs/approvals.md, Routing): members by email or
 * role (each eligible one gets an email with a link of their own), Slack channels (a message with
 * Approve / Deny buttons) and webhook endpoints (an `approval.notice` message).
 */
export const approvalNotifySchema = z.strictObject({
  emails: z.array(z.email().max(254)).max(20).optional().describe("Members to email (each one an eligible approver: others are skipped)."),
  roles: z.array(z.enum(MEMBER_ROLES)).min(1).optional().describe("Every eligible member with one of these roles gets an email."),
  slack: z
    .array(z.string().regex(/^[#]?[A-Za-z0-9_.-]{1,80}$/, "must be a Slack channel: its id (C0123ABCD) or #name"))
    .max(10)
    .optional()
    .describe("Slack channels (ids, or #names) the org's connected Slack app posts the request to, with Approve / Deny buttons."),
  webhooks: z
    .array(z.string().regex(/^whe_[0-9a-zA-Z]{22}$/, "must be a webhook endpoint id (whe_…)"))
    .max(10)
    .optional()
    .describe("Webhook endpoints of the org sent an `approval.notice` message (whatever events they subscribe to): the request, and its reminder and escalation."),
});
export type ApprovalNotify = z.output<typeof approvalNotifySchema>;

export const approvalOptionsSchema = z.strictObject({
  quorum: z.number().int().min(1).max(10).default(1),
  /** No default here: without it, the org's default approval timeout applies (its settings, 3600 s unless changed). */
  timeoutSeconds: z
    .number()
    .int()
    .min(APPROVAL_TIMEOUT_MIN_SECONDS)
    .max(APPROVAL_TIMEOUT_MAX_SECONDS)
    .optional()
    .describe("Seconds the approval waits before it expires (60 to 604800); without it, the org's default approval timeout (3600 unless its settings say otherwise)."),
  approverRoles: z
    .array(z.enum(MEMBER_ROLES))
    .min(1)
    .default([...DEFAULT_APPROVER_ROLES]),
  approvers: z.array(safeString().min(1).max(200)).max(50).default([]),
  excludeAgentOwner: z.boolean().default(false),
  notify: approvalNotifySchema.optional(),
  remind: z
    .strictObject({ beforeSeconds: z.number().int().min(60).max(APPROVAL_TIMEOUT_MAX_SECONDS) })
    .optional()
    .describe("Remind whoever was notified this long before the deadline, if nobody decided by then."),
  escalate: z
    .strictObject({ afterSeconds: z.number().int().min(60).max(APPROVAL_TIMEOUT_MAX_SECONDS), notify: approvalNotifySchema })
    .optional()
    .describe("After this long without a decision, notify these further people, roles or channels (who may decide is still the policy's). A timeout stays APPROVAL_EXPIRED."),
  humanEachTime: z.boolean().optional().describe("A person decides every call: no standing grant covers the actions this policy holds."),
  humanOnly: z.boolean().optional().describe("Only a signed-in person decides: in the console or by an emailed link. Admin keys (the API, the CLI) and Slack are refused."),
});

export const policyDocumentSchema = z.strictObject({
  name: z.string().regex(POLICY_NAME_PATTERN, "must be lower-case letters, digits, '.', '_' or '-' (at most 100)"),
  description: safeString().max(1000).optional(),
  actions: z
    .array(actionPatternSchema.refine((pattern) => !isReservedActionType(pattern), RESERVED_ACTION_MESSAGE))
    .min(1)
    .max(100),
  agents: z.array(agentPatternSchema).min(1).max(100).default(["*"]),
  when: conditionSchema.optional().refine((c) => c === undefined || conditionDepth(c) <= MAX_CONDITION_DEPTH, `conditions nest at most ${MAX_CONDITION_DEPTH} deep`),
  effect: z.enum(["allow", "deny", "require_approval"]),
  approval: approvalOptionsSchema.optional(),
  mode: z.enum(["enforce", "monitor"]).default("enforce"),
  content: contentRuleSchema
    .optional()
    .describe(
      "What happens to secrets and personal data found in the calls this policy matches (its actions and agents): `deny`, `redact`, `flag` or `off` per class, overriding the org default (settings `content`); the strictest of the matching policies wins.",
    ),
  redact: policyRedactSchema.optional(),
  transform: policyTransformSchema.optional(),
  loop: policyLoopSchema.optional(),
  budget: policyBudgetSchema.optional(),
  postConditions: conditionSchema
    .optional()
    .refine((c) => c === undefined || conditionDepth(c) <= MAX_CONDITION_DEPTH, `conditions nest at most ${MAX_CONDITION_DEPTH} deep`)
    .refine((c) => c === undefined || !conditionHasRate(c), "a post-condition holds no rate (an outcome is not counted)")
    .describe(
      "What must hold after the calls this policy matches, tested on each reported outcome (docs/policies.md, Post-conditions): the `when` language, with `outcome.status` and `outcome.<path>` (the outcome's `data`) beside the call's own fields. A violation is recorded (`action.postcondition_violated`), streamed as `postcondition.violated`, counted in posture, and halts the agent when the org's `postConditions.haltAgent` says so.",
    ),
});

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type PolicyEffect = PolicyDocument["effect"];
export type ApprovalOptions = z.output<typeof approvalOptionsSchema>;

export const MAX_POLICIES = 1000;

/**
 * The policies of a set, as parsePolicySet reads them. The set's `tests` are checked by
 * parsePolicyTests (policy-tests.ts), where the full `policySetSchema` (policies and tests) lives.
 */
const policySetPoliciesSchema = z.strictObject({
  policies: z.array(policyDocumentSchema).max(MAX_POLICIES),
  tests: z.unknown().optional(),
});

export { formatIssuePath };

/** One issue per field (the first found: a value refused by two checks, say a free value and its operator, is named once). */
export function zodIssues(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FieldIssue[] {
  const byPath = new Map<string, FieldIssue>();
  for (const issue of error.issues) {
    const path = formatIssuePath([...prefix, ...issue.path]);
    if (!byPath.has(path)) byPath.set(path, { path, message: issue.message });
  }
  return [...byPath.values()];
}

/** JSON nesting depth, measured without recursion so hostile input cannot exhaust the stack. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item as object)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Far above what MAX_CONDITION_DEPTH allows, far below what the recursive schema can survive. */
const MAX_POLICY_NESTING = 48;

/**
 * The `matches` patterns of a set's raw policies, counted before any is compiled: the first policy
 * that takes the set past MAX_PATTERNS_PER_SET patterns or MAX_PATTERN_CHARS_PER_SET characters.
 * Walks without recursion (the caller has bounded the nesting).
 */
function patternBudgetIssue(policies: readonly unknown[]): FieldIssue | null {
  let count = 0;
  let chars = 0;
  for (let index = 0; index < policies.length; index += 1) {
    const stack: unknown[] = [policies[index]];
    while (stack.length > 0) {
      const item = stack.pop();
      if (item === null || typeof item !== "object") continue;
      const record = item as Record<string, unknown>;
      if (!Array.isArray(item) && record.op === "matches" && typeof record.value === "string") {
        count += 1;
        chars += record.value.length;
        if (count > MAX_PATTERNS_PER_SET) return { path: `policies[${index}].when`, message: `the set has more than ${MAX_PATTERNS_PER_SET} 'matches' patterns` };
        if (chars > MAX_PATTERN_CHARS_PER_SET)
          return { path: `policies[${index}].when`, message: `the set's 'matches' patterns hold more than ${MAX_PATTERN_CHARS_PER_SET} characters in all` };
      }
      for (const child of Object.values(item as object)) stack.push(child);
    }
  }
  return null;
}

/** Parses a whole policy set; names must be unique. Throws a VALIDATION DomainError with field paths. */
export function parsePolicySet(input: unknown): PolicyDocument[] {
  const policies = input && typeof input === "object" ? (input as { policies?: unknown }).policies : undefined;
  if (Array.isArray(policies)) {
    const tooDeep = policies.findIndex((policy) => nestingDepth(policy, MAX_POLICY_NESTING) > MAX_POLICY_NESTING);
    if (tooDeep >= 0) throw validationError([{ path: `policies[${tooDeep}].when`, message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep` }]);
    const patterns = patternBudgetIssue(policies);
    if (patterns) throw validationError([patterns]);
  }
  const parsed = policySetPoliciesSchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const seen = new Map<string, number>();
  const issues: FieldIssue[] = [];
  parsed.data.policies.forEach((policy, index) => {
    const first = seen.get(policy.name);
    if (first !== undefined) issues.push({ path: `policies[${index}].name`, message: `duplicates policies[${first}].name '${policy.name}'` });
    else seen.set(policy.name, index);
    if (policy.when && conditionFields(policy.when).some((field) => field.startsWith(OUTCOME_FIELD_PREFIX))) {
      issues.push({ path: `policies[${index}].when`, message: "names an outcome field: outcome.* is known only after the call, in postConditions" });
    }
    if (policy.effect !== "require_approval" && policy.approval) {
      issues.push({ path: `policies[${index}].approval`, message: "only allowed when effect is 'require_approval'" });
    }
    // A rewrite changes a call that goes ahead (now, or once approved): a deny runs nothing to rewrite.
    for (const field of ["redact", "transform"] as const) {
      if (policy.effect === "deny" && policy[field])
        issues.push({ path: `policies[${index}].${field}`, message: "only allowed when effect is 'allow' or 'require_approval' (a denied call runs nothing to rewrite)" });
    }
  });
  if (issues.length > 0) throw validationError(issues);
  return parsed.data.policies.map((policy) => (policy.effect === "require_approval" && !policy.approval ? { ...policy, approval: approvalOptionsSchema.parse({}) } : policy));
}
