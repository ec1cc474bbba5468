/** `admin.invitations`: inviting people into the org, by email. */
import { request, type TransportConfig } from "../request.ts";
import type { CreatedInvitation, CreateInvitationOptions, Invitation, MemberRole, RequestOptions } from "../types.ts";
import { onceKey } from "./once-key.ts";

/** The org's invitations. */
export interface AdminInvitations {
  /** The pending invitations, newest first. */
  list(options?: RequestOptions): Promise<Invitation[]>;
  /**
   * Invites `email` with `role` (at most the key's member's). The accept link is mailed to the invitee
   * only; the answer says whether the mail went out (`emailSent`), never the link. Each call sends an
   * `Idempotency-Key`, so a retry of a call whose answer was lost gets the same invitation (and mails a
   * fresh link), never a second invitation.
   */
  create(invitation: { email: string; role: MemberRole }, options?: CreateInvitationOptions): Promise<CreatedInvitation>;
  /** Revokes an invitation (`inv_…`): its link stops working. Revoking twice is harmless. */
  revoke(invitationId: string, options?: RequestOptions): Promise<Invitation>;
}

export function createAdminInvitations(config: TransportConfig): AdminInvitations {
  return {
    list: async (options = {}) => (await request<{ invitations: Invitation[] }>(config, { method: "GET", path: "/v1/admin/invitations", signal: options.signal })).invitations,
    create: (invitation, options = {}) =>
      request<CreatedInvitation>(config, {
        method: "POST",
        path: "/v1/admin/invitations",
        body: { email: invitation.email, role: invitation.role, ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }) },
        headers: onceKey(),
        signal: options.signal,
      }),
    revoke: (invitationId, options = {}) =>
      request<Invitation>(config, { method: "DELETE", path: `/v1/admin/invitations/${encodeURIComponent(invitationId)}`, signal: options.signal }),
  };
}
