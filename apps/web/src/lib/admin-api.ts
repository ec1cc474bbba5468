import type {
  ClosedOrg,
  CreatedInvitation,
  InvitationView,
  MemberView,
  OrgSettings,
  OrgView,
  PendingSettingsChange,
  RemovedMember,
  SsoDomainClaim,
  UpdateSettingsRequest,
} from "@gatehouse/contracts";
import type { MemberRole } from "@gatehouse/core";
import { ApiError, orgPath, request } from "./api-client";

// The console's calls for its Members and Settings pages. A refusal is an ApiError; a 400 or 409 that
// names fields carries them in `fields` (field → message) so a form shows each at its input.

export const memberKeys = {
  members: (orgSlug: string) => ["members", orgSlug, "list"] as const,
  invitations: (orgSlug: string) => ["members", orgSlug, "invitations"] as const,
};

export const fetchMembers = (orgSlug: string, signal?: AbortSignal) => request<{ members: MemberView[] }>("GET", `${orgPath(orgSlug)}/members`, { signal });
export const changeRole = (orgSlug: string, membershipId: string, role: MemberRole) =>
  request<MemberView>("PATCH", `${orgPath(orgSlug)}/members/${encodeURIComponent(membershipId)}`, { body: { role } });
export const removeMember = (orgSlug: string, membershipId: string) => request<RemovedMember>("DELETE", `${orgPath(orgSlug)}/members/${encodeURIComponent(membershipId)}`);
export const leaveOrg = (orgSlug: string) => request<RemovedMember>("POST", `${orgPath(orgSlug)}/members/leave`);
export const fetchInvitations = (orgSlug: string, signal?: AbortSignal) => request<{ invitations: InvitationView[] }>("GET", `${orgPath(orgSlug)}/invitations`, { signal });
export const inviteMember = (orgSlug: string, body: { email: string; role: MemberRole }) => request<CreatedInvitation>("POST", `${orgPath(orgSlug)}/invitations`, { body });
export const revokeInvitation = (orgSlug: string, invitationId: string) => request<InvitationView>("DELETE", `${orgPath(orgSlug)}/invitations/${encodeURIComponent(invitationId)}`);
export const updateOrg = (orgSlug: string, body: { name?: string; slug?: string }) => request<OrgView>("PATCH", `${orgPath(orgSlug)}/org`, { body });
/** A settings change (any setting of core's registry, each as its patch), merged onto the current settings. */
export const updateSettings = (orgSlug: string, body: Omit<UpdateSettingsRequest, "signIn">) =>
  request<OrgSettings | PendingSettingsChange>("PATCH", `${orgPath(orgSlug)}/settings`, { body });
export const closeOrg = (orgSlug: string, confirm: string) => request<ClosedOrg>("POST", `${orgPath(orgSlug)}/org/close`, { body: { confirm } });
export const updateSignInSettings = (orgSlug: string, signIn: Partial<OrgSettings["signIn"]>) =>
  request<OrgSettings | PendingSettingsChange>("PATCH", `${orgPath(orgSlug)}/settings`, { body: { signIn } });

/** A settings save the two-admin rule holds: it weakens enforcement, so another owner or admin must approve it. */
export function isPendingSettings(outcome: OrgSettings | PendingSettingsChange): outcome is PendingSettingsChange {
  return "status" in outcome && outcome.status === "pending_approval";
}

/** What a held save says in place of "Saved.". */
export function pendingSettingsMessage(outcome: PendingSettingsChange): string {
  return `Not applied yet: this change weakens enforcement (${outcome.weakened.map((w) => w.path).join(", ")}), so another owner or admin must approve it in Approvals.`;
}
export const verifySsoDomain = (orgSlug: string, domain: string) => request<SsoDomainClaim>("POST", `${orgPath(orgSlug)}/settings/sso-domains/verify`, { body: { domain } });

/** A refusal's message for one field, or null. */
export function fieldError(error: unknown, field: string): string | null {
  return error instanceof ApiError ? (error.fields[field] ?? null) : null;
}
