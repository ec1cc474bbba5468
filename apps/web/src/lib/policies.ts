import type { PolicyDraft, PolicyMonitor, PolicySetDiff, PolicySimulation, PolicyTestRun, PolicyVersionList } from "@gatehouse/contracts";
import { DEFAULT_APPROVER_ROLES } from "@gatehouse/core/permissions";
import { countOf } from "./format";
import type { SourceFormat } from "./policy-source";

// The console's policy calls (/api/orgs/<slug>/policies/…) and the shapes they answer: the API's
// shapes (the contracts' types, type-only: nothing of zod reaches the browser) as the console's route
// handlers pass them through.
export type { PolicyDraft, PolicyMonitor, PolicySetDiff, PolicySimulation, PolicyTestRun, PolicyVersionList };

export type Effect = "allow" | "deny" | "require_approval";

export interface PolicySummary {
  name: string;
  version: number;
  versionId: string;
  contentHash: string;
  description?: string;
  actions: string[];
  agents: string[];
  effect: Effect;
  mode: "enforce" | "monitor";
  updatedAt: string | null;
  updatedBy: string | null;
  decisions7d: number;
}
export interface PolicySummaryList {
  policies: PolicySummary[];
}

export type PolicyVersionView = PolicyVersionList["versions"][number];

export type PublishResult = { status: "published"; diff: PolicySetDiff } | { status: "pending_approval"; approvalId: string };

export interface PolicyTemplate {
  id: string;
  title: string;
  summary: string;
  rationale: string;
  packs: string[];
  policies: unknown[];
  tests: unknown[];
}
export interface PolicyPack {
  id: string;
  title: string;
  framework: string;
  description: string;
  controls: Array<{ id: string; title: string; templates: string[] }>;
}
export interface PolicyLibrary {
  templates: PolicyTemplate[];
  packs: PolicyPack[];
}

/** A problem in the draft's source: the field path and, when the server could place it, its 1-based line. */
export interface SourceIssue {
  path: string;
  message: string;
  line?: number;
}

/** A refusal from a policy route; a 400 carries the issues it names. */
export class PolicyApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly issues: SourceIssue[];

  constructor(status: number, code: string, message: string, requestId: string | null, issues: SourceIssue[]) {
    super(message);
    this.name = "PolicyApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.issues = issues;
  }
}

function issuesOf(details: unknown): SourceIssue[] {
  const list = details && typeof details === "object" ? (details as { issues?: unknown }).issues : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw: unknown) => {
    if (!raw || typeof raw !== "object") return [];
    const { path, message, line } = raw as { path?: unknown; message?: unknown; line?: unknown };
    if (typeof path !== "string" || typeof message !== "string") return [];
    return [{ path, message, ...(typeof line === "number" && Number.isInteger(line) && line > 0 ? { line } : {}) }];
  });
}

async function call<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    signal,
    cache: "no-store",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.ok) return { status: response.status, body: (await response.json()) as T };
  let code = "INTERNAL";
  let message = `Request failed with status ${response.status}`;
  let requestId = response.headers.get("x-request-id");
  let issues: SourceIssue[] = [];
  try {
    const parsed = (await response.json()) as { error?: { code?: string; message?: string; requestId?: string; details?: unknown } };
    code = parsed.error?.code ?? code;
    message = parsed.error?.message ?? message;
    requestId = parsed.error?.requestId ?? requestId;
    issues = issuesOf(parsed.error?.details);
  } catch {
    // Not JSON: keep the generic message.
  }
  throw new PolicyApiError(response.status, code, message, requestId, issues);
}

const base = (orgSlug: string) => `/api/orgs/${encodeURIComponent(orgSlug)}/policies`;
const bodyOf = async <T>(promise: Promise<{ body: T }>) => (await promise).body;

export const policyKeys = {
  all: (orgSlug: string) => ["policies", orgSlug] as const,
  list: (orgSlug: string) => ["policies", orgSlug, "list"] as const,
  monitor: (orgSlug: string, days: number) => ["policies", orgSlug, "monitor", days] as const,
  versions: (orgSlug: string, name: string) => ["policies", orgSlug, "versions", name] as const,
  draft: (orgSlug: string) => ["policies", orgSlug, "draft"] as const,
  library: (orgSlug: string) => ["policies", orgSlug, "library"] as const,
  schema: (orgSlug: string) => ["policies", orgSlug, "schema"] as const,
};

export const MONITOR_DAYS = [7, 30] as const;
export const REPLAY_DAYS = [1, 7, 30] as const;

