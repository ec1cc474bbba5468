import type { Metadata } from "next";
import { hasPermission, listAgents, listAuditEntries } from "@gatehouse/db";
import { env } from "@/env";
import { AUDIT_PAGE_SIZE, auditQuerySchema, auditTab, type AuditPage } from "@/lib/audit";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { AuditExplorer } from "./audit-explorer";

export const metadata: Metadata = { title: "Audit log" };

type Params = Promise<{ orgSlug: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditPageRoute({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);

  // The section and the filters live in the URL so a view can be shared; malformed ones are ignored.
  const raw = await searchParams;
  const parsed = auditQuerySchema.pick({ type: true, agentId: true }).safeParse({ type: raw.type, agentId: raw.agentId });
  const filters = parsed.success ? parsed.data : {};

  const [firstPage, agents] = await Promise.all([listAuditEntries({ ctx, input: { ...filters, limit: AUDIT_PAGE_SIZE } }), listAgents({ ctx })]);
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
    />
  );
}
