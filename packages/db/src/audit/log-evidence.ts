import { EVIDENCE_DETAILS_MAX_BYTES, evidenceBodySchema, type Evidence } from "@gatehouse/contracts";
import {
  canonicalize,
  conflict,
  formatIssuePath,
  inspectInput,
  MAX_REQUEST_DEPTH,
  notFound,
  sha256Hex,
  validationError,
  zodIssues,
  type ContentFinding,
  type JsonValue,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { screenForAgent } from "../content/screen-for-agent";
import { db, TX_OPTIONS } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { appendAuditEntry } from "./append-audit-entries";

/**
 * `audit.log`: an agent adds its own entry about its work (docs/audit.md, "An agent's own entries"):
 * `agent.evidence`, attributed to the calling agent (a delegate with its chain), bounded (16 KiB of
 * details), screened by the content rules of the decision it names (or the org default) and erasable
 * like a decision's metadata. With an eventId it is written once: a retry answers that entry, the same
 * eventId with other content is a 409.
 */
export async function logEvidence({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<Evidence> {
  const actor = requireAgent(ctx);
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw validationError([{ path: "", message: "body must be a JSON object" }]);
  const unsafe = inspectInput(input, { maxDepth: MAX_REQUEST_DEPTH });
  if (unsafe) throw validationError([{ path: formatIssuePath(unsafe.path), message: unsafe.message }]);
  const parsed = evidenceBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { kind, details, auditEventId, eventId } = parsed.data;
  const size = Buffer.byteLength(canonicalize(details as JsonValue), "utf8");
  if (size > EVIDENCE_DETAILS_MAX_BYTES) throw validationError([{ path: "details", message: `must be at most ${EVIDENCE_DETAILS_MAX_BYTES} bytes of JSON; this is ${size}` }]);

  // The decision it names: one of this agent's (another's, or another org's, is 404).
  const action = auditEventId
    ? await db().action.findFirst({ where: { auditEntryId: auditEventId, orgId: ctx.org.id, agentId: actor.agentId }, select: { actionType: true } })
    : null;
  if (auditEventId && !action) throw notFound("action");

  // The content rules of the decision it names (else the org default), as for a decision's metadata.
  const screened = await screenForAgent(ctx, action?.actionType, details, "details", "log");
  const findings: ContentFinding[] = screened.findings;
  // The hash of the entry as written (after the screen, which is deterministic): no digest of a redacted value is kept.
  const requestHash = sha256Hex(canonicalize({ kind, details: screened.value, auditEventId: auditEventId ?? null } as unknown as JsonValue));
  if (eventId) {
    const seen = await db().agentEvidence.findUnique({ where: { agentId_eventId: { agentId: actor.agentId, eventId } } });
    if (seen) return answerRetry(seen, requestHash, eventId);
  }

  try {
    return await db().$transaction(async (tx) => {
      const entry = await appendAuditEntry(tx, ctx.org.id, {
        type: "agent.evidence",
        actor: actorRef(actor),
        agentId: actor.agentId,
        subjectId: actor.agentId,
        data: {
          agentName: actor.agentName,
          kind,
          details: screened.value,
          ...(auditEventId ? { actionAuditEventId: auditEventId } : {}),
          ...(eventId ? { eventId } : {}),
          ...(findings.length > 0 ? { findings } : {}),
        },
      });
      if (eventId) {
        await tx.agentEvidence.create({ data: { agentId: actor.agentId, eventId, orgId: ctx.org.id, kind, requestHash, auditEntryId: entry.id, createdAt: entry.createdAt } });
      }
      return {
        auditEventId: entry.id,
        kind,
        recordedAt: entry.createdAt.toISOString(),
        ...(auditEventId ? { actionAuditEventId: auditEventId } : {}),
        ...(findings.length > 0 ? { findings } : {}),
      };
    }, TX_OPTIONS);
  } catch (error) {
    // A concurrent call with the same eventId committed first: its entry is the answer (this one rolled back).
    if (eventId && isUniqueViolation(error)) {
      const winner = await db().agentEvidence.findUnique({ where: { agentId_eventId: { agentId: actor.agentId, eventId } } });
      if (winner) return answerRetry(winner, requestHash, eventId);
    }
    throw error;
  }
}

async function answerRetry(seen: { requestHash: string; auditEntryId: string; kind: string; createdAt: Date }, requestHash: string, eventId: string): Promise<Evidence> {
  if (seen.requestHash !== requestHash) throw conflict(`eventId '${eventId}' was already used for other evidence`, { eventId });
  const entry = await db().auditEntry.findUnique({ where: { id: seen.auditEntryId }, select: { canonical: true } });
  const data = entry ? ((JSON.parse(entry.canonical) as { data?: { actionAuditEventId?: string; findings?: ContentFinding[] } }).data ?? {}) : {};
  return {
    auditEventId: seen.auditEntryId,
    kind: seen.kind,
    recordedAt: seen.createdAt.toISOString(),
    ...(data.actionAuditEventId ? { actionAuditEventId: data.actionAuditEventId } : {}),
    ...(data.findings && data.findings.length > 0 ? { findings: data.findings } : {}),
  };
}
