import type { Approval, GrantView } from "@gatehouse/contracts";
import { getJson, orgPath, postJson, request } from "./api-client";

// Standing grants (docs/approvals.md): given on an approval, listed and revoked on the Approvals page.
export type StandingGrant = GrantView;
export const grantKeys = { list: (orgSlug: string) => ["grants", orgSlug] as const };
export const fetchGrants = (orgSlug: string, signal?: AbortSignal) => getJson<{ grants: StandingGrant[] }>(`${orgPath(orgSlug)}/grants`, signal);
export const grantApproval = (
  orgSlug: string,
  approvalId: string,
  body: { durationSeconds: number; uses?: number; match?: Record<string, unknown>; anyArguments?: boolean; reason?: string },
) => postJson<{ approval: Approval; grant: StandingGrant }>(`${orgPath(orgSlug)}/approvals/${encodeURIComponent(approvalId)}/grant`, body);
export const revokeGrant = (orgSlug: string, grantId: string) => request<StandingGrant>("DELETE", `${orgPath(orgSlug)}/grants/${encodeURIComponent(grantId)}`);
