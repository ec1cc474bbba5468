import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { DENIAL_REASONS } from "@gatehouse/core";
import { hasPermission, mayCreateOrg } from "@gatehouse/db";
import { ApprovalsNavLink } from "@/components/approvals-nav-link";
import { ClosedBanner } from "@/components/closed-org";
import { DenialTextsProvider } from "@/components/denial-reason";
import { LiveEvents } from "@/components/live-events";
import { Logo } from "@/components/logo";
import { NavLink } from "@/components/nav-link";
import { OrgSwitcher } from "@/components/org-switcher";
import { SignOutButton } from "@/components/sign-out-button";
import { denialTextsFrom } from "@/lib/denial-reasons";
import { getMemberOrgs, getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";

type Params = Promise<{ orgSlug: string }>;

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  await getOrgContextOrNotFound(user.id, orgSlug);
  const orgs = await getMemberOrgs(user.id);
  const current = orgs.find((org) => org.slug === orgSlug);
  if (!current) notFound();
  const base = `/o/${encodeURIComponent(orgSlug)}`;
  // The approval queue (its nav item and the live events that keep it fresh) is for roles that may read
  // approvals; auditors read the audit log only.
  // A closed org (only its owners still reach it) is read-only: its audit log, and the page that says it is closed.
  const open = current.closedAt === null;
  const readsApprovals = open && hasPermission(current.role, "approvals.read");
  const readsAgents = open && hasPermission(current.role, "agents.read");
  const managesKeys = open && hasPermission(current.role, "keys.own");
  const canCreateOrg = await mayCreateOrg(user.id);

  const page = (
    <div className="min-h-dvh">
      <header className="border-b border-stone-200 bg-white">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-3 px-4 sm:px-6">
          <Link href="/" aria-label="Gatehouse home" className="shrink-0">
            <Logo />
          </Link>
          <span aria-hidden="true" className="text-stone-300">
            /
          </span>
          <OrgSwitcher
            current={{ slug: current.slug, name: current.name, role: current.role, closed: !open }}
            orgs={orgs.map(({ slug, name, role, closedAt }) => ({ slug, name, role, closed: closedAt !== null }))}
            canCreateOrg={canCreateOrg}
          />
          <div className="ml-auto flex items-center gap-2">
            <Link
              href="/account"
              className="hidden rounded-md px-2 py-1.5 text-sm text-stone-500 hover:bg-stone-100 hover:text-stone-900 sm:inline"
              title={`${user.name}: your account`}
            >
              {user.email}
            </Link>
            <SignOutButton />
          </div>
        </div>
        <nav aria-label="Organization" className="mx-auto flex max-w-7xl gap-6 px-4 sm:px-6">
          {/* Every role holds posture.read; a closed org's home is its audit log. */}
          {open ? (
            <NavLink href={base} exact>
              Overview
            </NavLink>
          ) : null}
          {readsApprovals ? <ApprovalsNavLink orgSlug={orgSlug} href={`${base}/approvals`} /> : null}
          <NavLink href={`${base}/audit`}>Audit</NavLink>
          {readsAgents ? <NavLink href={`${base}/agents`}>Agents</NavLink> : null}
          {readsAgents ? <NavLink href={`${base}/runs`}>Runs</NavLink> : null}
          {open && hasPermission(current.role, "posture.read") ? <NavLink href={`${base}/spend`}>Spend</NavLink> : null}
          {/* Every member reads policies (as GET /v1/admin/policies: any member's key); editing needs policies.write. */}
          {open ? <NavLink href={`${base}/policies`}>Policies</NavLink> : null}
          {managesKeys ? <NavLink href={`${base}/keys`}>Keys</NavLink> : null}
          {/* Every member: without members.read the page shows their own membership and Leave. */}
          {open ? <NavLink href={`${base}/members`}>Members</NavLink> : null}
          {open && hasPermission(current.role, "integrations.manage") ? <NavLink href={`${base}/integrations`}>Integrations</NavLink> : null}
          {open && hasPermission(current.role, "integrations.manage") ? <NavLink href={`${base}/mcp`}>MCP</NavLink> : null}
          {open && hasPermission(current.role, "settings.write") ? <NavLink href={`${base}/settings`}>Settings</NavLink> : null}
          {open ? null : <NavLink href={`${base}/closed`}>Closed</NavLink>}
        </nav>
      </header>
      {open ? null : <ClosedBanner orgSlug={orgSlug} closedAt={current.closedAt} />}
      <main className="mx-auto max-w-7xl px-4 py-8 sm:px-6">
        {/* What each denial reason means, from core's one table, for every page that shows one. */}
        <DenialTextsProvider texts={denialTextsFrom(DENIAL_REASONS)}>{children}</DenialTextsProvider>
      </main>
    </div>
  );
  return readsApprovals ? <LiveEvents orgSlug={orgSlug}>{page}</LiveEvents> : page;
}
