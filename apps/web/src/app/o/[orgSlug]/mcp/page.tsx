import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { hasPermission, listMcpGateways, listMcpServers } from "@gatehouse/db";
import { env } from "@/env";
import { DEFAULT_API_URL } from "@/lib/agents";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { McpView } from "./mcp-view";

export const metadata: Metadata = { title: "MCP gateway" };

type Params = Promise<{ orgSlug: string }>;

/** The org's hosted MCP gateway (docs/integrations/mcp.md): its MCP servers, with their sealed credentials and pinned tools, and its gateways' URLs. */
export default async function McpPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "integrations.manage")) notFound();
  const [servers, gateways] = await Promise.all([listMcpServers({ ctx }), listMcpGateways({ ctx })]);
  return <McpView orgSlug={orgSlug} initialServers={servers} initialGateways={gateways} apiUrl={env().API_URL ?? DEFAULT_API_URL} />;
}
