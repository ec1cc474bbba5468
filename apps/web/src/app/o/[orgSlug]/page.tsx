import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getOnboardingState, hasPermission } from "@gatehouse/db";
import { LiveEvents } from "@/components/live-events";
import { env, oidcConfig } from "@/env";
import { DEFAULT_API_URL } from "@/lib/agents";
import { overviewRange } from "@/lib/overview";
import { getMemberOrgs, getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { OnboardingChecklist } from "./onboarding-checklist";
import { Overview } from "./overview/overview";

export const metadata: Metadata = { title: "Overview" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// The org home: the onboarding checklist until the org has an agent, its key, a policy and a first
// call; after that, the overview (posture, decisions, approvals, live activity). A closed org is
// read-only: its home is its audit log.
export default async function OrgHome({ params, searchParams }: { params: Promise<{ orgSlug: string }>; searchParams: SearchParams }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  const closed = (await getMemberOrgs(user.id)).find((org) => org.slug === orgSlug)?.closedAt != null;
  if (closed || ctx.actor.type !== "user") redirect(`/o/${encodeURIComponent(orgSlug)}/audit`);
  const role = ctx.actor.role;
  const readsApprovals = hasPermission(role, "approvals.read");
  const state = await getOnboardingState({ ctx });
  const content = state.done ? (
    <Overview
      orgSlug={orgSlug}
      initialRange={overviewRange((await searchParams).range)}
      readsApprovals={readsApprovals}
      readsGovernanceHealth={hasPermission(role, "audit.verify")}
      ssoAvailable={oidcConfig() !== null}
    />
  ) : (
    <OnboardingChecklist
      orgSlug={orgSlug}
      initial={state}
      can={{ manageAgents: hasPermission(role, "agents.manage"), writePolicies: hasPermission(role, "policies.write") }}
      apiUrl={env().API_URL ?? DEFAULT_API_URL}
    />
  );
  // The layout follows the org's live events for the roles that read approvals; the others (auditors)
  // follow them here, so the first call ticks the checklist and the overview moves for everyone.
  return readsApprovals ? content : <LiveEvents orgSlug={orgSlug}>{content}</LiveEvents>;
}
