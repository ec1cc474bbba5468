import { z } from "zod";
import { canonicalize } from "../audit/canonical-json";
import { sha256Hex } from "../audit/hashing";
import { validationError } from "../errors";
import { ACTION_TYPE_PATTERN, zodIssues } from "../policy/document";
import type { ConditionResult, Decision } from "../policy/evaluate";

export const dataAccessedSchema = z.strictObject({
  type: z.string().min(1).max(100),
  count: z.number().int().min(0).optional(),
  sensitivity: z.enum(["public", "internal", "confidential", "restricted"]).optional(),
});

export const actionRequestSchema = z.strictObject({
  actionType: z.string({ error: "is required" }).regex(ACTION_TYPE_PATTERN, "must match ^[a-z0-9][a-z0-9._:-]{0,127}$"),
  metadata: z.record(z.string().max(200), z.unknown()).default({}),
  dataAccessed: z.array(dataAccessedSchema).max(100).default([]),
  eventId: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, "must be 1-200 characters of [A-Za-z0-9._:-]").optional(),
});

export type ActionRequest = z.output<typeof actionRequestSchema>;

export function parseActionRequest(body: unknown): ActionRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw validationError([{ path: "", message: "body must be a JSON object" }]);
  }
  const parsed = actionRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}

/** Binds an idempotency key or an approval to the exact request an agent made. */
export function actionRequestHash(agentId: string, request: ActionRequest): string {
  return sha256Hex(canonicalize({ agentId, actionType: request.actionType, metadata: request.metadata, dataAccessed: request.dataAccessed }));
}

export type ActionStatus = "executed" | "requested" | "denied";

/** What `POST /v1/actions` answers (docs/architecture.md, "Contracts"); fields may be added, never renamed. */
export interface ActionResult {
  status: ActionStatus;
  auditEventId: string;
  approvalId?: string;
  timeoutAt?: string;
  denialReason?: string;
  policyName?: string;
  policyVersion?: number;
  conditionsEvaluated: ConditionResult[];
  mode?: "enforce" | "monitor";
}

export function actionStatusOf(decision: Decision): ActionStatus {
  return decision.effect === "allow" ? "executed" : decision.effect === "deny" ? "denied" : "requested";
}

export function buildActionResult(args: {
  decision: Decision;
  auditEventId: string;
  approval?: { id: string; expiresAt: Date };
  denialReason?: string;
}): ActionResult {
  const { decision, auditEventId, approval } = args;
  const status = args.denialReason ? "denied" : actionStatusOf(decision);
  const denialReason = args.denialReason ?? decision.reason;
  return {
    status,
    auditEventId,
    ...(approval ? { approvalId: approval.id, timeoutAt: approval.expiresAt.toISOString() } : {}),
    ...(status === "denied" && denialReason ? { denialReason } : {}),
    ...(decision.policy ? { policyName: decision.policy.name, policyVersion: decision.policy.version } : {}),
    conditionsEvaluated: decision.conditionsEvaluated,
    mode: decision.mode,
  };
}
