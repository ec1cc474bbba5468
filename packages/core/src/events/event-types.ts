import type { AuditEntryType } from "../audit/entry-types";
import { actionDenied } from "./types/action-denied";
import { actionExecuted } from "./types/action-executed";
import { agentUnresponsive } from "./types/agent-unresponsive";
import { anomalyDetected } from "./types/anomaly-detected";
import { approvalDecided } from "./types/approval-decided";
import { approvalExpired } from "./types/approval-expired";
import { approvalRequested } from "./types/approval-requested";
import { approvalVoted } from "./types/approval-voted";
import { budgetExceeded } from "./types/budget-exceeded";
import { budgetThreshold } from "./types/budget-threshold";
import { delegationCreated } from "./types/delegation-created";
import { delegationExpired } from "./types/delegation-expired";
import { delegationRevoked } from "./types/delegation-revoked";
import { enforcementTriggered } from "./types/enforcement-triggered";
import { guardrailTriggered } from "./types/guardrail-triggered";
import { loopDetected } from "./types/loop-detected";
import { policyChanged } from "./types/policy-changed";
import { postconditionViolated } from "./types/postcondition-violated";

/**
 * Every event type, in the order the contract lists them: a new one is its file under types/ and a line
 * here. Server-sent events and webhooks are projections of audit entries (event-of-entry.ts).
 */
export const EVENT_DEFINITIONS = [
  actionExecuted,
  actionDenied,
  approvalRequested,
  approvalVoted,
  approvalDecided,
  approvalExpired,
  delegationCreated,
  delegationRevoked,
  delegationExpired,
  enforcementTriggered,
  anomalyDetected,
  agentUnresponsive,
  policyChanged,
  budgetThreshold,
  budgetExceeded,
  guardrailTriggered,
  loopDetected,
  postconditionViolated,
] as const;

/** The audit entry types that are no event (keys, members, settings, …). An entry type an event comes from is not here. */
export const NOT_EVENTS = [
  "action.outcome",
  "agent.evidence",
  "run.ended",
  "budget.released",
  "approval.vote_refused",
  "agent.created",
  "agent.resumed",
  "agent.circuit_closed",
  "key.issued",
  "key.revoked",
  "key.reissued",
  "audit.signing_key_created",
  "audit.signing_key_rotated",
  "audit.erased",
  "audit.pruned",
  "audit.report_generated",
  "org.created",
  "org.renamed",
  "org.slug_changed",
  "org.settings_changed",
  "org.sso_domain_verified",
  "webhook.endpoint_changed",
  "content.detector_changed",
  "mcp.server_changed",
  "mcp.gateway_changed",
  "mcp.connected",
  "mcp.disconnected",
  "mcp.error",
  "mcp.catalog_pinned",
  "mcp.catalog_changed",
  "mcp.catalog_accepted",
  "integration.changed",
  "grant.created",
  "grant.revoked",
  "member.handover_set",
  "member.handover_ended",
  "org.closed",
  "member.added",
  "member.invited",
  "member.joined",
  "member.role_changed",
  "member.removed",
  "member.left",
  "member.password_reset",
  "invitation.revoked",
  "invitation.reissued",
  "account.password_changed",
  "account.password_reset",
  "account.sessions_ended",
] as const satisfies readonly AuditEntryType[];

type Definition = (typeof EVENT_DEFINITIONS)[number];
type FromOf<D> = D extends { readonly from: infer F } ? keyof F : never;
/** Every entry type is decided: an event comes from it, or it is in NOT_EVENTS. A new entry type does not compile until it is one. */
type Undecided = Exclude<AuditEntryType, FromOf<Definition> | (typeof NOT_EVENTS)[number]>;
export const EVERY_ENTRY_TYPE_DECIDED: [Undecided] extends [never] ? true : { undecided: Undecided } = true;
