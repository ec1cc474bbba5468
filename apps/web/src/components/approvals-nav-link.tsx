"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchApprovalPage } from "@/lib/api-client";
import { approvalKeys } from "@/lib/approvals";
import { useLiveStatus } from "./live-events";
import { NavLink } from "./nav-link";

// The badge counts up to one page of pending approvals; past that it says "100+".
const COUNT_LIMIT = 100;

/** "Approvals" in the org nav, with the number of approvals waiting (kept fresh by LiveEvents). */
export function ApprovalsNavLink({ orgSlug, href }: { orgSlug: string; href: string }) {
  const live = useLiveStatus() === "live";
  const query = useQuery({
    queryKey: approvalKeys.pendingCount(orgSlug),
    queryFn: ({ signal }) => fetchApprovalPage(orgSlug, { status: "pending", limit: COUNT_LIMIT }, signal),
    refetchInterval: live ? false : 30_000,
  });
  const count = query.data?.approvals.length ?? 0;
  const label = query.data?.nextCursor ? `${COUNT_LIMIT}+` : String(count);

  return (
    <NavLink href={href}>
      Approvals
      {count > 0 ? (
        <>
          <span
            aria-hidden="true"
            data-testid="pending-approvals-badge"
            className="ml-1.5 rounded-full bg-amber-100 px-1.5 py-px text-xs font-semibold tabular-nums text-amber-900"
          >
            {label}
          </span>
          <span className="sr-only">({label} pending)</span>
        </>
      ) : null}
    </NavLink>
  );
}
