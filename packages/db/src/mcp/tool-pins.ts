import type { AcceptMcpToolBody, McpToolPinView } from "@gatehouse/contracts";
import { catalogDigestOf, conflict, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";

/**
 * A server's pinned tools as an admin reviews them (issue 65, scope 4; docs/integrations/mcp.md, Pinned tool
 * definitions): the accepted definitions, each change a gateway saw since, and accepting one, which is a logged decision.
 */

type PinRow = {
  tool: string;
  digest: string;
  definition: unknown;
  pinnedAt: Date;
  pendingDigest: string | null;
  pendingDefinition: unknown;
  pendingFields: string[];
  changedAt: Date | null;
};

function pinView(row: PinRow): McpToolPinView {
  return {
    name: row.tool,
    digest: row.digest,
    definition: (row.definition ?? {}) as Record<string, unknown>,
    pinnedAt: row.pinnedAt.toISOString(),
    pending:
      row.pendingDigest === null
        ? null
        : {
            digest: row.pendingDigest,
            definition: (row.pendingDefinition ?? {}) as Record<string, unknown>,
            fields: row.pendingFields,
            changedAt: row.changedAt?.toISOString() ?? null,
          },
  };
}

export async function listMcpServerTools({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<{ tools: McpToolPinView[] }> {
  requirePermission(ctx, "integrations.manage");
  const server = await db().mcpServer.findFirst({ where: { id: input.id, orgId: ctx.org.id }, select: { id: true } });
  if (!server) throw notFound("MCP server");
  const rows = await db().mcpToolPin.findMany({ where: { serverId: server.id }, orderBy: { tool: "asc" } });
  return { tools: rows.map(pinView) };
}

/**
 * Accepts the pending definition named by its digest: it becomes the pinned one, the server's catalogue digest is
 * that of its accepted tools, and an `mcp.catalog_accepted` entry records it, in one transaction under the server's
 * row lock (a gateway reconciling a list at the same moment waits for it).
 */
export async function acceptMcpTool({ ctx, input }: { ctx: Ctx; input: { id: string; body: AcceptMcpToolBody } }): Promise<McpToolPinView> {
  requirePermission(ctx, "integrations.manage");
  const { tool, digest } = input.body;
  return db().$transaction(async (tx) => {
    const locked = await tx.$queryRawUnsafe<Array<{ id: string; name: string }>>(`SELECT id, name FROM mcp_servers WHERE id = $1 AND org_id = $2 FOR UPDATE`, input.id, ctx.org.id);
    const server = locked[0];
    if (!server) throw notFound("MCP server");
    const pin = await tx.mcpToolPin.findUnique({ where: { serverId_tool: { serverId: server.id, tool } } });
    if (!pin) throw notFound("MCP tool");
    if (pin.pendingDigest === null) throw conflict(`${tool} has no change waiting for review`);
    if (pin.pendingDigest !== digest)
      throw conflict(`${tool} changed again since the definition ${digest.slice(0, 12)}… was reviewed: review its definition now`, { pendingDigest: pin.pendingDigest });
    const added = pin.pendingFields.includes("added");
    const accepted = await tx.mcpToolPin.update({
      where: { serverId_tool: { serverId: server.id, tool } },
      data: {
        digest: pin.pendingDigest,
        definition: pin.pendingDefinition ?? {},
        pendingDigest: null,
        pendingDefinition: undefined,
        pendingFields: [],
        changedAt: null,
        pinnedAt: new Date(),
      },
    });
    const all = await tx.mcpToolPin.findMany({ where: { serverId: server.id }, select: { tool: true, digest: true, pendingFields: true } });
    const catalogDigest = catalogDigestOf(all.filter((row) => !row.pendingFields.includes("added")).map((row) => ({ name: row.tool, digest: row.digest })));
    await tx.mcpServer.update({ where: { id: server.id }, data: { catalogDigest } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.catalog_accepted",
      actor: actorRef(ctx.actor),
      subjectId: server.id,
      data: { serverId: server.id, server: server.name, tool, fields: pin.pendingFields, previousDigest: added ? null : pin.digest, digest, catalogDigest },
    });
    return pinView(accepted);
  }, TX_OPTIONS);
}