export const fetchPolicies = (orgSlug: string, signal?: AbortSignal) => bodyOf(call<PolicySummaryList>("GET", base(orgSlug), undefined, signal));
export const fetchMonitor = (orgSlug: string, days: number, signal?: AbortSignal) => bodyOf(call<PolicyMonitor>("GET", `${base(orgSlug)}/monitor?days=${days}`, undefined, signal));
export const fetchVersions = (orgSlug: string, name: string, signal?: AbortSignal) =>
  bodyOf(call<PolicyVersionList>("GET", `${base(orgSlug)}/${encodeURIComponent(name)}/versions`, undefined, signal));
export const fetchDraft = (orgSlug: string, signal?: AbortSignal) => bodyOf(call<PolicyDraft>("GET", `${base(orgSlug)}/draft`, undefined, signal));
export const saveDraft = (orgSlug: string, body: { source: string; format: SourceFormat; revision: number }) => bodyOf(call<PolicyDraft>("PUT", `${base(orgSlug)}/draft`, body));
export const discardDraft = (orgSlug: string) => bodyOf(call<unknown>("DELETE", `${base(orgSlug)}/draft`));
export const publishDraft = (orgSlug: string, revision: number) => bodyOf(call<PublishResult>("POST", `${base(orgSlug)}/draft/publish`, { revision }));
export const testSource = (orgSlug: string, body: { source: string; format: SourceFormat }, signal?: AbortSignal) =>
  bodyOf(call<PolicyTestRun>("POST", `${base(orgSlug)}/test`, body, signal));
export const simulateSource = (orgSlug: string, body: { source: string; format: SourceFormat; days: number }) =>
  bodyOf(call<PolicySimulation>("POST", `${base(orgSlug)}/simulate`, body));
/** What publishing this source would change (a dry run: nothing is written). */
export const previewPublish = (orgSlug: string, body: { source: string; format: SourceFormat }, signal?: AbortSignal) =>
  bodyOf(call<PolicySetDiff>("POST", `${base(orgSlug)}/draft/preview`, body, signal));
export const fetchLibrary = (orgSlug: string, signal?: AbortSignal) => bodyOf(call<PolicyLibrary>("GET", `${base(orgSlug)}/library`, undefined, signal));
export const fetchPolicySchema = (orgSlug: string, signal?: AbortSignal) => bodyOf(call<Record<string, unknown>>("GET", `${base(orgSlug)}/schema`, undefined, signal));

export const EFFECT_LABELS: Record<Effect, string> = { allow: "allow", deny: "deny", require_approval: "needs approval" };

/** One line of what a policy says, for its page: a label and the text or the patterns. */
export interface PolicyFact {
  label: string;
  value: string;
  /** Patterns, roles, conditions: shown as code. */
  code?: boolean;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);
const objectOf = (value: unknown): Record<string, unknown> | null => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null);

/**
 * What a published policy document says, in order: effect and mode, the actions and agents it
 * matches, its approval rules (for a policy that requires approval) and its conditions (`when`, as
 * written, via `conditionText`). Read defensively: a field the document lacks is left out.
 */
export function policyFacts(document: Readonly<Record<string, unknown>>, conditionText: (when: unknown) => string): PolicyFact[] {
  const facts: PolicyFact[] = [];
  const effect = typeof document.effect === "string" ? document.effect : null;
  if (effect) facts.push({ label: "Effect", value: EFFECT_LABELS[effect as Effect] ?? effect });
  facts.push({ label: "Mode", value: document.mode === "monitor" ? "monitor (recorded, not enforced)" : "enforce" });
  if (typeof document.description === "string" && document.description) facts.push({ label: "Description", value: document.description });
  facts.push({ label: "Actions", value: strings(document.actions).join(", ") || "—", code: true });
  facts.push({ label: "Agents", value: (strings(document.agents).length > 0 ? strings(document.agents) : ["*"]).join(", "), code: true });
  const approval = objectOf(document.approval);
  if (effect === "require_approval") {
    const quorum = typeof approval?.quorum === "number" ? approval.quorum : 1;
    facts.push({ label: "Approvals needed", value: countOf(quorum, "approval") });
    const roles = strings(approval?.approverRoles);
    facts.push({ label: "Who may approve", value: (roles.length > 0 ? roles : DEFAULT_APPROVER_ROLES).join(", "), code: true });
    const named = strings(approval?.approvers);
    if (named.length > 0) facts.push({ label: "Named approvers", value: named.join(", "), code: true });
    if (approval?.excludeAgentOwner === true) facts.push({ label: "Agent's owner", value: "may not approve" });
    facts.push({
      label: "Expires after",
      value: typeof approval?.timeoutSeconds === "number" ? countOf(approval.timeoutSeconds, "second") : "the organization's default approval timeout",
    });
  }
  facts.push(
    document.when === undefined ? { label: "Conditions", value: "none: every matching call" } : { label: "Conditions", value: conditionText(document.when).trimEnd(), code: true },
  );
  return facts;
}
