import type { AuditEvent, AuditEventList, AuditProof, AuditVerification, Checkpoint, CheckpointList, KeyRotation, SigningKey, SigningKeyList } from "@gatehouse/contracts";
import type { AuditEntryType } from "@gatehouse/core";
import { z } from "zod";
import { countOf } from "./format";

// /api/orgs/[orgSlug]/audit* answer the API's own shapes (@gatehouse/contracts); the route handlers
// check at compile time that what @gatehouse/db returns fits them.

export type { Checkpoint, SigningKey, SigningKeyList };

/** One audit entry as the console shows it. */
export type AuditEntry = AuditEvent;

export type AuditPage = AuditEventList;

export const AUDIT_PAGE_SIZE = 50;

/** GET …/audit/proof?entryId=: the entry's inclusion proof against a fresh signed checkpoint. */
export type InclusionProof = Extract<AuditProof, { type: "inclusion" }>;

/** Signed checkpoints (tree size, root and the C2SP signed note, verbatim), largest first. */
export type CheckpointPage = CheckpointList;

export const CHECKPOINT_PAGE_SIZE = 50;

/** POST …/audit/keys/rotate: the keys after rotation and a checkpoint signed by the new one. */
export type RotatedKeys = KeyRotation;

export type ChainVerification = AuditVerification;

/** What Audit → Verify says about a finished check: the verdict, what was counted, and what no signature covers. */
export interface VerificationSummary {
  headline: string;
  counts: string;
  /** Set when entries after the last signed checkpoint were checked against the head only. */
  unsigned: string | null;
  /** Set when the log's oldest months were dropped under the org's retention: where the check began. */
  start: string | null;
}

export function verificationSummary(result: ChainVerification): VerificationSummary {
  // Seqs count from where the log starts (0, or the first seq kept after its oldest months were dropped).
  const signed = result.startSize + result.checkedEntries - result.unsignedEntries;
  const unsigned = result.valid && result.unsignedEntries > 0;
  return {
    headline: !result.valid ? "The log does not verify" : unsigned ? `The log is valid up to tree size ${signed.toLocaleString("en-US")}` : "The log is valid",
    counts: `${countOf(result.checkedEntries, "entry", "entries")} and ${countOf(result.checkedCheckpoints, "signed checkpoint", "signed checkpoints")} checked`,
    unsigned: unsigned
      ? `${countOf(result.unsignedEntries, "entry", "entries")} (seq ${signed}${result.unsignedEntries === 1 ? "" : `–${result.startSize + result.checkedEntries - 1}`}) ${
          result.unsignedEntries === 1 ? "was" : "were"
        } appended while the check ran and ${result.unsignedEntries === 1 ? "is" : "are"} not covered by a signature yet: checked against the log head only. The next checkpoint signs them.`
      : null,
    start:
      result.startSize > 0
        ? `The log starts at seq ${result.startSize.toLocaleString("en-US")}: the entries before it were dropped under the organization's retention (an audit.pruned entry records each drop). The check began there, from the tree recorded at the drop.`
        : null,
  };
}

/**
 * POST …/audit/verify answers JSON Lines: progress lines while the log is recomputed, then one
 * result, or one error (the error envelope) if it failed after the stream began.
 */
export type VerifyLine =
  | { type: "progress"; checked: number; total: number }
  | { type: "result"; result: ChainVerification }
  | { type: "error"; status: number; error: { code: string; message: string; requestId: string } };

export type ExportFormat = "jsonl" | "csv";

/** Query of GET …/audit/export; times are ISO 8601 with an offset. */
export interface ExportOptions {
  format: ExportFormat;
  from?: string;
  to?: string;
  agentId?: string;
  type?: string;
}

/** The Audit table's filters; `from` and `to` are ISO 8601 times (entries at or after `from`, before `to`). */
export interface AuditFilters {
  type?: string;
  actionType?: string;
  agentId?: string;
  from?: string;
  to?: string;
}

/** The filter parameters, in the order the address bar and the requests write them. */
export const AUDIT_FILTER_KEYS = ["type", "actionType", "agentId", "from", "to"] as const satisfies ReadonlyArray<keyof AuditFilters>;

/** The sections of the Audit page, in tab order; `?tab=` in the URL names one. */
export const AUDIT_TABS = ["entries", "verify", "checkpoints", "export", "reports", "keys"] as const;
export type AuditTab = (typeof AUDIT_TABS)[number];

export function auditTab(value: unknown): AuditTab {
  return AUDIT_TABS.find((tab) => tab === value) ?? "entries";
}

/** TanStack Query keys of the Audit page. */
export const auditKeys = {
  entries: (orgSlug: string, filters: AuditFilters) => ["audit", orgSlug, "entries", ...AUDIT_FILTER_KEYS.map((key) => filters[key] ?? null)] as const,
  proof: (orgSlug: string, entryId: string) => ["audit", orgSlug, "proof", entryId] as const,
  checkpoints: (orgSlug: string) => ["audit", orgSlug, "checkpoints"] as const,
  keys: (orgSlug: string) => ["audit", orgSlug, "keys"] as const,
};

/** Query parameters sent empty (`?type=`) count as absent. */
export const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

export const auditQuerySchema = z.strictObject({
  cursor: z.preprocess(emptyAsUndefined, z.string().max(512).optional()),
  limit: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).optional()),
  type: z.preprocess(emptyAsUndefined, z.string().max(100).optional()),
  agentId: z.preprocess(emptyAsUndefined, z.string().max(64).optional()),
});

/**
 * A time the author picks in a `datetime-local` input, read as UTC (the console writes every time in
 * UTC), as ISO 8601; "" or a value that is not a time → undefined.
 */
export function utcInputToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The reverse, for the input's value: "2026-11-23T04:05" (minutes; seconds when the time has them). */
export function isoToUtcInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const text = date.toISOString();
  return date.getUTCSeconds() === 0 && date.getUTCMilliseconds() === 0 ? text.slice(0, 16) : text.slice(0, 19);
}

export type AuditQuery = z.infer<typeof auditQuerySchema>;

export type DecisionStatus = "executed" | "requested" | "denied";

/** What a decision entry ("action.decided") says, read defensively from its data. */
export interface DecisionSummary {
  actionType: string | null;
  status: DecisionStatus | null;
  policyName: string | null;
  policyVersion: number | null;
  denialReason: string | null;
  agentName: string | null;
  /** "monitor" when a monitor-mode policy decided: recorded, not enforced. */
  mode: string | null;
}

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** The log's entries about a policy itself. */
const POLICY_ENTRY_TYPES: ReadonlySet<string> = new Set<AuditEntryType>(["policy.version_published", "policy.archived"]);
const isPolicyEntry = (type: string) => POLICY_ENTRY_TYPES.has(type);

export function summarize(entry: AuditEntry): DecisionSummary {
  const { data } = entry;
  const status = text(data.status);
  // A decision names the winning policy as `policy: { name, versionId, version }`; an entry about a
  // policy itself (policy.version_published, policy.archived) names it at the top, with its version.
  const policy = record(data.policy) ?? (isPolicyEntry(entry.type) ? data : null);
  const version = policy?.version;
  return {
    actionType: text(data.actionType),
    status: status === "executed" || status === "requested" || status === "denied" ? status : null,
    policyName: text(policy?.name) ?? text(data.policyName),
    policyVersion: typeof version === "number" ? version : null,
    denialReason: text(data.denialReason),
    agentName: text(data.agentName),
    mode: text(data.mode),
  };
}
