import type { PolicyDraft, PolicyMonitor, PolicySetDiff, PolicySimulation, PolicyTestRun, PolicyVersionList } from "@gatehouse/contracts";
import { DEFAULT_APPROVER_ROLES } from "@gatehouse/core/permissions";
import { orgPath, request, type FieldIssue } from "./api-client";
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
  /** What its `when` says, in one line (lib/policy-text.ts); absent without one. */
  when?: string;
  /** What its `budget` says, in one line; absent without one. */
  budget?: string;
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
export type SourceIssue = FieldIssue;

const base = (orgSlug: string) => `${orgPath(orgSlug)}/policies`;

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

export const fetchPolicies = (orgSlug: string, signal?: AbortSignal) => request<PolicySummaryList>("GET", base(orgSlug), { signal });
export const fetchMonitor = (orgSlug: string, days: number, signal?: AbortSignal) => request<PolicyMonitor>("GET", `${base(orgSlug)}/monitor?days=${days}`, { signal });
export const fetchVersions = (orgSlug: string, name: string, signal?: AbortSignal) =>
  request<PolicyVersionList>("GET", `${base(orgSlug)}/${encodeURIComponent(name)}/versions`, { signal });
export const fetchDraft = (orgSlug: string, signal?: AbortSignal) => request<PolicyDraft>("GET", `${base(orgSlug)}/draft`, { signal });
export const saveDraft = (orgSlug: string, body: { source: string; format: SourceFormat; revision: number }) => request<PolicyDraft>("PUT", `${base(orgSlug)}/draft`, { body });
export const discardDraft = (orgSlug: string) => request<unknown>("DELETE", `${base(orgSlug)}/draft`);
export const publishDraft = (orgSlug: string, revision: number) => request<PublishResult>("POST", `${base(orgSlug)}/draft/publish`, { body: { revision } });
export const testSource = (orgSlug: string, body: { source: string; format: SourceFormat }, signal?: AbortSignal) =>
  request<PolicyTestRun>("POST", `${base(orgSlug)}/test`, { body, signal });
export const simulateSource = (orgSlug: string, body: { source: string; format: SourceFormat; days: number }) =>
  request<PolicySimulation>("POST", `${base(orgSlug)}/simulate`, { body });
/** What publishing this source would change (a dry run: nothing is written). */
export const previewPublish = (orgSlug: string, body: { source: string; format: SourceFormat }, signal?: AbortSignal) =>
  request<PolicySetDiff>("POST", `${base(orgSlug)}/draft/preview`, { body, signal });
export const fetchLibrary = (orgSlug: string, signal?: AbortSignal) => request<PolicyLibrary>("GET", `${base(orgSlug)}/library`, { signal });
export const fetchPolicySchema = (orgSlug: string, signal?: AbortSignal) => request<Record<string, unknown>>("GET", `${base(orgSlug)}/schema`, { signal });

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
