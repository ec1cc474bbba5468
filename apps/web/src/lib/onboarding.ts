import type { PolicySetDiff } from "@gatehouse/contracts";
import { getJson, orgPath, request } from "./api-client";

// /api/orgs/[orgSlug]/onboarding answers this shape (getOnboardingState in @gatehouse/db; the route
// handler checks at compile time that it fits).

export interface OnboardingState {
  steps: { agentCreated: boolean; keyIssued: boolean; policyApplied: boolean; firstCall: boolean };
  done: boolean;
  agent: { id: string; name: string } | null;
}

/** TanStack Query keys. */
export const onboardingKeys = {
  state: (orgSlug: string) => ["onboarding", orgSlug] as const,
};

const base = (orgSlug: string) => `${orgPath(orgSlug)}/onboarding`;

export const fetchOnboarding = (orgSlug: string, signal?: AbortSignal) => getJson<OnboardingState>(base(orgSlug), signal);
export const applyStarterPolicy = (orgSlug: string) => request<PolicySetDiff>("POST", `${base(orgSlug)}/starter-policy`);
