import type { Metadata } from "next";
import { hasPermission, listAgents, listAuditEntries } from "@gatehouse/db";
import { env } from "@/env";
import { auditListQuerySchema } from "@gatehouse/contracts";
import { AUDIT_FILTER_KEYS, AUDIT_PAGE_SIZE, auditTab, emptyAsUndefined, type AuditFilters, type AuditPage } from "@/lib/audit";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { ENTRY_ID_PATTERN } from "@/lib/erasure";
import { AuditExplorer } from "./audit-explorer";
import { pageReads } from "@/server/reads";

export const metadata: Metadata = { title: "Audit log" };

type Params = Promise<{ orgSlug: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The filters in the URL (`?type=&actionType=&agentId=&from=&to=`), each checked as the API checks it,
 * on its own: a malformed one is left out and the others still apply.
 */
function auditFiltersOf(raw: Readonly<Record<string, string | string[] | undefined>>): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of AUDIT_FILTER_KEYS) {
    const parsed = auditListQuerySchema.shape[key].safeParse(emptyAsUndefined(raw[key]));
    if (!parsed.success || parsed.data === undefined) continue;
    // Times in the one form the table's inputs write back (UTC, milliseconds), so the first page is reused.
    filters[key] = key === "from" || key === "to" ? new Date(parsed.data).toISOString() : parsed.data;
  }
  return filters;
}

export default async function AuditPageRoute({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);

  // The section and the filters live in the URL so a view can be shared; malformed ones are ignored.
  const raw = await searchParams;
  const filters = auditFiltersOf(raw);

  const [firstPage, agents] = await pageReads(() => Promise.all([listAuditEntries({ ctx, input: { ...filters, limit: AUDIT_PAGE_SIZE } }), listAgents({ ctx })]));
  const initialPage: AuditPage = firstPage;

  return (
    <AuditExplorer
      orgSlug={orgSlug}
      initialTab={auditTab(raw.tab)}
      filters={filters}
      agents={agents.map(({ id, name }) => ({ id, name }))}
      initialPage={initialPage}
      renderedAt={Date.now()}
      apiUrl={env().API_URL ?? null}
      // Votes and decisions name their member in their data; the signed-in member is known here too.
      members={ctx.actor.type === "user" ? [{ id: ctx.actor.membershipId, label: user.email || user.name }] : []}
      canRotateKeys={ctx.actor.type === "user" && hasPermission(ctx.actor.role, "audit.keys.rotate")}
      canVerify={ctx.actor.type === "user" && hasPermission(ctx.actor.role, "audit.verify")}
      canExport={ctx.actor.type === "user" && hasPermission(ctx.actor.role, "audit.export")}
      canErase={ctx.actor.type === "user" && hasPermission(ctx.actor.role, "audit.erase")}
      // `?entry=aud_…` opens that entry (the erasure's result links to its own entry this way).
      initialEntry={typeof raw.entry === "string" && ENTRY_ID_PATTERN.test(raw.entry) ? raw.entry : null}
    />
  );
}
