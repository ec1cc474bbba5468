/**
 * `admin.audit`: the org's whole audit log (the calls every key has, `../audit.ts`), rotating the org's
 * checkpoint signing key, and erasing personal or secret data from the log while keeping it verifiable
 * (docs/adr/0023-erasure.md).
 *
 * `../audit.ts` keeps its own `AdminAudit` (the log and `rotateKey`), which `index.ts` still exports
 * under that name; this one extends it with `erase`. Once that export names this file's interface (through
 * `../admin.ts`), the two can become one here.
 */
import { createAdminAudit as createAuditWithRotation, type AdminAudit as AuditWithRotation } from "../audit.ts";
import type { components } from "../generated/api.ts";
import { request, type TransportConfig } from "../request.ts";
import type { RequestOptions } from "../types.ts";

type Schemas = components["schemas"];

/** What to erase, and why: `entryIds` (at most 1,000 `aud_…`) or a `subject` (text of at least 6 characters found in at most 1,000 entries), never both; `reason` is sealed into the erasure entry as written. */
export type AuditErasureRequest = Schemas["AuditErasureRequest"];
/** An erasure done: the `audit.erased` entry that records it (null when nothing was left to erase) and how many entries and fields it erased. */
export type AuditErasure = Schemas["AuditErasure"];
/** An erasure waiting for another owner or admin to approve `approvalId` (the two-admin rule): nothing is erased yet. */
export type AuditErasurePending = Schemas["AuditErasurePendingApproval"];

/** The audit log for an org admin key: every call of `Gatehouse.audit` over the whole log, `rotateKey()`, and `erase()`. */
export interface AdminAudit extends AuditWithRotation {
  /**
   * Erases the values of the committed fields (a decision's metadata, data accessed and its conditions'
   * values; an outcome's message) of `entryIds`, or of every field holding `subject`, and records the
   * erasure as an `audit.erased` entry naming the key's member, the time and `reason`. Owners only
   * (`audit.erase`: else `PermissionDeniedError`). It cannot be undone; every tree hash, checkpoint and
   * proof stays valid. An entry written before the log's second entry format, more than 1,000 entries or
   * a subject shorter than 6 characters is a `BadRequestError` naming the field, with nothing erased.
   * While the two-admin rule is in force nothing is erased yet: the answer is `{ status:
   * "pending_approval", approvalId, entries, fields }`, for another owner or admin to approve. Safe to
   * retry: fields already erased are not erased again, and a pending erasure answers its approval.
   */
  erase(erasure: AuditErasureRequest, options?: RequestOptions): Promise<AuditErasure | AuditErasurePending>;
}

export function createAdminAudit(config: TransportConfig): AdminAudit {
  return {
    ...createAuditWithRotation(config),
    erase: (erasure, options = {}) =>
      request<AuditErasure | AuditErasurePending>(config, {
        method: "POST",
        path: "/v1/admin/audit/erasures",
        body: {
          ...(erasure.entryIds === undefined ? {} : { entryIds: [...erasure.entryIds] }),
          ...(erasure.subject === undefined ? {} : { subject: erasure.subject }),
          reason: erasure.reason,
        },
        signal: options.signal,
      }),
  };
}
