import type { Metadata } from "next";
import { listAuditEntries } from "@gatehouse/db";
import { env } from "@/env";
import { AUDIT_PAGE_SIZE, auditQuerySchema, type AuditPage } from "@/lib/audit";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { AuditLog } from "./audit-log";

export const metadata: Metadata = { title: "Audit log" };

type Params = Promise<{ orgSlug: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditPageRoute({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);

  // Filters live in the URL so a filtered view can be shared; malformed ones are ignored.
  const raw = await searchParams;
  const parsed = auditQuerySchema
    .pick({ type: true, agentId: true })
    .safeParse({ type: raw.type, agentId: raw.agentId });
  const filters = parsed.success ? parsed.data : {};

  const firstPage: AuditPage = await listAuditEntries({ ctx, input: { ...filters, limit: AUDIT_PAGE_SIZE } });

  return (
    <AuditLog
      orgSlug={orgSlug}
      filters={filters}
      initialPage={firstPage}
      renderedAt={Date.now()}
      apiUrl={env().API_URL ?? null}
    />
  );
}
