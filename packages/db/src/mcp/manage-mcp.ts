import type { CreateMcpGatewayBody, CreateMcpServerBody, McpGatewayView, McpServerView, UpdateMcpGatewayBody, UpdateMcpServerBody } from "@gatehouse/contracts";
import { conflict, MAX_MCP_GATEWAYS_PER_ORG, MAX_MCP_SERVERS_PER_ORG, newId, notFound, validationError, type McpOnChange } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { sealOrgSecret } from "../infra/org-vault";
import { refusedDestination } from "../infra/outbound";
import { isUniqueViolation } from "../infra/prisma-errors";

/**
 * The org's MCP servers and gateways (issue 65, docs/integrations/mcp.md), managed by `integrations.manage`. A server's
 * credential is sealed in the org's vault (`MCP_CREDENTIAL_PURPOSE`, bound to its row and org) and read back only by
 * the gateway, to call it; views say only whether one is set. Every change is an `mcp.server_changed` or
 * `mcp.gateway_changed` entry in the same transaction.
 */
export const MCP_CREDENTIAL_PURPOSE = "mcp-credential";

type ServerRow = {
  id: string;
  name: string;
  url: string;
  description: string;
  catalogDigest: string | null;
  catalogPinnedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

function membershipOf(ctx: Ctx): string | null {
  return ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null;
}

async function checkUpstream(url: string): Promise<void> {
  const why = await refusedDestination(new URL(url));
  if (why) throw validationError([{ path: "url", message: `refused: ${why}` }]);
}

/** Whether a credential is sealed, the pins' counts and the gateways serving each server, read in one round of queries. */
async function serverViews(tx: Tx | ReturnType<typeof db>, orgId: string, rows: ServerRow[]): Promise<McpServerView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [sealed, pins, memberships] = await Promise.all([
    tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM mcp_servers WHERE org_id = $1 AND id = ANY($2::text[]) AND credential_enc IS NOT NULL`, orgId, ids),
    tx.$queryRawUnsafe<Array<{ server_id: string; tools: number; changed: number }>>(
      `SELECT server_id, count(*)::int AS tools, count(pending_digest)::int AS changed FROM mcp_tool_pins WHERE org_id = $1 AND server_id = ANY($2::text[]) GROUP BY server_id`,
      orgId,
      ids,
    ),
    tx.$queryRawUnsafe<Array<{ server_id: string; name: string }>>(
      `SELECT s.server_id, g.name FROM mcp_gateway_servers s JOIN mcp_gateways g ON g.id = s.gateway_id WHERE g.org_id = $1 AND s.server_id = ANY($2::text[]) ORDER BY g.name`,
      orgId,
      ids,
    ),
  ]);
  const withCredential = new Set(sealed.map((row) => row.id));
  const counts = new Map(pins.map((row) => [row.server_id, row]));
  const gateways = new Map<string, string[]>();
  for (const row of memberships) gateways.set(row.server_id, [...(gateways.get(row.server_id) ?? []), row.name]);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    url: row.url,
    description: row.description,
    hasCredential: withCredential.has(row.id),
    catalogDigest: row.catalogDigest,
    catalogPinnedAt: row.catalogPinnedAt?.toISOString() ?? null,
    tools: counts.get(row.id)?.tools ?? 0,
    changedTools: counts.get(row.id)?.changed ?? 0,
    gateways: gateways.get(row.id) ?? [],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }));
}

async function serverOf(tx: Tx, ctx: Ctx, id: string): Promise<ServerRow> {
  const row = await tx.mcpServer.findFirst({ where: { id, orgId: ctx.org.id } });
  if (!row) throw notFound("MCP server");
  return row;
}

export async function listMcpServers({ ctx }: { ctx: Ctx }): Promise<{ servers: McpServerView[] }> {
  requirePermission(ctx, "integrations.manage");
  const rows = await db().mcpServer.findMany({ where: { orgId: ctx.org.id }, orderBy: { name: "asc" } });
  return { servers: await serverViews(db(), ctx.org.id, rows) };
}

export async function getMcpServer({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<McpServerView> {
  requirePermission(ctx, "integrations.manage");
  return db().$transaction(async (tx) => (await serverViews(tx, ctx.org.id, [await serverOf(tx, ctx, input.id)]))[0]!, TX_OPTIONS);
}

export async function createMcpServer({ ctx, input }: { ctx: Ctx; input: CreateMcpServerBody }): Promise<McpServerView> {
  requirePermission(ctx, "integrations.manage");
  await checkUpstream(input.url);
  const id = newId("mcpServer");
  const credentialEnc = input.credential === undefined ? null : await sealOrgSecret(MCP_CREDENTIAL_PURPOSE, id, ctx.org.id, input.credential);
  try {
    return await db().$transaction(async (tx) => {
      const count = await tx.mcpServer.count({ where: { orgId: ctx.org.id } });
      if (count >= MAX_MCP_SERVERS_PER_ORG) throw conflict(`an organization has at most ${MAX_MCP_SERVERS_PER_ORG} MCP servers: delete one first`);
      const row = await tx.mcpServer.create({
        data: { id, orgId: ctx.org.id, name: input.name, url: input.url, description: input.description ?? "", credentialEnc, createdBy: membershipOf(ctx) },
      });
      await appendAuditEntry(tx, ctx.org.id, {
        type: "mcp.server_changed",
        actor: actorRef(ctx.actor),
        subjectId: id,
        data: { serverId: id, name: row.name, change: "created", url: row.url, credential: credentialEnc ? "set" : "none" },
      });
      return (await serverViews(tx, ctx.org.id, [row]))[0]!;
    }, TX_OPTIONS);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`an MCP server named '${input.name}' already exists`);
    throw error;
  }
}

export async function updateMcpServer({ ctx, input }: { ctx: Ctx; input: { id: string; body: UpdateMcpServerBody } }): Promise<McpServerView> {
  requirePermission(ctx, "integrations.manage");
  const { body } = input;
  if (body.url !== undefined) await checkUpstream(body.url);
  const credentialEnc =
    body.credential === undefined ? undefined : body.credential === null ? null : await sealOrgSecret(MCP_CREDENTIAL_PURPOSE, input.id, ctx.org.id, body.credential);
  return db().$transaction(async (tx) => {
    const locked = await tx.$queryRawUnsafe<Array<{ had: boolean }>>(
      `SELECT credential_enc IS NOT NULL AS had FROM mcp_servers WHERE id = $1 AND org_id = $2 FOR UPDATE`,
      input.id,
      ctx.org.id,
    );
    if (locked.length === 0) throw notFound("MCP server");
    const had = locked[0]!.had;
    // A credential goes only where it was given for: a URL on another origin takes it again, or none.
    if (had && body.url !== undefined && body.credential === undefined) {
      const before = await tx.mcpServer.findUniqueOrThrow({ where: { id: input.id }, select: { url: true } });
      if (new URL(before.url).origin !== new URL(body.url).origin) {
        throw validationError([{ path: "credential", message: "the URL moves to another origin: give the credential for it again, or null to send none" }]);
      }
    }
    const row = await tx.mcpServer.update({
      where: { id: input.id },
      data: {
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(credentialEnc !== undefined ? { credentialEnc } : {}),
        updatedAt: new Date(),
      },
    });
    const credential = credentialEnc === undefined ? (had ? "unchanged" : "none") : credentialEnc === null ? (had ? "removed" : "none") : "set";
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.server_changed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { serverId: row.id, name: row.name, change: "updated", url: row.url, credential },
    });
    return (await serverViews(tx, ctx.org.id, [row]))[0]!;
  }, TX_OPTIONS);
}

export async function deleteMcpServer({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<McpServerView> {
  requirePermission(ctx, "integrations.manage");
  return db().$transaction(async (tx) => {
    const row = await serverOf(tx, ctx, input.id);
    const view = (await serverViews(tx, ctx.org.id, [row]))[0]!;
    await tx.mcpServer.delete({ where: { id: row.id } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.server_changed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { serverId: row.id, name: row.name, change: "deleted", url: row.url, credential: view.hasCredential ? "removed" : "none" },
    });
    return view;
  }, TX_OPTIONS);
}

type GatewayRow = { id: string; name: string; description: string; onChange: string; createdAt: Date; updatedAt: Date; servers: Array<{ server: { name: string } }> };

const GATEWAY_SELECT = { servers: { select: { server: { select: { name: true } } } } } as const;

function gatewayView(ctx: Ctx, row: GatewayRow): McpGatewayView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    path: `/mcp/${ctx.org.slug}/${row.name}`,
    servers: row.servers.map((s) => s.server.name).sort(),
    onChange: row.onChange as McpOnChange,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The ids of the org's servers named, in the order given; a name not registered is a 400 naming `servers`. */
async function serverIdsOf(tx: Tx, ctx: Ctx, names: string[]): Promise<string[]> {
  const unique = [...new Set(names)];
  const rows = await tx.mcpServer.findMany({ where: { orgId: ctx.org.id, name: { in: unique } }, select: { id: true, name: true } });
  const byName = new Map(rows.map((row) => [row.name, row.id]));
  const missing = unique.filter((name) => !byName.has(name));
  if (missing.length > 0) throw validationError([{ path: "servers", message: `no MCP server named ${missing.map((n) => `'${n}'`).join(", ")} in this organization` }]);
  return unique.map((name) => byName.get(name)!);
}

export async function listMcpGateways({ ctx }: { ctx: Ctx }): Promise<{ gateways: McpGatewayView[] }> {
  requirePermission(ctx, "integrations.manage");
  const rows = await db().mcpGateway.findMany({ where: { orgId: ctx.org.id }, orderBy: { name: "asc" }, include: GATEWAY_SELECT });
  return { gateways: rows.map((row) => gatewayView(ctx, row)) };
}

export async function getMcpGateway({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<McpGatewayView> {
  requirePermission(ctx, "integrations.manage");
  const row = await db().mcpGateway.findFirst({ where: { id: input.id, orgId: ctx.org.id }, include: GATEWAY_SELECT });
  if (!row) throw notFound("MCP gateway");
  return gatewayView(ctx, row);
}

export async function createMcpGateway({ ctx, input }: { ctx: Ctx; input: CreateMcpGatewayBody }): Promise<McpGatewayView> {
  requirePermission(ctx, "integrations.manage");
  const id = newId("mcpGateway");
  try {
    return await db().$transaction(async (tx) => {
      const count = await tx.mcpGateway.count({ where: { orgId: ctx.org.id } });
      if (count >= MAX_MCP_GATEWAYS_PER_ORG) throw conflict(`an organization has at most ${MAX_MCP_GATEWAYS_PER_ORG} MCP gateways: delete one first`);
      const serverIds = await serverIdsOf(tx, ctx, input.servers);
      const row = await tx.mcpGateway.create({
        data: {
          id,
          orgId: ctx.org.id,
          name: input.name,
          description: input.description ?? "",
          onChange: input.onChange ?? "hide",
          createdBy: membershipOf(ctx),
          servers: { create: serverIds.map((serverId) => ({ serverId })) },
        },
        include: GATEWAY_SELECT,
      });
      const view = gatewayView(ctx, row);
      await appendAuditEntry(tx, ctx.org.id, {
        type: "mcp.gateway_changed",
        actor: actorRef(ctx.actor),
        subjectId: id,
        data: { gatewayId: id, name: view.name, change: "created", servers: view.servers, onChange: view.onChange },
      });
      return view;
    }, TX_OPTIONS);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`an MCP gateway named '${input.name}' already exists`);
    throw error;
  }
}

export async function updateMcpGateway({ ctx, input }: { ctx: Ctx; input: { id: string; body: UpdateMcpGatewayBody } }): Promise<McpGatewayView> {
  requirePermission(ctx, "integrations.manage");
  const { body } = input;
  return db().$transaction(async (tx) => {
    const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM mcp_gateways WHERE id = $1 AND org_id = $2 FOR UPDATE`, input.id, ctx.org.id);
    if (locked.length === 0) throw notFound("MCP gateway");
    if (body.servers !== undefined) {
      const serverIds = await serverIdsOf(tx, ctx, body.servers);
      await tx.mcpGatewayServer.deleteMany({ where: { gatewayId: input.id } });
      await tx.mcpGatewayServer.createMany({ data: serverIds.map((serverId) => ({ gatewayId: input.id, serverId })) });
    }
    const row = await tx.mcpGateway.update({
      where: { id: input.id },
      data: {
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.onChange !== undefined ? { onChange: body.onChange } : {}),
        updatedAt: new Date(),
      },
      include: GATEWAY_SELECT,
    });
    const view = gatewayView(ctx, row);
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.gateway_changed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { gatewayId: row.id, name: view.name, change: "updated", servers: view.servers, onChange: view.onChange },
    });
    return view;
  }, TX_OPTIONS);
}

export async function deleteMcpGateway({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<McpGatewayView> {
  requirePermission(ctx, "integrations.manage");
  return db().$transaction(async (tx) => {
    const row = await tx.mcpGateway.findFirst({ where: { id: input.id, orgId: ctx.org.id }, include: GATEWAY_SELECT });
    if (!row) throw notFound("MCP gateway");
    const view = gatewayView(ctx, row);
    await tx.mcpGateway.delete({ where: { id: row.id } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.gateway_changed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { gatewayId: row.id, name: view.name, change: "deleted", servers: view.servers, onChange: view.onChange },
    });
    return view;
  }, TX_OPTIONS);
}
