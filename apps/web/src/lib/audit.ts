import type { AuditEventView } from "@gatehouse/db";
import { z } from "zod";

// The console's own contract for GET /api/orgs/[orgSlug]/audit. Client code imports these types;
// the route handler checks at compile time that what @gatehouse/db returns fits them.

/** One audit entry as the console shows it: packages/db's view, unchanged. */
export type AuditEntry = AuditEventView;

export interface AuditPage {
  events: AuditEntry[];
  nextCursor: string | null;
}

export const AUDIT_PAGE_SIZE = 50;

/** Query parameters sent empty (`?type=`) count as absent. */
export const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

export const auditQuerySchema = z.strictObject({
  cursor: z.preprocess(emptyAsUndefined, z.string().max(512).optional()),
  limit: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).optional()),
  type: z.preprocess(emptyAsUndefined, z.string().max(100).optional()),
  agentId: z.preprocess(emptyAsUndefined, z.string().max(64).optional()),
});

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

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value : null;

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

export function summarize(entry: AuditEntry): DecisionSummary {
  const { data } = entry;
  const status = text(data.status);
  // A decision names the winning policy as `policy: { name, versionId, version }`.
  const policy = record(data.policy);
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

/** Fixed UTC rendering so server and browser print the same text. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
