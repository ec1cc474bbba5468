import type { ClosedOrg, CreatedInvitation, InvitationView, MemberView, OrgSettings, OrgView, PendingSettingsChange, RemovedMember, SsoDomainClaim } from "@gatehouse/contracts";
import type { MemberRole } from "@gatehouse/core";
import { ApiError } from "./api-client";

// The console's calls for its Members and Settings pages. A refusal is an ApiError; a 400 or 409 that
// names fields carries them in `fields` (field → message) so a form shows each at its input.

export class FieldApiError extends ApiError {
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, requestId: string | null, fields: Record<string, string>) {
    super(status, code, message, requestId);
    this.name = "FieldApiError";
    this.fields = fields;
  }
}

async function call<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, {
    method,
    signal,
    cache: "no-store",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.ok) return (await response.json()) as T;
  let code = "INTERNAL";
  let message = `Request failed with status ${response.status}`;
  let requestId = response.headers.get("x-request-id");
  const fields: Record<string, string> = {};
  try {
    const parsed = (await response.json()) as {
      error?: { code?: string; message?: string; requestId?: string; details?: { issues?: Array<{ path?: unknown; message?: unknown }> } };
    };
    code = parsed.error?.code ?? code;
    message = parsed.error?.message ?? message;
    requestId = parsed.error?.requestId ?? requestId;
    for (const issue of parsed.error?.details?.issues ?? []) {
      if (typeof issue.path === "string" && typeof issue.message === "string" && !(issue.path in fields)) fields[issue.path] = issue.message;
    }
  } catch {
    // Not JSON: keep the generic message.
  }
  throw new FieldApiError(response.status, code, message, requestId, fields);
}

const orgPath = (orgSlug: string) => `/api/orgs/${encodeURIComponent(orgSlug)}`;

export const memberKeys = {
  members: (orgSlug: string) => ["members", orgSlug, "list"] as const,
  invitations: (orgSlug: string) => ["members", orgSlug, "invitations"] as const,
};

export const fetchMembers = (orgSlug: string, signal?: AbortSignal) => call<{ members: MemberView[] }>("GET", `${orgPath(orgSlug)}/members`, undefined, signal);
export const changeRole = (orgSlug: string, membershipId: string, role: MemberRole) =>
  call<MemberView>("PATCH", `${orgPath(orgSlug)}/members/${encodeURIComponent(membershipId)}`, { role });
export const removeMember = (orgSlug: string, membershipId: string) => call<RemovedMember>("DELETE", `${orgPath(orgSlug)}/members/${encodeURIComponent(membershipId)}`);
export const leaveOrg = (orgSlug: string) => call<RemovedMember>("POST", `${orgPath(orgSlug)}/members/leave`);
export const fetchInvitations = (orgSlug: string, signal?: AbortSignal) => call<{ invitations: InvitationView[] }>("GET", `${orgPath(orgSlug)}/invitations`, undefined, signal);
export const inviteMember = (orgSlug: string, body: { email: string; role: MemberRole }) => call<CreatedInvitation>("POST", `${orgPath(orgSlug)}/invitations`, body);
export const revokeInvitation = (orgSlug: string, invitationId: string) => call<InvitationView>("DELETE", `${orgPath(orgSlug)}/invitations/${encodeURIComponent(invitationId)}`);
export const updateOrg = (orgSlug: string, body: { name?: string; slug?: string }) => call<OrgView>("PATCH", `${orgPath(orgSlug)}/org`, body);
export const updateSettings = (
  orgSlug: string,
  body: {
    circuitBreaker?: Partial<OrgSettings["circuitBreaker"]>;
    approvalTimeoutSeconds?: number;
    anomaly?: Partial<OrgSettings["anomaly"]>;
    policies?: Partial<OrgSettings["policies"]>;
  },
) => call<OrgSettings | PendingSettingsChange>("PATCH", `${orgPath(orgSlug)}/settings`, body);
export const closeOrg = (orgSlug: string, confirm: string) => call<ClosedOrg>("POST", `${orgPath(orgSlug)}/org/close`, { confirm });
export const updateSignInSettings = (orgSlug: string, signIn: Partial<OrgSettings["signIn"]>) =>
  call<OrgSettings | PendingSettingsChange>("PATCH", `${orgPath(orgSlug)}/settings`, { signIn });

/** A settings save the two-admin rule holds: it weakens enforcement, so another owner or admin must approve it. */
export function isPendingSettings(outcome: OrgSettings | PendingSettingsChange): outcome is PendingSettingsChange {
  return "status" in outcome && outcome.status === "pending_approval";
}

/** What a held save says in place of "Saved.". */
export function pendingSettingsMessage(outcome: PendingSettingsChange): string {
  return `Not applied yet: this change weakens enforcement (${outcome.weakened.map((w) => w.path).join(", ")}), so another owner or admin must approve it in Approvals.`;
}
export const verifySsoDomain = (orgSlug: string, domain: string) => call<SsoDomainClaim>("POST", `${orgPath(orgSlug)}/settings/sso-domains/verify`, { domain });

/** A refusal's message for one field, or null. */
export function fieldError(error: unknown, field: string): string | null {
  return error instanceof FieldApiError ? (error.fields[field] ?? null) : null;
}
