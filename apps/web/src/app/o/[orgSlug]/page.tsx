import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getOnboardingState, hasPermission } from "@gatehouse/db";
import { LiveEvents } from "@/components/live-events";
import { env } from "@/env";
import { DEFAULT_API_URL } from "@/lib/agents";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { OnboardingChecklist } from "./onboarding-checklist";

export const metadata: Metadata = { title: "Get started" };

// The org home: the onboarding checklist until the org has an agent, its key, a policy and a first
// call; after that, the audit log.
export default async function OrgHome({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  const state = await getOnboardingState({ ctx });
  if (state.done || ctx.actor.type !== "user") redirect(`/o/${encodeURIComponent(orgSlug)}/audit`);
  const role = ctx.actor.role;
  const checklist = (
    <OnboardingChecklist
      orgSlug={orgSlug}
      initial={state}
      can={{ manageAgents: hasPermission(role, "agents.manage"), writePolicies: hasPermission(role, "policies.write") }}
      apiUrl={env().API_URL ?? DEFAULT_API_URL}
    />
  );
  // The layout follows the org's live events for the roles that read approvals; the others (auditors)
  // follow them here, so the first call ticks the checklist for everyone.
  return hasPermission(role, "approvals.read") ? checklist : <LiveEvents orgSlug={orgSlug}>{checklist}</LiveEvents>;
}
